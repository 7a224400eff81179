"""The web chat adapter behind the common interface: settings, parsing, "sending", the webhook path."""

import json

import pytest
from django.core.exceptions import ValidationError

from mehvar.channels.base import HookRequest, Outbound, ParseError, TransportError
from mehvar.channels.models import InboundEvent
from mehvar.channels.registry import adapter_for
from mehvar.channels.services import channel_create
from mehvar.channels.webchat.schemas import WebchatConfig
from mehvar.channels.webchat.tests.conftest import make_chat
from mehvar.channels.webchat.visitors import visitor_new
from mehvar.channels.webchat.widget_settings import readable_on
from mehvar.conversations.inbound import inbound_event_process
from mehvar.conversations.models import Message

pytestmark = pytest.mark.django_db


def _request(body, visitor="wv_abcdefghijklmnopqrstuvwx"):
    raw = json.dumps(body, ensure_ascii=False).encode() if not isinstance(body, bytes) else body
    return HookRequest(body=raw, content_type="application/json", headers={"X-Visitor": visitor}, query={})


def test_settings_clean_origins_and_refuse_what_is_not_one():
    config = WebchatConfig.model_validate(
        {"allowed_origins": ["HTTPS://Shop.Example/", "https://shop.example", "http://127.0.0.1:8000"]}
    )
    assert config.allowed_origins == ["https://shop.example", "http://127.0.0.1:8000"]
    for bad in ("shop.example", "https://shop.example/contact", "ftp://shop.example", "https://*"):
        with pytest.raises(ValueError):
            WebchatConfig.model_validate({"allowed_origins": [bad]})
    with pytest.raises(ValueError):
        WebchatConfig.model_validate({"color": "red"})
    with pytest.raises(ValueError):
        WebchatConfig.model_validate({"ask_contact": "always"})


def test_a_channel_saved_with_a_bad_origin_names_the_setting(tenants):
    with pytest.raises(ValidationError) as error:
        channel_create(
            workspace=tenants.ws_a,
            acting=tenants.owner_a,
            kind="webchat",
            name="چت سایت",
            config={"allowed_origins": ["shop.example/path"]},
        )
    assert any(field.startswith("config.allowed_origins") for field in error.value.message_dict)


def test_parse_puts_the_contact_before_the_visitor_and_keys_the_message_by_visitor_and_client_id(tenants):
    chat = make_chat(tenants.ws_a)
    parsed = adapter_for("webchat").parse(
        chat,
        _request({"client_id": "abcdef-1", "text": "سلام", "email": "a@b.example", "phone": "۰۹۱۲۱۲۳۴۵۶۷"}),
    )
    (message,) = parsed.messages
    assert message.identities == (
        ("email", "a@b.example"),
        ("phone", "۰۹۱۲۱۲۳۴۵۶۷"),
        ("web_visitor", "wv_abcdefghijklmnopqrstuvwx"),
    )
    assert message.external_id == "wv_abcdefghijklmnopqrstuvwx:abcdef-1"
    assert message.thread_key == "wv_abcdefghijklmnopqrstuvwx"
    with pytest.raises(ParseError):
        adapter_for("webchat").parse(chat, _request({"client_id": "abcdef-1", "text": "x"}, visitor=""))
    with pytest.raises(ParseError):
        adapter_for("webchat").parse(chat, _request(b"{not json"))


def test_send_makes_a_stored_reply_visible_and_refuses_anything_else(tenants):
    from mehvar.conversations import services

    chat = make_chat(tenants.ws_a)
    adapter = adapter_for("webchat")
    inbound = adapter.parse(chat, _request({"client_id": "abcdef-2", "text": "سلام"})).messages[0]
    from mehvar.conversations.inbound import message_receive

    conversation = message_receive(channel=chat, inbound=inbound).conversation
    reply = services.message_send(conversation=conversation, acting=tenants.agent_a, text="در خدمتیم")
    outbound = Outbound(to="x", text="در خدمتیم", idempotency_key="k", data={"message_id": reply.pk})
    assert adapter.send(chat, outbound) == f"webchat:{reply.pk}"
    other = make_chat(tenants.ws_b)
    for channel, data in ((chat, {}), (chat, {"message_id": 10**9}), (other, {"message_id": reply.pk})):
        with pytest.raises(TransportError) as error:
            adapter.send(channel, Outbound(to="x", text="t", idempotency_key="k", data=data))
        assert error.value.permanent


def test_a_server_may_post_through_the_channel_webhook_with_its_secret(client, tenants):
    """The business's own server (holding the channel secret) may relay chat messages; same pipeline."""
    chat = make_chat(tenants.ws_a)
    visitor = visitor_new()
    url = f"/hooks/webchat/{chat.pk}/"
    body = json.dumps({"client_id": "relay-0001", "text": "از سرور فروشگاه"}).encode()
    refused = client.post(
        url + "?secret=wrong", body, content_type="application/json", HTTP_X_VISITOR=visitor
    )
    assert refused.status_code == 403
    response = client.post(
        url + f"?secret={chat.secret}", body, content_type="application/json", HTTP_X_VISITOR=visitor
    )
    assert response.status_code == 200
    event = InboundEvent.objects.get(channel=chat)
    assert event.headers == {"X-Visitor": visitor}
    result = inbound_event_process(event_id=event.pk)
    message = Message.objects.get(pk=result["messages"][0])
    assert message.conversation.thread_key == visitor and message.text == "از سرور فروشگاه"


def test_the_text_colour_reads_on_the_accent():
    assert readable_on("#0f766e") == "#ffffff"
    assert readable_on("#fde68a") == "#111827"


def test_a_reply_is_addressed_to_the_visitor_of_its_own_thread(tenants):
    from mehvar.conversations import services
    from mehvar.conversations.inbound import message_receive

    chat = make_chat(tenants.ws_a)
    adapter = adapter_for("webchat")
    first, second = visitor_new(), visitor_new()
    body = {"client_id": "abcdef-3", "text": "سلام", "email": "same@example.com"}
    one = message_receive(channel=chat, inbound=adapter.parse(chat, _request(body, first)).messages[0])
    message_receive(channel=chat, inbound=adapter.parse(chat, _request(body, second)).messages[0])
    reply = services.message_send(conversation=one.conversation, acting=tenants.agent_a, text="پاسخ")
    assert reply.outbox.to == first
