"""Registering a Telegram channel's webhook with the Bot API (``setWebhook`` / ``deleteWebhook``).

Telegram then posts every update to ``<SITE_URL>/hooks/telegram/<channel id>/`` with the channel's secret in
the ``X-Telegram-Bot-Api-Secret-Token`` header, and only the update kinds the adapter reads. Run it once per
channel after creating it, and again after rotating its secret: ``mehvar telegram_webhook <channel id>``.
"""

import re
from typing import Any

from django.conf import settings
from django.urls import reverse

from mehvar.channels.base import TransportError
from mehvar.channels.models import Channel
from mehvar.channels.telegram.adapter import TelegramAdapter
from mehvar.channels.telegram.bot_api import bot_call
from mehvar.channels.telegram.schemas import TelegramConfig

ALLOWED_UPDATES = ["message", "edited_message"]
_SECRET_CHARACTERS = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret token


def webhook_url(channel: Channel) -> str:
    path = reverse("hooks:hook", kwargs={"kind": "telegram", "channel_id": channel.pk})
    return settings.SITE_URL.rstrip("/") + path


def _config(channel: Channel) -> TelegramConfig:
    if channel.kind != "telegram":
        raise ValueError(f"channel {channel.pk} is not a Telegram channel")
    return TelegramAdapter().telegram_config(channel)


def telegram_webhook_set(*, channel: Channel, url: str = "", drop_pending: bool = False) -> dict[str, Any]:
    """Point the bot's webhook at this channel's hook with its secret. Raises TransportError or ValueError."""
    config = _config(channel)
    if not _SECRET_CHARACTERS.match(channel.secret):
        raise ValueError("the channel's secret has characters Telegram does not accept; rotate it")
    target = url or webhook_url(channel)
    bot_call(
        config,
        "setWebhook",
        {
            "url": target,
            "secret_token": channel.secret,
            "allowed_updates": ALLOWED_UPDATES,
            "drop_pending_updates": drop_pending,
        },
    )
    return {"url": target, "allowed_updates": ALLOWED_UPDATES}


def telegram_webhook_delete(*, channel: Channel) -> None:
    """Stop Telegram posting to the hook (e.g. before disabling the channel)."""
    bot_call(_config(channel), "deleteWebhook", {})


__all__ = ["TransportError", "telegram_webhook_delete", "telegram_webhook_set", "webhook_url"]
