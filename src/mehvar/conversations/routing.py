"""Routing to the most appropriate employee (being built: see docs/status.md)."""

import datetime as dt

from mehvar.conversations.models import Conversation


def conversation_route(*, conversation: Conversation, now: dt.datetime) -> None:
    return None
