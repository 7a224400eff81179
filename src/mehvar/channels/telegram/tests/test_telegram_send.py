"""Sending through the Telegram adapter to a real local Bot API peer: success, permanent, transient."""

import datetime as dt
import socket

import pytest
from django.utils import timezone

from mehvar.channels.base import Outbound, TransportError
from mehvar.channels.models import OutboxMessage
from mehvar.channels.outbox import outbox_enqueue, outbox_send
from mehvar.channels.registry import adapter_for

pytestmark = pytest.mark.django_db

telegram = adapter_for("telegram")


def outbound(
    text: str = "سلام! سفارش شما فردا می‌رسد.", *, to: str = "5550001", thread: str = "", **data
) -> Outbound:
    return Outbound(to=to, text=text, thread_key=thread, idempotency_key="reply:1:1", data=data)


def test_send_message_goes_to_the_chat_and_returns_chat_and_message_id(telegram_channel, peer):
    provider_id = telegram.send(telegram_channel, outbound(thread="5550001"))
    [record] = peer.telegram_messages
    assert provider_id == f"5550001:{record.message_id}"
    assert record.chat_id == 5550001 and record.text == "سلام! سفارش شما فردا می‌رسد."
    assert "reply_parameters" not in record.payload


def test_the_chat_of_the_conversation_wins_over_the_users_id(telegram_channel, peer):
    telegram.send(telegram_channel, outbound(to="5550001", thread="-100777"))  # a group chat
    assert peer.telegram_messages[0].chat_id == -100777


def test_a_reply_can_answer_a_given_message(telegram_channel, peer):
    telegram.send(telegram_channel, outbound(thread="5550001", reply_to="5550001:42"))
    assert peer.telegram_messages[0].payload["reply_parameters"] == {
        "message_id": 42,
        "allow_sending_without_reply": True,
    }


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda peer: peer.blocked_chats.add(5550001), "bot was blocked"),
        (lambda peer: peer.missing_chats.add(5550001), "chat not found"),
    ],
)
def test_blocked_and_unknown_chats_are_permanent(telegram_channel, peer, setup, expected):
    setup(peer)
    with pytest.raises(TransportError) as raised:
        telegram.send(telegram_channel, outbound())
    assert raised.value.permanent and expected in str(raised.value)


def test_a_wrong_token_is_permanent_and_never_shown(telegram_channel, peer):
    token = "999999:WrongTokenWrongTokenWrongToken"
    telegram_channel.config = {**telegram_channel.config, "bot_token": token}
    telegram_channel.save()
    with pytest.raises(TransportError) as raised:
        telegram.send(telegram_channel, outbound())
    assert raised.value.permanent and "bot token" in str(raised.value)
    assert token not in str(raised.value)


def test_flood_control_is_transient_and_carries_the_wait(telegram_channel, peer):
    peer.telegram_answers.append(
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        )
    )
    with pytest.raises(TransportError) as raised:
        telegram.send(telegram_channel, outbound())
    assert not raised.value.permanent and raised.value.retry_after == 7


def test_the_wait_is_read_from_the_description_when_parameters_are_missing(telegram_channel, peer):
    peer.telegram_answers.append(
        (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 12"})
    )
    with pytest.raises(TransportError) as raised:
        telegram.send(telegram_channel, outbound())
    assert raised.value.retry_after == 12


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
        (502, "<html>Bad Gateway</html>"),
        (200, {"ok": False}),
    ],
)
def test_server_errors_are_transient(telegram_channel, peer, status, answer):
    peer.telegram_answers.append((status, answer))
    with pytest.raises(TransportError) as raised:
        telegram.send(telegram_channel, outbound())
    assert not raised.value.permanent
    assert telegram.send(telegram_channel, outbound())  # the next try goes through


def test_an_unreachable_api_is_transient(telegram_channel):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    telegram_channel.config = {**telegram_channel.config, "api_base_url": f"http://127.0.0.1:{port}"}
    telegram_channel.save()
    with pytest.raises(TransportError) as raised:
        telegram.send(telegram_channel, outbound())
    assert not raised.value.permanent and "could not reach" in str(raised.value)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (outbound(text="x" * 4097), "at most 4096"),
        (outbound(text="   "), "needs a text"),
        (outbound(to="ali@example.com"), "not a Telegram chat"),
    ],
)
def test_what_telegram_would_refuse_is_refused_before_sending(telegram_channel, peer, message, expected):
    with pytest.raises(TransportError) as raised:
        telegram.send(telegram_channel, message)
    assert raised.value.permanent and expected in str(raised.value)
    assert peer.telegram_messages == []


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"bot_token": "not-a-token"}, "bot_token"),
        ({"api_base_url": "ftp://x"}, "api_base_url"),
        ({}, "bot_token"),
    ],
)
def test_invalid_settings_fail_permanently_naming_the_field(telegram_channel, config, field):
    telegram_channel.config = {**telegram_channel.config, **config} if config else {}
    telegram_channel.save()
    with pytest.raises(TransportError) as raised:
        telegram.send(telegram_channel, outbound())
    assert raised.value.permanent and field in str(raised.value)


def test_the_outbox_waits_at_least_as_long_as_telegram_asks(telegram_channel, peer):
    peer.telegram_answers.append(
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 600},
            },
        )
    )
    row = outbox_enqueue(
        workspace=telegram_channel.workspace,
        channel=telegram_channel,
        to="5550001",
        payload={"text": "سلام", "thread_key": "5550001"},
        idempotency_key="reply:7:1",
    )
    now = timezone.now()
    assert outbox_send(outbox_id=row.pk, now=now) == OutboxMessage.Status.PENDING
    row.refresh_from_db()
    assert row.next_attempt_at >= now + dt.timedelta(seconds=600)  # not the 30 s of the first backoff
    assert "rate limiting" in row.last_error

    assert outbox_send(outbox_id=row.pk, now=now + dt.timedelta(seconds=601)) == OutboxMessage.Status.SENT
    row.refresh_from_db()
    assert row.provider_id == f"5550001:{peer.telegram_messages[0].message_id}"


def test_a_permanent_error_fails_the_outbox_row_with_the_reason(telegram_channel, peer):
    peer.blocked_chats.add(5550001)
    row = outbox_enqueue(
        workspace=telegram_channel.workspace,
        channel=telegram_channel,
        to="5550001",
        payload={"text": "سلام"},
        idempotency_key="reply:7:2",
    )
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.FAILED
    row.refresh_from_db()
    assert row.attempts == 1 and "blocked" in row.last_error
