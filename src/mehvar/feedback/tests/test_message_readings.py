"""Inbound messages are read by a periodic task, in batches per workspace, once each; notes, replies and
messages without text are left alone."""

import pytest

from mehvar.conversations import services as conversation_services
from mehvar.conversations.models import Message
from mehvar.conversations.tests.inbox_helpers import attachment, receive, sms_channel
from mehvar.feedback import readings
from mehvar.feedback.models import MessageReading
from mehvar.feedback.tasks import feedback_message_readings_task

pytestmark = pytest.mark.django_db

COLD = "غذا سرد و یک ساعت دیر رسید، خیلی بد بود"
THANKS = "خیلی ممنون، عالی بود"


@pytest.fixture
def calls(monkeypatch):
    """Every feedback_analyze call the task makes: (workspace, number of texts). The real analysis runs."""
    seen = []
    real = readings.feedback_analyze

    def spy(*, texts, workspace=None):
        seen.append((workspace, len(texts)))
        return real(texts=texts, workspace=workspace)

    monkeypatch.setattr(readings, "feedback_analyze", spy)
    return seen


def _inbound(channel, texts, phone="09121230001"):
    return [receive(channel, text, phone=phone) for text in texts]


def test_inbound_messages_are_read_in_batches_per_workspace_and_never_twice(tenants, calls):
    channel_a, channel_b = sms_channel(tenants.ws_a), sms_channel(tenants.ws_b)
    a_messages = _inbound(channel_a, [COLD, THANKS, "سلام، کد پیگیری سفارشم چیه؟", COLD + "!", THANKS + "!"])
    b_messages = _inbound(channel_b, ["پشتیبانی جواب نمیده", "ممنون"], phone="09121230002")

    stored = readings.message_readings_run(batch_size=2)

    assert stored == 7
    # A's five messages in batches of 2, 2 and 1; B's two in one batch: batches never mix workspaces.
    assert sorted(calls, key=lambda c: (c[0], -c[1])) == sorted(
        [(tenants.ws_a.pk, 2), (tenants.ws_a.pk, 2), (tenants.ws_a.pk, 1), (tenants.ws_b.pk, 2)],
        key=lambda c: (c[0], -c[1]),
    )
    by_message = {r.message_id: r for r in MessageReading.objects.all()}
    assert set(by_message) == {m.pk for m in a_messages + b_messages}
    for message in a_messages + b_messages:
        assert by_message[message.pk].workspace_id == message.workspace_id
    cold, thanks = by_message[a_messages[0].pk], by_message[a_messages[1].pk]
    assert (cold.sentiment, thanks.sentiment) == ("negative", "positive")
    assert "delivery" in cold.topics and cold.score < 0 < thanks.score
    assert cold.model == "base" and cold.urgency in {"low", "normal", "high"}

    calls.clear()
    assert readings.message_readings_run(batch_size=2) == 0  # nothing new: nothing analysed again
    assert calls == []
    assert MessageReading.objects.count() == 7


def test_notes_replies_system_lines_and_empty_messages_are_skipped(tenants):
    channel = sms_channel(tenants.ws_a)
    [inbound] = _inbound(channel, [COLD])
    conversation = inbound.conversation
    conversation_services.conversation_assign(
        conversation=conversation, assignee=tenants.agent_a, acting=tenants.agent_a
    )
    reply = conversation_services.message_send(
        conversation=conversation, acting=tenants.agent_a, text="پوزش می‌خواهیم، پیگیری می‌کنیم"
    )
    note = conversation_services.note_add(
        conversation=conversation, acting=tenants.agent_a, text="مشتری ناراضی"
    )
    picture_only = receive(channel, "", phone="09121230001", attachments=[attachment()])
    system = Message.objects.create(
        workspace=tenants.ws_a, conversation=conversation, channel=channel, direction="system", text="بسته شد"
    )

    assert feedback_message_readings_task.call() == 1

    assert list(MessageReading.objects.values_list("message_id", flat=True)) == [inbound.pk]
    skipped = {reply.pk, note.pk, picture_only.pk, system.pk}
    assert not MessageReading.objects.filter(message_id__in=skipped).exists()


def test_a_message_committed_late_below_the_newest_reading_is_still_read(tenants):
    channel = sms_channel(tenants.ws_a)
    first, _second = _inbound(channel, [COLD, THANKS])
    readings.message_readings_run()
    MessageReading.objects.filter(message=first).delete()  # as if it had committed after the second was read

    assert readings.message_readings_run() == 1
    assert MessageReading.objects.filter(message=first).exists()
    assert MessageReading.objects.count() == 2


def test_a_reading_goes_with_its_message(tenants):
    channel = sms_channel(tenants.ws_a)
    [message] = _inbound(channel, [COLD])
    readings.message_readings_run()
    Message.objects.filter(pk=message.pk).delete()
    assert not MessageReading.objects.exists()


def test_a_run_reads_at_most_its_batches_and_the_next_run_goes_on_oldest_first(tenants):
    channel = sms_channel(tenants.ws_a)
    messages = _inbound(channel, [f"{COLD} {i}" for i in range(5)])

    assert readings.message_readings_run(batch_size=2, max_batches=1) == 2
    read = set(MessageReading.objects.values_list("message_id", flat=True))
    assert read == {messages[0].pk, messages[1].pk}
    assert readings.message_readings_run(batch_size=2, max_batches=1) == 2
    assert readings.message_readings_run(batch_size=2, max_batches=1) == 1
    assert MessageReading.objects.count() == 5


def test_the_agent_sees_the_reading_beside_the_inbound_message(client, tenants):
    from mehvar.testing import login

    channel = sms_channel(tenants.ws_a)
    [message] = _inbound(channel, [COLD])
    login(client, tenants.owner_a)
    page = f"/w/shop-a/inbox/{message.conversation.number}/"
    assert 'data-testid="message-reading"' not in client.get(page).content.decode()  # not read yet
    readings.message_readings_run()
    html = client.get(page).content.decode()
    assert 'data-testid="message-reading"' in html and "منفی" in html and "تحویل" in html
