"""The whole e-mail path: a forwarded message posted to the webhook becomes a conversation with the customer
found by address; replies thread by References; replays create nothing; an agent's reply leaves through the
outbox to a real SMTP server (aiosmtpd), and what the customer answers to it joins the same conversation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mehvar.channels.email.tests import samples
from mehvar.channels.email.tests.samples import plain, word
from mehvar.channels.models import InboundEvent, OutboxMessage
from mehvar.channels.outbox import outbox_send
from mehvar.conversations.models import Attachment, Conversation, Direction, Message
from mehvar.conversations.services import message_send
from mehvar.customers.models import Identity
from mehvar.ops.tests.conftest import run_waiting_tasks

pytestmark = pytest.mark.django_db

REPLY_HEADERS = "In-Reply-To: <first-1@mail.example.com>\r\nReferences: <first-1@mail.example.com>"


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST a raw message to the channel's hook and run the processing task the hook enqueued."""

    def post(channel, raw: bytes, *, secret: str | None = None, content_type: str = "message/rfc822"):
        url = reverse("hooks:hook", args=["email", channel.pk])
        query = {"secret": channel.secret if secret is None else secret}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{url}?secret={query['secret']}", data=raw, content_type=content_type)
        run_waiting_tasks()
        return response

    return post


def test_a_forwarded_message_opens_a_conversation_with_the_customer_found_by_address(post, email_channel):
    response = post(email_channel, plain())
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert bytes(event.body) == plain() and event.status == InboundEvent.Status.PROCESSED
    assert event.query == {}, "the secret is not stored with the event"
    conversation = Conversation.objects.get()
    assert conversation.workspace_id == email_channel.workspace_id and conversation.channel == email_channel
    assert conversation.subject == "پیگیری سفارش 123"  # normalised by the inbox (digits, letters)
    message = Message.objects.get()
    assert message.direction == Direction.INBOUND and message.external_id == "first-1@mail.example.com"
    assert message.text == "سلام، سفارش من هنوز نرسیده." and message.sender_name == "علی رضایی"
    identity = Identity.objects.get(kind="email")
    assert identity.value == "ali@example.com" and identity.customer_id == conversation.customer_id
    assert identity.customer.display_name == "علی رضایی"


def test_a_reply_with_references_joins_the_same_conversation(post, email_channel):
    post(email_channel, plain())
    second = plain(message_id="<second-2@mail.example.com>", subject=word("Re: پیگیری"), extra=REPLY_HEADERS)
    post(email_channel, second)
    conversation = Conversation.objects.get()
    assert conversation.inbound_count == 2
    assert list(conversation.messages.values_list("external_id", flat=True).order_by("pk")) == [
        "first-1@mail.example.com",
        "second-2@mail.example.com",
    ]
    assert Message.objects.get(external_id="second-2@mail.example.com").references == [
        "first-1@mail.example.com"
    ]


def test_the_same_customer_from_another_address_is_another_customer_and_conversation(post, email_channel):
    post(email_channel, plain())
    post(email_channel, plain(sender="sara@example.com", message_id="<s-1@example.com>"))
    assert Conversation.objects.count() == 2
    assert Conversation.objects.values("customer").distinct().count() == 2


def test_a_replayed_webhook_creates_nothing_twice(post, email_channel):
    post(email_channel, samples.with_attachments())
    post(email_channel, samples.with_attachments())
    assert InboundEvent.objects.count() == 2, "each delivery is stored raw"
    assert Conversation.objects.count() == 1 and Message.objects.count() == 1
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == ["فاکتور.pdf", "لوگو.png"]


@pytest.mark.parametrize("secret", ["wrong", ""])
def test_a_wrong_or_missing_secret_is_403_and_nothing_is_stored(post, email_channel, secret):
    response = post(email_channel, plain(), secret=secret)
    assert response.status_code == 403
    assert not InboundEvent.objects.exists() and not Message.objects.exists()


def test_another_workspaces_channel_id_with_this_secret_is_refused(post, email_channel, tenants):
    other = email_channel.__class__.objects.create(
        workspace=tenants.ws_b, kind="email", name="other", config=email_channel.config
    )
    response = post(other, plain(), secret=email_channel.secret)
    assert response.status_code == 403 and not InboundEvent.objects.exists()


