"""``mehvar telegram_webhook <channel id>``: register (or remove) a Telegram channel's webhook.

Telegram is told to post updates to ``<SITE_URL>/hooks/telegram/<channel id>/`` (or ``--url``) with the
channel's secret token; see mehvar.channels.telegram.webhook and docs/channels/telegram.md.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mehvar.channels.base import TransportError
from mehvar.channels.models import Channel
from mehvar.channels.telegram.webhook import telegram_webhook_delete, telegram_webhook_set


class Command(BaseCommand):
    help = "Register a Telegram channel's webhook (setWebhook with its secret token), or remove it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("channel_id", type=int, help="The id of the Telegram channel.")
        parser.add_argument("--url", default="", help="The public hook URL (default: from SITE_URL).")
        parser.add_argument(
            "--drop-pending", action="store_true", help="Discard updates Telegram is still holding."
        )
        parser.add_argument("--delete", action="store_true", help="Remove the webhook instead.")

    def handle(self, *, channel_id: int, url: str, drop_pending: bool, delete: bool, **options: Any) -> None:
        channel = Channel.objects.filter(pk=channel_id, kind="telegram").first()
        if channel is None:
            raise CommandError(f"No Telegram channel has the id {channel_id}.")
        try:
            if delete:
                telegram_webhook_delete(channel=channel)
                self.stdout.write(f"Webhook of {channel.name} removed.")
                return
            result = telegram_webhook_set(channel=channel, url=url, drop_pending=drop_pending)
        except (TransportError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Webhook of {channel.name} set to {result['url']}.")
