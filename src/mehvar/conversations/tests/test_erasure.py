"""Erasing a customer wipes what their conversations hold about them (conversations/erasure.py): messages
both ways, notes, attachments' files, queued replies, raw webhook payloads still kept; the figures reports
count stay. Also the retention that forgets raw payloads after their days (channels/retention.py)."""

import datetime as dt
import json
import os

import pytest
from django.utils import timezone

from mehvar.channels import signing
from mehvar.channels.models import Channel, InboundEvent, OutboxMessage
from mehvar.channels.phone.services import call_log
from mehvar.channels.retention import inbound_raw_forget
from mehvar.conversations import services
from mehvar.conversations.inbound_drain import inbound_drain
from mehvar.conversations.models import Attachment, Conversation, Message
from mehvar.conversations.tests.inbox_helpers import attachment, manual_routing, receive, sms_channel
from mehvar.customers.models import Customer
from mehvar.customers.privacy import customer_erase

pytestmark = pytest.mark.django_db


def webhook(client, channel, id_, phone, text):
    body = json.dumps(
        {"messages": [{"id": id_, "from": {"phone": phone, "name": "مریم"}, "text": text}]},
        ensure_ascii=False,
    ).encode()
    headers = {"HTTP_X_MEHVAR_SIGNATURE": signing.signature(channel.secret, body)}
    response = client.post(f"/hooks/api/{channel.pk}/", body, content_type="application/json", **headers)
    assert response.status_code == 200


def test_an_erased_customers_conversations_keep_their_figures_and_lose_their_words(
    client, tenants, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sms = sms_channel(tenants.ws_a)
    api = Channel.objects.create(workspace=tenants.ws_a, kind="api", name="API")
    message = receive(
        sms, "سلام، من مریم نوری هستم", phone="09121234567", name="مریم نوری", attachments=[attachment()]
    )
    conversation = message.conversation
    stored = Attachment.objects.get(message=message)
    path = stored.file.path
    reply = services.message_send(
        conversation=conversation, acting=tenants.agent_a, text="مریم جان، پیگیری شد"
    )
    assert OutboxMessage.objects.get(pk=reply.outbox_id).status == OutboxMessage.Status.PENDING
    services.note_add(conversation=conversation, acting=tenants.agent_a, text="خانم نوری دو بار تماس گرفت")
    call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="inbound",
        outcome="answered",
        duration="3:05",
        phone="09121234567",
        recording_url="https://pbx.example/rec/1.mp3",
        notes="قرار شد فردا بفرستیم",
    )
    webhook(client, api, "w-1", "09121234567", "شماره کارتم ۶۰۳۷ است")
    webhook(client, api, "w-2", "09129999999", "من مشتری دیگری هستم")  # someone else's: kept
    inbound_drain(channel_id=api.pk, workspace_id=tenants.ws_a.pk)
    customer = conversation.customer
    others = Message.objects.exclude(conversation__customer=customer).values_list("text", flat=True)
    assert list(others) == ["من مشتری دیگری هستم"]  # someone else's conversation
    counted = Message.objects.filter(conversation__customer=customer).count()
    assert counted == 5  # the SMS, the reply, the note, the call and the webhook's message

    customer_erase(acting=tenants.owner_a, customer=Customer.objects.get(pk=customer.pk))

    messages = Message.objects.filter(conversation__customer=customer)
    assert messages.count() == counted  # nothing deleted: the figures stay
    assert set(messages.values_list("text", "html", "subject", "sender_name")) == {("", "", "", "")}
    calls = [m.data["call"] for m in messages if "call" in m.data]
    assert calls == [{"direction": "inbound", "outcome": "answered", "duration_seconds": 185}]
    assert not Conversation.objects.filter(customer=customer).exclude(subject="", thread_key="").exists()
    stored.refresh_from_db()
    assert stored.filename == "" and not stored.file and stored.size > 0
    assert not os.path.exists(path)
    reply.refresh_from_db()
    outbox = OutboxMessage.objects.get(pk=reply.outbox_id)
    assert outbox.to == "" and outbox.payload == {}
    assert outbox.status == OutboxMessage.Status.FAILED and outbox.last_error == "customer erased"
    bodies = [bytes(e.body) for e in InboundEvent.objects.filter(channel=api).order_by("pk")]
    assert bodies[0] == b"" and "من مشتری دیگری هستم" in bodies[1].decode()
    assert list(others) == ["من مشتری دیگری هستم"]


def test_raw_payloads_are_forgotten_after_their_days_once_processed(client, tenants, settings):
    manual_routing(tenants.ws_a)
    settings.MEHVAR_INBOUND_RAW_DAYS = 30
    api = Channel.objects.create(workspace=tenants.ws_a, kind="api", name="API")
    for n in range(3):
        webhook(client, api, f"w-{n}", f"0912000000{n}", "سلام")
    inbound_drain(channel_id=api.pk, workspace_id=tenants.ws_a.pk)
    old, recent, pending = InboundEvent.objects.filter(channel=api).order_by("pk")
    month_ago = timezone.now() - dt.timedelta(days=31)
    InboundEvent.objects.filter(pk__in=[old.pk, pending.pk]).update(received_at=month_ago)
    InboundEvent.objects.filter(pk=pending.pk).update(status=InboundEvent.Status.PENDING)
    assert inbound_raw_forget() == 1
    kept = {e.pk: bytes(e.body) for e in InboundEvent.objects.filter(channel=api)}
    assert kept[old.pk] == b"" and kept[recent.pk] and kept[pending.pk]
    old.refresh_from_db()
    assert old.status == InboundEvent.Status.PROCESSED and old.result["messages"]  # what it made stays
    assert inbound_raw_forget() == 0
