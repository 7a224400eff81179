"""The inbox API: conversations with the inbox's filters, messages, channels and webhooks."""

import json

import pytest

from mehvar.channels.base import InboundMessage
from mehvar.channels.models import Channel, OutboxMessage, WebhookEndpoint
from mehvar.conversations.inbound import message_receive
from mehvar.conversations.models import Conversation, Direction, Message
from mehvar.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(tenants):
    return Channel.objects.create(
        workspace=tenants.ws_a, kind="api", name="API", config={"outbound_url": None}
    )


def receive(channel, external_id, phone="09121234567", text="سلام"):
    inbound = InboundMessage(
        external_id=external_id, identities=(("phone", phone),), text=text, sender_name="رضا"
    )
    return message_receive(channel=channel, inbound=inbound).conversation


def api(client, tenants, method, path, who="agent", body=None, **extra):
    kwargs = {**tenants.bearer(who), **extra}
    if body is not None:
        kwargs["data"] = json.dumps(body)
        kwargs["content_type"] = "application/json"
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def test_list_filters_and_search(client, tenants, channel):
    first = receive(channel, "a", phone="09121111111")
    second = receive(channel, "b", phone="09122222222", text="کیفیت")
    second.priority = "urgent"
    second.save()
    response = api(client, tenants, "get", "/conversations")
    assert response.status_code == 200
    assert [c["number"] for c in response.json()["items"]] == [second.number, first.number]
    urgent = api(client, tenants, "get", "/conversations?priority=urgent").json()["items"]
    assert [c["id"] for c in urgent] == [second.pk]
    by_phone = api(client, tenants, "get", "/conversations?q=۰۹۱۲۱۱۱۱۱۱۱").json()["items"]
    assert [c["id"] for c in by_phone] == [first.pk]
    by_number = api(client, tenants, "get", f"/conversations?q=%23{second.number}").json()["items"]
    assert [c["id"] for c in by_number] == [second.pk]
    assert api(client, tenants, "get", "/conversations?queue=unassigned").json()["items"]
    assert api(client, tenants, "get", "/conversations?queue=mine").json()["items"] == []
    bad = api(client, tenants, "get", "/conversations?status=lost&queue=everything")
    assert bad.status_code == 422
    assert "queue" in bad.content.decode()
    assert api(client, tenants, "get", "/conversations?status=lost").status_code == 422
    marketer = api(client, tenants, "get", "/conversations", who=Role.MARKETER)
    assert marketer.status_code == 403


