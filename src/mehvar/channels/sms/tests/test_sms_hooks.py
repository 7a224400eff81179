"""The gateway's callbacks (received messages, delivery reports) posted to /hooks/sms/<id>/ and processed."""

import json

import pytest

from mehvar.channels.models import InboundEvent, OutboxMessage
from mehvar.channels.outbox import outbox_enqueue, outbox_send
from mehvar.conversations.inbound import inbound_event_process
from mehvar.conversations.models import Conversation, Message
from mehvar.customers.matching import customer_resolve
from mehvar.customers.models import Identity

pytestmark = pytest.mark.django_db


def hook_url(channel, secret: str | None = None) -> str:
    url = f"/hooks/sms/{channel.pk}/"
    return url if secret is None else f"{url}?secret={secret}"


def post_form(client, channel, data, *, secret=None):
    return client.post(hook_url(channel, channel.secret if secret is None else secret), data)


def post_json(client, channel, payload, **headers):
    return client.post(
        hook_url(channel),
        json.dumps(payload, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )


def process_last() -> InboundEvent:
    event = InboundEvent.objects.latest("pk")
    inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    return event


def test_a_received_sms_becomes_a_message_of_the_customer_matched_by_phone(
    client, tenants, sms_channel, peer
):
    known = customer_resolve(
        workspace=tenants.ws_a, identities=[("phone", "09121234567")], defaults={"display_name": "سارا"}
    ).customer
    form = peer.sms_inbound_form(sender="989121234567", text="سلام، سفارشم کی می‌رسد؟")

    answer = post_form(client, sms_channel, form)

    assert answer.status_code == 200 and answer.content == b"OK"
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PENDING and "secret" not in event.query  # stored raw first
    event = process_last()
    assert event.status == InboundEvent.Status.PROCESSED, event.error
    message = Message.objects.get()
    assert message.text == "سلام، سفارشم کی می‌رسد؟"
    assert message.external_id == form["messageid"]
    assert message.data["sms"] == {"line": "10004346", "encoding": "ucs2", "parts": 1}
    conversation = message.conversation
    assert conversation.customer_id == known.pk  # 98xx from the gateway is the customer's 09xx
    assert conversation.channel_id == sms_channel.pk and conversation.workspace_id == tenants.ws_a.pk
    assert event.result["messages"] == [message.pk]


def test_a_json_callback_with_the_secret_in_a_header_is_accepted(client, tenants, sms_channel, peer):
    payload = [
        peer.sms_inbound_form(sender="09351112233", text="Hi"),
        peer.sms_inbound_form(sender="09351112233", text="?"),
    ]
    answer = post_json(client, sms_channel, payload, **{"X-Mehvar-Secret": sms_channel.secret})
    assert answer.status_code == 200
    assert process_last().status == InboundEvent.Status.PROCESSED
    assert Conversation.objects.count() == 1 and Message.objects.count() == 2
    identity = Identity.objects.get(workspace=tenants.ws_a, kind="phone")
    assert identity.value == "+989351112233"


def test_a_replayed_callback_creates_nothing_twice(client, sms_channel, peer):
    form = peer.sms_inbound_form(sender="09121234567", text="دوباره")
    for _ in range(2):
        assert post_form(client, sms_channel, form).status_code == 200
        process_last()
    assert InboundEvent.objects.count() == 2  # both kept, as received
    assert Message.objects.count() == 1 and Conversation.objects.count() == 1
    first, second = InboundEvent.objects.order_by("pk")
    assert first.result["messages"] == second.result["messages"]


def test_a_callback_without_a_message_id_is_still_replay_safe(client, sms_channel):
    form = {"from": "09121234567", "to": "10004346", "message": "بدون شناسه", "date": "1714545600"}
    for _ in range(2):
        post_form(client, sms_channel, form)
        assert process_last().status == InboundEvent.Status.PROCESSED
    message = Message.objects.get()
    assert message.external_id.startswith("content:")
    assert message.created_at.timestamp() == 1714545600


@pytest.mark.parametrize("secret", ["", "wrong", None])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(client, sms_channel, peer, secret):
    form = peer.sms_inbound_form(sender="09121234567", text="x")
    if secret is None:
        answer = client.post(hook_url(sms_channel), form)
    else:
        answer = post_form(client, sms_channel, form, secret=secret)
    assert answer.status_code == 403
    assert not InboundEvent.objects.exists()


def test_another_channels_secret_is_refused(client, tenants, sms_channel, peer):
    other = type(sms_channel).objects.create(
        workspace=tenants.ws_b, kind="sms", name="دیگری", config=peer.sms_config()
    )
    answer = post_form(
        client, sms_channel, peer.sms_inbound_form(sender="09121234567", text="x"), secret=other.secret
    )
    assert answer.status_code == 403 and not InboundEvent.objects.exists()


def sent_message(channel, key: str = "reply:9:1") -> OutboxMessage:
    row = outbox_enqueue(
        workspace=channel.workspace,
        channel=channel,
        to="+989121234567",
        payload={"text": "ارسال شد"},
        idempotency_key=key,
    )
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.SENT
    row.refresh_from_db()
    return row


def report(client, channel, peer, row, status) -> InboundEvent:
    answer = post_form(client, channel, peer.sms_report_form(message_id=row.provider_id, status=status))
    assert answer.status_code == 200
    event = process_last()
    assert event.status == InboundEvent.Status.PROCESSED, event.error
    return event


def test_delivery_reports_move_a_message_forward_and_never_back(client, sms_channel, peer):
    row = sent_message(sms_channel)
    assert row.provider_id == str(peer.sms_messages[0].id)

    assert report(client, sms_channel, peer, row, 4).result["reports_applied"] == 0  # with the operator
    row.refresh_from_db()
    assert row.delivery == ""

    assert report(client, sms_channel, peer, row, 10).result["reports_applied"] == 1
    row.refresh_from_db()
    assert row.delivery == OutboxMessage.Delivery.DELIVERED
    delivered_at = row.delivery_at

    assert report(client, sms_channel, peer, row, 10).result["reports_applied"] == 0  # replayed
    assert report(client, sms_channel, peer, row, 11).result["reports_applied"] == 0  # late, out of order
    row.refresh_from_db()
    assert (row.delivery, row.delivery_at) == (OutboxMessage.Delivery.DELIVERED, delivered_at)


def test_a_late_delivered_report_after_a_failure_report_still_counts(client, sms_channel, peer):
    row = sent_message(sms_channel)
    report(client, sms_channel, peer, row, 6)
    row.refresh_from_db()
    assert row.delivery == OutboxMessage.Delivery.UNDELIVERED
    report(client, sms_channel, peer, row, 10)
    row.refresh_from_db()
    assert row.delivery == OutboxMessage.Delivery.DELIVERED


def test_a_report_by_client_id_and_a_report_for_an_unknown_id(client, sms_channel, peer):
    row = sent_message(sms_channel, key="reply:9:2")
    post_json(
        client,
        sms_channel,
        [{"localid": "reply:9:2", "status": "delivered"}, {"messageid": "404404", "status": "10"}],
        **{"X-Mehvar-Secret": sms_channel.secret},
    )
    event = process_last()
    assert event.status == InboundEvent.Status.PROCESSED and event.result["reports_applied"] == 1
    row.refresh_from_db()
    assert row.delivery == OutboxMessage.Delivery.DELIVERED


def test_reports_only_touch_their_own_channel(client, tenants, sms_channel, peer):
    row = sent_message(sms_channel)
    other = type(sms_channel).objects.create(
        workspace=tenants.ws_b, kind="sms", name="دیگری", config=peer.sms_config()
    )
    post_form(client, other, peer.sms_report_form(message_id=row.provider_id, status=10), secret=other.secret)
    assert process_last().result["reports_applied"] == 0
    row.refresh_from_db()
    assert row.delivery == ""


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ("{not json", "application/json", "not valid JSON"),
        ("[]", "application/json", "no items"),
        ('["text"]', "application/json", "item 0: expected an object"),
        ('{"to": "10004346"}', "application/json", "neither a received message"),
        ("", "application/json", "empty"),
        ("\x00\x01binary", "application/octet-stream", "cannot read"),
    ],
)
def test_malformed_callbacks_are_kept_and_marked_failed_with_the_reason(
    client, sms_channel, body, content_type, reason
):
    answer = client.post(hook_url(sms_channel, sms_channel.secret), body, content_type=content_type)
    assert answer.status_code == 200  # accepted and stored: never a 500, nothing lost
    event = process_last()
    assert event.status == InboundEvent.Status.FAILED
    assert reason in event.error
    assert bytes(event.body) == body.encode()
    assert not Message.objects.exists()