def test_garbage_is_kept_and_marked_failed_with_the_reason(post, email_channel):
    response = post(email_channel, b"\x00\x01 this is not mail \xff")
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.FAILED and "does not start with headers" in event.error
    assert bytes(event.body) == b"\x00\x01 this is not mail \xff" and not Message.objects.exists()


def test_an_auto_reply_is_processed_into_nothing(post, email_channel):
    post(email_channel, plain(extra="Auto-Submitted: auto-replied"))
    assert InboundEvent.objects.get().status == InboundEvent.Status.PROCESSED
    assert not Conversation.objects.exists()


def test_an_agent_reply_goes_through_the_outbox_to_smtp_and_threads_back(
    post, email_channel, smtp_peer, tenants, django_capture_on_commit_callbacks
):
    post(email_channel, plain())
    conversation = Conversation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(
            conversation=conversation, acting=tenants.agent_a, text="سلام، امروز ارسال می‌شود."
        )
    run_waiting_tasks()
    outbox = OutboxMessage.objects.get(pk=reply.outbox_id)
    assert outbox.status == OutboxMessage.Status.SENT and outbox.to == "ali@example.com"
    (received,) = smtp_peer.received
    sent = received.message
    assert received.rcpt_tos == ["ali@example.com"]
    assert str(sent["Subject"]) == "Re: پیگیری سفارش 123"
    assert str(sent["In-Reply-To"]) == "<first-1@mail.example.com>"
    assert str(sent["Message-ID"]) == f"<{outbox.provider_id}>"
    assert sent.get_body(("plain",)).get_content().strip() == "سلام، امروز ارسال می‌شود."

    # The customer answers our reply: their client quotes our Message-ID and the thread before it.
    answer = plain(
        message_id="<third-3@mail.example.com>",
        subject=word("Re: پیگیری سفارش ۱۲۳"),
        extra=f"In-Reply-To: <{outbox.provider_id}>\r\n"
        f"References: <first-1@mail.example.com> <{outbox.provider_id}>",
    )
    post(email_channel, answer)
    assert Conversation.objects.count() == 1
    assert conversation.messages.filter(direction=Direction.INBOUND).count() == 2

    # A bounce of our reply marks it undelivered; a replay of the bounce changes nothing more.
    post(email_channel, samples.bounce(outbox.provider_id))
    outbox.refresh_from_db()
    assert outbox.delivery == OutboxMessage.Delivery.UNDELIVERED
    assert Conversation.objects.count() == 1 and Message.objects.count() == 3


def test_a_greylisted_reply_is_retried_and_a_refused_one_fails_with_the_reason(
    post, email_channel, smtp_peer, tenants, django_capture_on_commit_callbacks
):
    post(email_channel, plain())
    conversation = Conversation.objects.get()
    smtp_peer.refuse["ali@example.com"] = "451 4.7.1 greylisted, try again later"
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(conversation=conversation, acting=tenants.agent_a, text="پاسخ اول")
    run_waiting_tasks()
    row = OutboxMessage.objects.get(pk=reply.outbox_id)
    assert row.status == OutboxMessage.Status.PENDING and "451" in row.last_error
    assert row.next_attempt_at > timezone.now() and smtp_peer.received == []

    del smtp_peer.refuse["ali@example.com"]
    outbox_send(outbox_id=row.pk, now=row.next_attempt_at + dt.timedelta(seconds=1))  # the retry
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and row.attempts == 2 and len(smtp_peer.received) == 1

    smtp_peer.refuse["ali@example.com"] = "550 5.1.1 no such user"
    with django_capture_on_commit_callbacks(execute=True):
        second = message_send(conversation=conversation, acting=tenants.agent_a, text="پاسخ دوم")
    run_waiting_tasks()
    row = OutboxMessage.objects.get(pk=second.outbox_id)
    assert row.status == OutboxMessage.Status.FAILED and "550 5.1.1" in row.last_error and row.attempts == 1
