"""Sending SMS through the gateway adapter, against a real local gateway peer over HTTP."""

import socket

import pytest

from mehvar.channels.base import Outbound, TransportError
from mehvar.channels.models import Channel
from mehvar.channels.registry import adapter_for

pytestmark = pytest.mark.django_db

sms = adapter_for("sms")


def outbound(
    text: str = "سفارش شما ارسال شد.", *, to: str = "+989121234567", key: str = "reply:1:1"
) -> Outbound:
    return Outbound(to=to, text=text, idempotency_key=key)


def configure(channel: Channel, **changes) -> Channel:
    channel.config = {**channel.config, **changes}
    channel.save()
    return channel


def test_send_posts_the_message_and_returns_the_gateway_id(sms_channel, peer):
    provider_id = sms.send(sms_channel, outbound())

    [record] = peer.sms_messages
    assert provider_id == str(record.id)
    assert record.receptor == "09121234567"  # the national form, as the gateway wants by default
    assert record.sender == "10004346"
    assert record.message == "سفارش شما ارسال شد."
    assert record.client_id == "reply:1:1"  # the outbox's idempotency key is the client message id


def test_a_resend_with_the_same_key_is_recorded_once_with_the_same_id(sms_channel, peer):
    first = sms.send(sms_channel, outbound())
    again = sms.send(sms_channel, outbound())
    other = sms.send(sms_channel, outbound(key="reply:1:2"))

    assert first == again != other
    assert peer.sms_requests == 3
    assert [r.client_id for r in peer.sms_messages] == ["reply:1:1", "reply:1:2"]


@pytest.mark.parametrize(
    ("style", "expected"),
    [("national", "09121234567"), ("international", "989121234567"), ("e164", "+989121234567")],
)
def test_the_receptor_is_written_the_way_the_gateway_wants(sms_channel, peer, style, expected):
    configure(sms_channel, receptor_format=style)
    sms.send(sms_channel, outbound(to="۰۹۱۲ ۱۲۳ ۴۵۶۷"))
    assert peer.sms_messages[0].receptor == expected


def test_a_form_body_with_the_key_in_a_header_works_too(sms_channel, peer):
    configure(sms_channel, send_path="/v1/sms/send", api_key_header="X-API-KEY", body_format="form")
    provider_id = sms.send(sms_channel, outbound(text="Your order shipped"))
    assert provider_id == str(peer.sms_messages[0].id)
    assert peer.sms_messages[0].message == "Your order shipped"


def test_a_wrong_api_key_is_permanent(sms_channel, peer):
    configure(sms_channel, api_key="not-the-key")
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound())
    assert raised.value.permanent
    assert "HTTP 403" in str(raised.value) and "not-the-key" not in str(raised.value)  # no key in errors
    assert peer.sms_messages == []


def test_a_number_the_gateway_refuses_is_permanent(sms_channel, peer):
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound(to="+44 20 7946 0958"))  # valid, but this gateway is Iran-only
    assert raised.value.permanent and "code 411" in str(raised.value)


def test_no_credit_is_permanent(sms_channel, peer):
    peer.sms_credit = 0
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound())
    assert raised.value.permanent and "code 418" in str(raised.value)


def test_what_is_not_a_phone_number_fails_before_any_request(sms_channel, peer):
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound(to="ali@example.com"))
    assert raised.value.permanent and "receptor" in str(raised.value)
    assert peer.sms_requests == 0


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        (500, {"error": "internal"}),
        (502, "<html>bad gateway</html>"),
        (429, {"return": {"status": 429, "message": "slow down"}}),
        (409, {"return": {"status": 409, "message": "server busy"}}),  # a transient code of the gateway
        (400, {"return": {"status": 414, "message": "too many requests"}}),
    ],
)
def test_server_errors_and_busy_codes_are_transient(sms_channel, peer, status, answer):
    peer.sms_answers.append((status, answer))
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound())
    assert not raised.value.permanent
    # and the retry goes through
    assert sms.send(sms_channel, outbound()) == str(peer.sms_messages[0].id)


def test_a_refusal_inside_a_200_answer_is_an_error(sms_channel, peer):
    peer.sms_answers.append((200, {"return": {"status": 418, "message": "اعتبار کافی نیست"}, "entries": []}))
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound())
    assert raised.value.permanent and "اعتبار کافی نیست" in str(raised.value)


def test_an_unreachable_gateway_is_transient(sms_channel):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    configure(sms_channel, base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound())
    assert not raised.value.permanent and "could not reach" in str(raised.value)


def test_a_slow_gateway_times_out_as_transient(sms_channel, peer):
    peer.delay = 1.0
    configure(sms_channel, timeout_seconds=0.2)
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound())
    assert not raised.value.permanent


def test_a_text_longer_than_the_channel_allows_is_refused_before_sending(sms_channel, peer):
    configure(sms_channel, max_parts=2)
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound(text="س" * 135))  # three UCS-2 parts
    assert raised.value.permanent and "3 SMS parts" in str(raised.value)
    assert sms.send(sms_channel, outbound(text="س" * 134))  # two parts are fine
    assert peer.sms_requests == 1


def test_an_empty_text_is_refused(sms_channel, peer):
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound(text="  "))
    assert raised.value.permanent and peer.sms_requests == 0


def test_invalid_settings_are_a_permanent_error_naming_the_field(sms_channel, peer):
    configure(sms_channel, sender="line one")
    with pytest.raises(TransportError) as raised:
        sms.send(sms_channel, outbound())
    assert raised.value.permanent and "sender" in str(raised.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"base_url": "not a url"}, "base_url"),
        ({"send_path": "sms/send"}, "send_path"),
        ({"send_path": "/{user}/send"}, "send_path"),
        ({"receptor_format": "local"}, "receptor_format"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_the_settings_schema_names_the_wrong_field(changes, field):
    import pydantic

    from mehvar.channels.sms.schemas import SmsConfig

    with pytest.raises(pydantic.ValidationError) as raised:
        SmsConfig.model_validate(
            {"base_url": "https://api.example.ir", "api_key": "k", "sender": "3000", **changes}
        )
    assert raised.value.errors()[0]["loc"][0] == field