def test_a_sender_that_is_not_a_phone_number_fails_with_the_reason(client, sms_channel, peer):
    post_form(client, sms_channel, peer.sms_inbound_form(sender="ACME-BANK", text="کد شما ۱۲۳۴"))
    event = process_last()
    assert event.status == InboundEvent.Status.FAILED and event.error
    assert not Message.objects.exists()


def test_a_misconfigured_channel_still_receives_messages(client, sms_channel, peer):
    sms_channel.config = {"api_key": ""}
    sms_channel.save()
    post_form(client, sms_channel, peer.sms_inbound_form(sender="09121234567", text="سلام"))
    assert process_last().status == InboundEvent.Status.PROCESSED
    assert Message.objects.count() == 1


def test_an_unreadable_date_is_kept_in_the_message_data(client, sms_channel, peer):
    post_form(client, sms_channel, peer.sms_inbound_form(sender="09121234567", text="سلام", date="دیروز"))
    assert process_last().status == InboundEvent.Status.PROCESSED
    assert Message.objects.get().data["sms"]["unreadable_date"] == "دیروز"


def test_a_jalali_date_from_the_gateway_is_read(client, sms_channel, peer):
    post_form(
        client,
        sms_channel,
        peer.sms_inbound_form(sender="09121234567", text="سلام", date="1403/02/12 10:00:00"),
    )
    process_last()
    assert Message.objects.get().created_at.isoformat() == "2024-05-01T06:30:00+00:00"


def test_an_urlencoded_callback_is_read(client, sms_channel, peer):
    from urllib.parse import urlencode

    form = peer.sms_inbound_form(sender="00989121234567", text="سلام از فرم")
    answer = client.post(
        hook_url(sms_channel, sms_channel.secret),
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    assert process_last().status == InboundEvent.Status.PROCESSED
    assert Message.objects.get().text == "سلام از فرم"
