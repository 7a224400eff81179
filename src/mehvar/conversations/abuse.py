"""Screening inbound messages for abuse (being built: see docs/status.md)."""

from mehvar.conversations.models import Message


def message_screen(*, message: Message) -> list[str]:
    return []
