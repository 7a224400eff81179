"""Merging conversations and splitting one: services, pages, API, permissions, web chat visitors."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mehvar.channels.models import Channel
from mehvar.channels.webchat.selectors import visitor_messages
from mehvar.conversations import merging, services
from mehvar.conversations.models import Attachment, Conversation, Direction, Event, Message, SlaPolicy, Status
from mehvar.conversations.tests.inbox_helpers import HX, attachment, errors_of, receive, sms_channel, url
from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.testing import login

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2025, 6, 14, 6, 0, tzinfo=dt.UTC)  # a Saturday morning in Tehran: business hours


def at(minutes):
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def channels(tenants):
    return sms_channel(tenants.ws_a), sms_channel(tenants.ws_a, name="پیامک دوم")


@pytest.fixture
def pair(tenants, channels):
    """Two conversations of one customer: #a (a thread with an attachment, a reply, a tag) and #b."""
    first, second = channels
    a = receive(first, "سفارشم نرسید", thread_key="t-1", sent_at=at(0), attachments=(attachment(),))
    a = a.conversation
    services.message_send(conversation=a, acting=tenants.agent_a, text="بررسی می‌کنیم", now=at(5))
    services.conversation_update(conversation=a, acting=tenants.agent_a, tags=["ارسال"])
    services.note_add(conversation=a, acting=tenants.agent_a, text="یادداشت", mentions=[tenants.owner_a])
    b = receive(second, "هنوز خبری نشد", sent_at=at(30)).conversation
    assert a.pk != b.pk and a.customer_id == b.customer_id
    return Conversation.objects.get(pk=a.pk), Conversation.objects.get(pk=b.pk)


def api(client, tenants, path, body, who="agent"):
    return client.post(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **tenants.bearer(who)
    )


# --- Merge: the service -----------------------------------------------------------------------------------


def test_merge_moves_messages_attachments_tags_participants_and_recounts(tenants, channels, pair):
    a, b = pair
    target = merging.conversation_merge(source=a, target=b, acting=tenants.agent_a)
    a.refresh_from_db()
    assert a.status == Status.CLOSED and a.merged_into_id == b.pk and a.closed_at is not None
    assert not Message.objects.filter(conversation=a).exists()
    assert Message.objects.filter(conversation=b).count() == 4
    assert Attachment.objects.get(workspace=tenants.ws_a).message.conversation_id == b.pk
    assert [t.name for t in target.tags.all()] == ["ارسال"]
    assert tenants.owner_a in target.participants.all()
    assert (target.inbound_count, target.replies_count) == (2, 1)
    assert target.last_inbound_at == target.last_message_at == at(30)
    assert target.first_response_at == at(5)
    assert target.awaiting_reply_since == at(30)  # the customer's message after our reply is unanswered
    assert (a.inbound_count, a.replies_count, a.awaiting_reply_since) == (0, 0, None)
    assert Event.objects.get(conversation=a, kind=Event.Kind.MERGED).data["into"] == b.number
    assert Event.objects.get(conversation=b, kind=Event.Kind.MERGED).data["from"] == a.number
    assert Event.objects.filter(conversation=a, kind=Event.Kind.STATUS, data__reason="merged").exists()
    entry = AuditEntry.objects.filter(workspace=tenants.ws_a, object_id=str(a.pk)).latest("pk")
    assert entry.after["merged_into"] == b.pk and entry.actor == tenants.agent_a.user


def test_the_customer_writing_on_the_merged_thread_reaches_the_target(tenants, channels, pair):
    a, b = pair
    merging.conversation_merge(source=a, target=b, acting=tenants.agent_a)
    again = receive(channels[0], "سلام دوباره", thread_key="t-1")
    assert again.conversation_id == b.pk
    # A later merge of b re-points a, so the customer's old thread still reaches an open conversation.
    c = services.conversation_open(
        workspace=tenants.ws_a, channel=channels[1], customer=b.customer, acting=tenants.agent_a
    )
    merging.conversation_merge(source=b, target=c, acting=tenants.agent_a)
    assert Conversation.objects.get(pk=a.pk).merged_into_id == c.pk
    assert receive(channels[0], "باز هم من", thread_key="t-1").conversation_id == c.pk


def test_merge_refusals_name_the_target(tenants, channels, pair):
    a, b = pair
    other = receive(channels[0], "من مشتری دیگری‌ام", phone="09350000000").conversation
    for source, target, code in [
        (a, a, "same"),
        (a, other, "other_customer"),
    ]:
        with pytest.raises(ValidationError) as caught:
            merging.conversation_merge(source=source, target=target, acting=tenants.agent_a)
        assert caught.value.error_dict["target"][0].code == code
    merging.conversation_merge(source=a, target=b, acting=tenants.agent_a)
    with pytest.raises(ValidationError) as caught:  # into the closed, merged one
        merging.conversation_merge(source=b, target=Conversation.objects.get(pk=a.pk), acting=tenants.agent_a)
    assert "target" in caught.value.error_dict


