"""IMAP polling against a real IMAP server (dovecot): unseen mail is stored raw, marked seen and processed
through the same pipeline as the webhook; a poll cut short never loses or doubles a message."""

import pytest

from mehvar.channels.email.polling import email_poll_all
from mehvar.channels.email.tasks import email_poll_task
from mehvar.channels.email.tests.samples import plain, with_attachments
from mehvar.channels.models import Channel, InboundEvent
from mehvar.conversations.models import Conversation, Message
from mehvar.ops.schedule import periodic_jobs
from mehvar.ops.tests.conftest import run_waiting_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def imap_channel(email_channel, dovecot):
    email_channel.config = {**email_channel.config, **dovecot.imap_config()}
    email_channel.save()
    return email_channel


@pytest.fixture
def poll(django_capture_on_commit_callbacks):
    """Run the periodic task as the worker would, then the processing tasks it enqueued."""

    def poll():
        result = email_poll_task.enqueue()
        with django_capture_on_commit_callbacks(execute=True):
            run_waiting_tasks()
        run_waiting_tasks()
        result.refresh()
        assert result.status == "SUCCESSFUL", result
        return result.return_value

    return poll


def test_the_poll_is_a_registered_periodic_job():
    assert "mehvar.channels.email.tasks.email_poll_task" in periodic_jobs()


def test_unseen_mail_becomes_conversations_and_is_marked_seen(imap_channel, dovecot, poll):
    dovecot.deliver(plain())
    dovecot.deliver(with_attachments())
    dovecot.deliver(plain(message_id="<old@example.com>"), seen=True)  # read by a person already
    assert poll() == {str(imap_channel.pk): 2}
    events = InboundEvent.objects.order_by("pk")
    assert [event.status for event in events] == [InboundEvent.Status.PROCESSED] * 2
    assert all(event.query["imap_uid"] and event.content_type == "message/rfc822" for event in events)
    assert b"Message-ID: <first-1@mail.example.com>" in bytes(events[0].body)
    assert set(Message.objects.values_list("external_id", flat=True)) == {
        "first-1@mail.example.com",
        "att-1@mail.example.com",
    }
    assert Conversation.objects.count() == 2
    assert Message.objects.get(external_id="att-1@mail.example.com").attachments.count() == 2
    assert dovecot.unseen_count() == 0 and dovecot.count() == 3, "marked seen, never deleted"
    assert poll() == {str(imap_channel.pk): 0}


def test_a_poll_cut_before_marking_seen_stores_again_but_creates_nothing_twice(imap_channel, dovecot, poll):
    dovecot.deliver(plain())
    poll()
    dovecot.mark_unseen()  # as if the poller died after storing the event, before flagging the message
    assert poll() == {str(imap_channel.pk): 1}
    assert InboundEvent.objects.count() == 2
    assert Message.objects.count() == 1 and Conversation.objects.count() == 1


def test_a_customer_reply_found_by_polling_joins_the_conversation(imap_channel, dovecot, poll):
    dovecot.deliver(plain())
    poll()
    dovecot.deliver(
        plain(
            message_id="<second-2@mail.example.com>",
            extra="In-Reply-To: <first-1@mail.example.com>\r\nReferences: <first-1@mail.example.com>",
        )
    )
    poll()
    assert Conversation.objects.get().inbound_count == 2


def test_an_oversized_message_is_recorded_not_downloaded(imap_channel, dovecot, poll, settings):
    settings.HOOK_MAX_BYTES = 2000
    dovecot.deliver(plain(body="بزرگ " * 2000))
    assert poll() == {str(imap_channel.pk): 1}
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.FAILED and "over the limit" in event.error
    assert b"first-1@mail.example.com" in bytes(event.body) and "بزرگ".encode() not in bytes(event.body)
    assert dovecot.unseen_count() == 0 and dovecot.count() == 1 and not Message.objects.exists()


def test_a_mailbox_that_refuses_us_does_not_stop_the_others(imap_channel, dovecot, tenants, smtp_peer):
    broken = Channel.objects.create(
        workspace=tenants.ws_b,
        kind="email",
        name="broken",
        config={**imap_channel.config, "imap_password": "wrong"},
    )
    Channel.objects.create(  # not polled: turned off
        workspace=tenants.ws_b, kind="email", name="off", enabled=False, config=imap_channel.config
    )
    Channel.objects.create(  # not polled: no IMAP settings
        workspace=tenants.ws_b,
        kind="email",
        name="webhook only",
        config={"address": "a@b.ir", "smtp_host": "x"},
    )
    dovecot.deliver(plain())
    results = email_poll_all()
    assert set(results) == {str(imap_channel.pk), str(broken.pk)}
    assert results[str(imap_channel.pk)] == 1
    assert "IMAP" in results[str(broken.pk)]
    assert list(InboundEvent.objects.values_list("channel_id", flat=True)) == [imap_channel.pk]


def test_a_folder_that_does_not_exist_is_a_clear_error(imap_channel):
    imap_channel.config = {**imap_channel.config, "imap_folder": "Nope"}
    imap_channel.save()
    result = email_poll_all()[str(imap_channel.pk)]
    assert "Nope" in result and "cannot be opened" in result
