"""The API channel end to end: signed posts become conversations; replies reach a real local receiver."""

import json

import pytest

from mehvar.channels import signing
from mehvar.channels.models import Channel, InboundEvent, OutboxMessage
from mehvar.channels.outbox import outbox_send
from mehvar.conversations import services
from mehvar.conversations.inbound import inbound_event_process
from mehvar.conversations.models import Conversation, Direction, Message, Status
from mehvar.customers.models import Activity, Identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(tenants, receiver):
    return Channel.objects.create(
        workspace=tenants.ws_a, kind="api", name="سامانه فروش", config={"outbound_url": receiver.url}
    )


def post(client, channel, payload, *, secret=None):
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"HTTP_X_MEHVAR_SIGNATURE": signing.signature(secret or channel.secret, body)}
    return client.post(f"/hooks/api/{channel.pk}/", body, content_type="application/json", **headers)


def message(id_="m-1", text="سلام، سفارشم نرسیده", thread="", **sender):
    return {
        "id": id_,
        "from": sender or {"phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹", "name": "علي رضائي"},
        "text": text,
        "thread": thread,
    }


def process_all():
    for event in InboundEvent.objects.filter(status=InboundEvent.Status.PENDING):
        inbound_event_process(event_id=event.pk)


def test_signed_message_becomes_a_conversation_with_the_customer_matched(client, tenants, channel):
    response = post(client, channel, {"messages": [message()]})
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert json.loads(bytes(event.body))["messages"][0]["id"] == "m-1"  # stored raw before processing
    process_all()
    conversation = Conversation.objects.get(workspace=tenants.ws_a)
    assert conversation.status == Status.NEW and conversation.number == 1
    assert conversation.customer.phone == "+989123456789"
    inbound = conversation.messages.get()
    assert inbound.direction == Direction.INBOUND and inbound.text == "سلام، سفارشم نرسیده"
    activity = Activity.objects.get(customer=conversation.customer, kind="message")
    assert activity.record_id == str(inbound.pk) and activity.channel == "api"
    assert conversation.awaiting_reply_since is not None


def test_wrong_or_missing_signature_is_refused_and_nothing_is_stored(client, channel):
    assert post(client, channel, {"messages": [message()]}, secret="not-the-secret").status_code == 403
    body = json.dumps({"messages": [message()]}).encode()
    assert client.post(f"/hooks/api/{channel.pk}/", body, content_type="application/json").status_code == 403
    assert not InboundEvent.objects.exists()


def test_unknown_or_disabled_channel_is_404_and_get_is_not_allowed(client, channel):
    assert client.post("/hooks/api/999999/", b"{}", content_type="application/json").status_code == 404
    assert client.post(f"/hooks/sms/{channel.pk}/", b"{}", content_type="application/json").status_code == 404
    assert client.get(f"/hooks/api/{channel.pk}/").status_code == 405
    channel.enabled = False
    channel.save()
    assert post(client, channel, {"messages": [message()]}).status_code == 404


def test_replayed_webhook_creates_nothing_twice(client, channel):
    for _ in range(3):
        post(client, channel, {"messages": [message()]})
    process_all()
    assert InboundEvent.objects.count() == 3
    assert Message.objects.count() == 1 and Conversation.objects.count() == 1
    assert Activity.objects.filter(kind="message").count() == 1


def test_same_thread_joins_and_other_customer_opens_another(client, channel):
    post(client, channel, {"messages": [message("m-1", thread="t-9")]})
    post(client, channel, {"messages": [message("m-2", "هنوز خبری نیست", thread="t-9")]})
    post(client, channel, {"messages": [message("m-3", "سؤال دیگر", email="sara@example.com")]})
    process_all()
    assert Conversation.objects.count() == 2
    first = Conversation.objects.get(thread_key="t-9")
    assert list(first.messages.values_list("external_id", flat=True)) == ["m-1", "m-2"]
    assert first.inbound_count == 2
    assert Identity.objects.filter(kind="email", value="sara@example.com").exists()


def test_bad_payload_is_kept_and_marked_failed_with_the_reason(client, channel):
    assert post(client, channel, {"messages": [{"id": "x", "from": {}, "text": "سلام"}]}).status_code == 200
    assert post(client, channel, {"mesages": []}).status_code == 200
    process_all()
    failed = InboundEvent.objects.filter(status=InboundEvent.Status.FAILED).order_by("pk")
    assert failed.count() == 2
    assert "identifier" in failed[0].error and "mesages" in failed[1].error
    assert not Conversation.objects.exists()


def test_reply_reaches_the_receiver_signed_once_and_reports_move_forward(client, tenants, channel, receiver):
    post(client, channel, {"messages": [message(thread="order-77")]})
    process_all()
    conversation = Conversation.objects.get()
    reply = services.message_send(
        conversation=conversation, acting=tenants.agent_a, text="پیگیری شد، فردا می‌رسد"
    )
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN and conversation.first_response_at is not None
    row = reply.outbox
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.SENT
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.SENT  # a second call sends nothing
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert signing.signature_valid(channel.secret, body, headers["X-Mehvar-Signature"])
    sent = json.loads(body)
    assert sent["text"] == "پیگیری شد، فردا می‌رسد" and sent["thread"] == "order-77"
    assert sent["to"] == "order-77" and headers["Idempotency-Key"] == row.idempotency_key
    row.refresh_from_db()
    assert row.provider_id == "r-1"
    post(client, channel, {"reports": [{"id": "r-1", "status": "read"}]})
    post(client, channel, {"reports": [{"id": "r-1", "status": "delivered"}]})  # late, out of order
    process_all()
    row.refresh_from_db()
    assert row.delivery == "read"


def test_receiver_errors_retry_or_fail(client, tenants, channel, receiver):
    post(client, channel, {"messages": [message()]})
    process_all()
    conversation = Conversation.objects.get()
    receiver.status = 503
    first = services.message_send(conversation=conversation, acting=tenants.agent_a, text="اول").outbox
    assert outbox_send(outbox_id=first.pk) == OutboxMessage.Status.PENDING
    first.refresh_from_db()
    assert first.attempts == 1 and "503" in first.last_error and first.next_attempt_at > first.created_at
    receiver.status = 410
    second = services.message_send(conversation=conversation, acting=tenants.agent_a, text="دوم").outbox
    assert outbox_send(outbox_id=second.pk) == OutboxMessage.Status.FAILED


def test_payload_over_djangos_memory_limit_is_taken_and_over_ours_refused(client, channel, settings):
    big = {"messages": [message(text="س" * 1_900_000)]}  # ~3.8 MB of UTF-8, over the 2.5 MB default
    assert post(client, channel, big).status_code == 200
    assert len(bytes(InboundEvent.objects.get().body)) > 3_000_000
    settings.HOOK_MAX_BYTES = 1_000_000
    assert post(client, channel, big).status_code == 413
    assert InboundEvent.objects.count() == 1
