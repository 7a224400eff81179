"""The Telegram bot channel: a webhook with a secret token in, ``sendMessage`` out.

Inbound: Telegram posts each ``Update`` to ``/hooks/telegram/<channel id>/`` with the header
``X-Telegram-Bot-Api-Secret-Token``, which must equal the channel's secret (``webhook.telegram_webhook_set``
registers the URL and the secret with ``setWebhook``). The hook answers 200 with an empty body at once;
``updates.update_parse`` reads the update later. Outbound: ``sendMessage`` to the conversation's chat
(its thread key; the customer's Telegram id when there is none) returns ``"<chat id>:<message id>"``.

The Bot API takes no client message id, so a message whose sender was killed after Telegram accepted it
and before the outbox recorded it may be sent twice after the lease runs out; the SMS gateway and the API
channel do not have this gap (docs/channels/telegram.md).
"""

import hmac
from typing import ClassVar

import pydantic

from mehvar.channels.base import ChannelAdapter, HookRequest, Outbound, Parsed, TransportError
from mehvar.channels.models import Channel, InboundEvent
from mehvar.channels.telegram.bot_api import bot_call
from mehvar.channels.telegram.schemas import TelegramConfig
from mehvar.channels.telegram.updates import update_parse

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_MAX = 4096  # Telegram refuses longer messages


def _reply_to(outbound: Outbound, chat_id: str) -> int | None:
    """The message this reply answers, when the caller named one (``data["reply_to"]``: "<chat>:<id>")."""
    chat, _, message_id = str(outbound.data.get("reply_to") or "").partition(":")
    if chat == chat_id and message_id.isdigit():
        return int(message_id)
    return None


class TelegramAdapter(ChannelAdapter):
    kind = "telegram"
    address_kind = "telegram"
    config_schema = TelegramConfig
    headers_kept: ClassVar[tuple[str, ...]] = (SECRET_HEADER,)
    secret_headers: ClassVar[tuple[str, ...]] = (SECRET_HEADER,)

    def telegram_config(self, channel: Channel) -> TelegramConfig:
        try:
            config = self.config(channel)
        except pydantic.ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise TransportError(
                f"the channel's settings are invalid: {where}: {first['msg']}", permanent=True
            ) from None
        assert isinstance(config, TelegramConfig)
        return config

    def verify(self, channel: Channel, request: HookRequest) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return bool(given) and hmac.compare_digest(given.encode(), channel.secret.encode())

    def hook_reply(self, channel: Channel, event: InboundEvent) -> tuple[int, bytes, str]:
        # Telegram only needs a quick 2xx; a JSON body would be read as a Bot API call.
        return 200, b"", "text/plain"

    def parse(self, channel: Channel, request: HookRequest) -> Parsed:
        message = update_parse(request.body)
        return Parsed(messages=(message,) if message is not None else ())

    def send(self, channel: Channel, outbound: Outbound) -> str:
        config = self.telegram_config(channel)
        chat_id = (outbound.thread_key or outbound.to).strip()
        if not chat_id.lstrip("-").isdigit() and not chat_id.startswith("@"):
            raise TransportError(f"not a Telegram chat: {chat_id[:60]!r}", permanent=True)
        text = outbound.text.strip()
        if not text:
            raise TransportError("a Telegram message needs a text", permanent=True)
        if len(text) > TEXT_MAX:
            raise TransportError(
                f"the text has {len(text)} characters; Telegram takes at most {TEXT_MAX}", permanent=True
            )
        payload: dict[str, object] = {"chat_id": int(chat_id) if chat_id[0] != "@" else chat_id, "text": text}
        reply_to = _reply_to(outbound, chat_id)
        if reply_to is not None:
            payload["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        result = bot_call(config, "sendMessage", payload)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return f"{chat_id}:{message_id}" if message_id is not None else chat_id
