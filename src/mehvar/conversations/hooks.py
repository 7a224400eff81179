"""What happens around a conversation's life, in one place, in order (no signals).

The services call these after each change, inside their transaction. Each step lives in its own module:
SLA clocks (``sla``), routing (``routing``), automation rules (``automations``) and abuse screening
(``abuse``).
"""

import datetime as dt

from mehvar.conversations import abuse, automations, routing, sla
from mehvar.conversations.models import Conversation, Message


def after_inbound(*, conversation: Conversation, message: Message, opened: bool, now: dt.datetime) -> None:
    abuse.message_screen(message=message)
    sla.on_inbound(conversation=conversation, message=message, opened=opened, now=now)
    automations.automations_run(event="message_created", conversation=conversation, message=message)
    if opened or conversation.assignee_id is None:
        routing.conversation_route(conversation=conversation, now=now)


def after_outbound(*, conversation: Conversation, message: Message, now: dt.datetime) -> None:
    sla.on_outbound(conversation=conversation, message=message, now=now)


def after_status(*, conversation: Conversation, old: str, now: dt.datetime) -> None:
    sla.on_status(conversation=conversation, old=old, now=now)
    automations.automations_run(event="status_changed", conversation=conversation, previous=old)
