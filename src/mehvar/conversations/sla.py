"""SLA clocks in business time (being built: see docs/status.md)."""

import datetime as dt

from mehvar.conversations.models import Conversation, Message


def on_inbound(*, conversation: Conversation, message: Message, opened: bool, now: dt.datetime) -> None:
    return None


def on_outbound(*, conversation: Conversation, message: Message, now: dt.datetime) -> None:
    return None


def on_status(*, conversation: Conversation, old: str, now: dt.datetime) -> None:
    return None


def on_priority(*, conversation: Conversation, now: dt.datetime) -> None:
    return None