def test_merge_permissions(tenants, pair):
    a, b = pair
    supervisor = tenants.by_role[Role.SUPERVISOR]
    services.conversation_assign(conversation=b, assignee=supervisor, acting=supervisor)
    with pytest.raises(PermissionDenied):  # an agent cannot fold a colleague's conversation
        merging.conversation_merge(source=a, target=b, acting=tenants.agent_a)
    with pytest.raises(PermissionDenied):
        merging.conversation_merge(source=a, target=b, acting=tenants.by_role[Role.ANALYST])
    assert Message.objects.filter(conversation=a).count() == 3  # nothing moved
    merging.conversation_merge(source=a, target=b, acting=supervisor)
    assert Conversation.objects.get(pk=a.pk).merged_into_id == b.pk


def test_web_chat_visitors_keep_seeing_their_own_thread(tenants):
    chat = Channel.objects.create(workspace=tenants.ws_a, kind="webchat", name="گفتگوی سایت", config={})
    services.inbox_settings(tenants.ws_a)
    mine = receive(chat, "سلام از سایت", thread_key="wv_visitor_one").conversation
    theirs = receive(chat, "سلام از مرورگر دیگر", thread_key="wv_visitor_two").conversation
    assert mine.customer_id == theirs.customer_id  # the same phone: one customer, two visitors
    with pytest.raises(ValidationError) as caught:
        merging.conversation_merge(source=theirs, target=mine, acting=tenants.agent_a)
    assert caught.value.error_dict["target"][0].code == "private_thread"
    sms = sms_channel(tenants.ws_a)
    by_sms = receive(sms, "پیامک").conversation
    with pytest.raises(ValidationError):  # the visitor would see their SMS in the widget
        merging.conversation_merge(source=by_sms, target=mine, acting=tenants.agent_a)
    second = services.conversation_open(
        workspace=tenants.ws_a, channel=chat, customer=mine.customer, thread_key="wv_visitor_one"
    )
    Message.objects.create(
        workspace=tenants.ws_a, conversation=second, channel=chat, direction=Direction.INBOUND, text="دومی"
    )
    merging.conversation_merge(source=second, target=mine, acting=tenants.agent_a)
    texts = [m["text"] for m in visitor_messages(channel=chat, visitor="wv_visitor_one")]
    assert texts == ["سلام از سایت", "دومی"]
    assert receive(chat, "بعدی", thread_key="wv_visitor_one").conversation_id == mine.pk


# --- Split: the service -----------------------------------------------------------------------------------


def _thread(tenants, channel, phone="09121234567"):
    first = receive(channel, "سفارش ۱۲ نرسید", subject="سفارش", sent_at=at(0), phone=phone)
    conversation = first.conversation
    services.message_send(conversation=conversation, acting=tenants.agent_a, text="پیگیری شد", now=at(10))
    third = receive(channel, "یک سؤال دیگر: فاکتور", sent_at=at(20), phone=phone)
    receive(channel, "و ارسال رایگان؟", sent_at=at(25), phone=phone)
    return Conversation.objects.get(pk=conversation.pk), first, third


def test_split_moves_the_message_and_later_ones_into_a_new_open_conversation(tenants, channels):
    SlaPolicy.objects.create(
        workspace=tenants.ws_a, name="همه", first_response_minutes=60, next_response_minutes=30
    )
    conversation, _first, third = _thread(tenants, channels[0])
    new = merging.conversation_split(conversation=conversation, from_message=third, acting=tenants.agent_a)
    conversation.refresh_from_db()
    assert new.number != conversation.number and new.status == Status.OPEN
    assert new.customer_id == conversation.customer_id and new.channel_id == conversation.channel_id
    assert new.subject == conversation.subject
    assert [m.text for m in new.messages.order_by("created_at")] == [
        "یک سؤال دیگر: فاکتور",
        "و ارسال رایگان؟",
    ]
    assert (new.inbound_count, new.replies_count, new.awaiting_reply_since) == (2, 0, at(20))
    assert new.created_at == at(20) and new.last_message_at == at(25)
    assert new.first_response_due_at is not None and new.sla_due_at == new.first_response_due_at
    assert (conversation.inbound_count, conversation.replies_count) == (1, 1)
    assert conversation.awaiting_reply_since is None and conversation.next_response_due_at is None
    assert conversation.last_message_at == at(10)
    assert Event.objects.get(conversation=conversation, kind=Event.Kind.SPLIT).data["into"] == new.number
    assert Event.objects.get(conversation=new, kind=Event.Kind.SPLIT).data["from"] == conversation.number