def test_patch_assigns_tags_and_moves_status(client, tenants, channel):
    conversation = receive(channel, "a")
    body = {"assignee_id": tenants.agent_a.pk, "priority": "high", "tags": ["مرجوعی"], "status": "open"}
    response = api(
        client, tenants, "patch", f"/conversations/{conversation.pk}", who=Role.SUPERVISOR, body=body
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["assignee_id"] == tenants.agent_a.pk and data["priority"] == "high"
    assert data["tags"] == ["مرجوعی"] and data["status"] == "open"
    bad = api(client, tenants, "patch", f"/conversations/{conversation.pk}", body={"status": "closed"})
    assert bad.status_code == 422 and "status" in bad.content.decode()
    foreign = api(
        client,
        tenants,
        "patch",
        f"/conversations/{conversation.pk}",
        body={"assignee_id": tenants.outsider_b.pk},
    )
    assert foreign.status_code == 422 and "assignee_id" in foreign.content.decode()
    outsider = api(client, tenants, "get", f"/conversations/{conversation.pk}", who="outsider")
    assert outsider.status_code == 404


def test_messages_reply_note_and_idempotent_retry(client, tenants, channel):
    conversation = receive(channel, "a")
    path = f"/conversations/{conversation.pk}/messages"
    reply = api(client, tenants, "post", path, body={"text": "در حال پیگیری"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert reply.status_code == 201 and reply.json()["direction"] == "out"
    again = api(client, tenants, "post", path, body={"text": "در حال پیگیری"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json()["id"] == reply.json()["id"]
    assert OutboxMessage.objects.filter(purpose="reply").count() == 1
    note = api(
        client,
        tenants,
        "post",
        path,
        body={"kind": "note", "text": "مشتری ویژه", "mentions": [tenants.owner_a.pk]},
    )
    assert note.status_code == 201 and note.json()["direction"] == "note"
    listed = api(client, tenants, "get", path).json()["items"]
    assert [m["direction"] for m in listed] == ["in", "out", "note"]
    assert listed[1]["status"] == "pending"
    empty = api(client, tenants, "post", path, body={"text": ""})
    assert empty.status_code == 422 and "text" in empty.content.decode()
    analyst = api(client, tenants, "post", path, who=Role.ANALYST, body={"text": "سلام"})
    assert analyst.status_code == 403
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1


def test_create_conversation_with_a_first_message(client, tenants, channel):
    customer = receive(channel, "a").customer
    body = {
        "customer_id": customer.pk,
        "channel_id": channel.pk,
        "subject": "پیگیری",
        "text": "سلام از پشتیبانی",
    }
    response = api(client, tenants, "post", "/conversations", body=body)
    assert response.status_code == 201, response.content
    created = Conversation.objects.get(pk=response.json()["id"])
    assert created.replies_count == 1 and created.subject == "پیگیری"
    other = Channel.objects.create(workspace=tenants.ws_b, kind="api", name="B")
    bad = api(client, tenants, "post", "/conversations", body={**body, "channel_id": other.pk})
    assert bad.status_code == 422 and "channel_id" in bad.content.decode()


def test_channels_hide_secrets_from_agents_and_webhooks_need_managers(client, tenants, channel):
    as_agent = api(client, tenants, "get", "/channels").json()
    assert as_agent[0]["secret"] is None and as_agent[0]["hook_url"] is None
    as_owner = api(client, tenants, "get", "/channels", who=Role.OWNER).json()
    assert as_owner[0]["secret"] == channel.secret and as_owner[0]["hook_url"].endswith(
        f"/hooks/api/{channel.pk}/"
    )
    created = api(
        client,
        tenants,
        "post",
        "/channels",
        who=Role.OWNER,
        body={"kind": "api", "name": "دوم", "config": {"x": 1}},
    )
    assert created.status_code == 422 and "config.x" in created.content.decode()
    assert api(client, tenants, "post", "/channels", body={"kind": "api", "name": "x"}).status_code == 403
    hook = api(
        client,
        tenants,
        "post",
        "/webhooks",
        who=Role.ADMIN,
        body={"url": "https://x.ir/h", "events": ["message.sent"]},
    )
    assert hook.status_code == 201 and hook.json()["events"] == ["message.sent"]
    bad = api(client, tenants, "post", "/webhooks", who=Role.ADMIN, body={"url": "ftp://x", "events": []})
    assert bad.status_code == 422 and "url" in bad.content.decode()
    assert api(client, tenants, "get", "/webhooks").status_code == 403
    hook_id = hook.json()["id"]
    assert api(client, tenants, "delete", f"/webhooks/{hook_id}", who="outsider").status_code == 404
    assert api(client, tenants, "delete", f"/webhooks/{hook_id}", who=Role.OWNER).status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_calls_are_logged_as_phone_conversations(client, tenants):
    body = {"direction": "inbound", "outcome": "answered", "duration": "۳:۲۵", "phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}
    response = api(client, tenants, "post", "/calls", body=body)
    assert response.status_code == 201, response.content
    data = response.json()
    conversation = Conversation.objects.get(pk=data["conversation_id"])
    assert conversation.channel.kind == "phone" and conversation.customer.phone == "+989123456789"
    bad = api(client, tenants, "post", "/calls", body={**body, "duration": "long", "phone": "12"})
    assert bad.status_code == 422
    assert {"duration", "phone"} <= {error["field"] for error in bad.json()["errors"]}
    assert api(client, tenants, "post", "/calls", who=Role.ANALYST, body=body).status_code == 403
