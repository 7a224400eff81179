"""Automation rules (being built: see docs/status.md)."""

from typing import Any

from mehvar.conversations.models import Conversation


def automations_run(*, event: str, conversation: Conversation, **context: Any) -> int:
    return 0