def test_split_refusals_name_the_message(tenants, channels, pair):
    conversation, first, _third = _thread(tenants, channels[0], phone="09130000000")
    with pytest.raises(ValidationError) as caught:
        merging.conversation_split(conversation=conversation, from_message=first, acting=tenants.agent_a)
    assert caught.value.error_dict["message"][0].code == "first"
    elsewhere = Message.objects.filter(conversation=pair[1]).first()
    with pytest.raises(ValidationError) as caught:
        merging.conversation_split(conversation=conversation, from_message=elsewhere, acting=tenants.agent_a)
    assert caught.value.error_dict["message"][0].code == "not_found"


# --- Pages ------------------------------------------------------------------------------------------------


def test_merge_page_action_redirects_to_the_target_and_errors_name_the_field(client, tenants, pair):
    a, b = pair
    login(client, tenants.agent_a)
    page = client.get(url("conversation", a.number)).content.decode()
    assert 'data-testid="merge-form"' in page and 'data-testid="split-form"' in page
    bad = client.post(url("merge", a.number), {"target": "۹۹۹۹"}, **HX)
    assert bad.status_code == 200 and 'id="conv-props"' in bad.content.decode()
    form = bad.content.decode().split('data-testid="merge-form"')[1].split("</form>")[0]
    assert 'name="target"' in form and errors_of(form)  # the error sits on the target field
    empty = client.post(url("merge", a.number), {"target": ""}, **HX)
    assert errors_of(empty.content.decode())
    persian = "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in str(b.number))
    done = client.post(url("merge", a.number), {"target": persian}, **HX)
    assert done.status_code == 204 and done["HX-Redirect"] == url("conversation", b.number)
    assert Conversation.objects.get(pk=a.pk).merged_into_id == b.pk
    target_page = client.get(url("conversation", b.number)).content.decode()
    assert 'data-kind="merged"' in target_page


def test_split_page_action_without_javascript(client, tenants, channels):
    conversation, first, third = _thread(tenants, channels[0])
    login(client, tenants.agent_a)
    refused = client.post(url("split", conversation.number), {"message": first.pk})
    assert refused.status_code == 302
    response = client.post(url("split", conversation.number), {"message": third.pk})
    new = Conversation.objects.exclude(pk=conversation.pk).get(workspace=tenants.ws_a)
    assert response.status_code == 302 and response["Location"] == url("conversation", new.number)
    htmx_bad = client.post(url("split", new.number), {"message": "x"}, **HX)
    assert 'data-testid="split-errors"' in htmx_bad.content.decode()


def test_pages_permissions_and_outsider(client, tenants, pair):
    a, b = pair
    login(client, tenants.by_role[Role.ANALYST])
    assert client.post(url("merge", a.number), {"target": b.number}).status_code == 403
    login(client, tenants.outsider_b)
    assert client.post(url("merge", a.number), {"target": b.number}).status_code == 404
    assert client.post(url("split", a.number), {"message": 1}).status_code == 404
    assert Conversation.objects.get(pk=a.pk).merged_into_id is None


# --- API --------------------------------------------------------------------------------------------------


def test_api_merge(client, tenants, channels, pair):
    a, b = pair
    missing = api(client, tenants, f"/conversations/{a.pk}/merge", {"target_id": 10**9})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "target_id"
    wrong = api(client, tenants, f"/conversations/{a.pk}/merge", {"target_id": "abc"})
    assert wrong.status_code == 422 and "target_id" in {e["field"] for e in wrong.json()["errors"]}
    other = receive(channels[0], "دیگری", phone="09350000000").conversation
    refused = api(client, tenants, f"/conversations/{a.pk}/merge", {"target_id": other.pk})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "target_id"
    assert (
        api(client, tenants, f"/conversations/{a.pk}/merge", {"target_id": b.pk}, "outsider").status_code
        == 404
    )
    assert (
        api(client, tenants, f"/conversations/{a.pk}/merge", {"target_id": b.pk}, "analyst").status_code
        == 403
    )
    done = api(client, tenants, f"/conversations/{a.pk}/merge", {"target_id": b.pk})
    assert done.status_code == 200 and done.json()["id"] == b.pk
    assert Conversation.objects.get(pk=a.pk).merged_into_id == b.pk


def test_api_split(client, tenants, channels):
    conversation, first, third = _thread(tenants, channels[0])
    path = f"/conversations/{conversation.pk}/split"
    bad = api(client, tenants, path, {"message_id": first.pk})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "message_id"
    missing = api(client, tenants, path, {})
    assert missing.status_code == 422 and "message_id" in {e["field"] for e in missing.json()["errors"]}
    assert api(client, tenants, path, {"message_id": third.pk}, "outsider").status_code == 404
    done = api(client, tenants, path, {"message_id": third.pk})
    assert done.status_code == 201 and done.json()["status"] == "open"
    assert Message.objects.get(pk=third.pk).conversation_id == done.json()["id"]
    assert timezone.now() - Conversation.objects.get(pk=done.json()["id"]).updated_at < dt.timedelta(
        minutes=1
    )
