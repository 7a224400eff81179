"""What happens around a conversation's life, in one place, in order (no signals).

The services call these after each change, inside their transaction. Each step lives in its own module:
abuse screening (``abuse``), SLA clocks (``sla``), automation rules (``automations``), routing
(``routing``) and the business's event webhooks (``mehvar.channels.webhooks``).
"""

import datetime as dt
from typing import Any

from mehvar.channels.webhooks import event_emit
from mehvar.conversations import abuse, automations, routing, sla
from mehvar.conversations.models import Conversation, Message
from mehvar.surveys import triggers as survey_triggers


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "number": conversation.number,
        "status": conversation.status,
        "priority": conversation.priority,
        "channel": conversation.channel.kind,
        "customer_id": conversation.customer_id,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
    }


def message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "direction": message.direction,
        "text": message.text,
        "subject": message.subject,
    }


def after_inbound(
    *,
    conversation: Conversation,
    message: Message,
    opened: bool,
    now: dt.datetime,
    new_customer: bool = False,
) -> None:
    """``new_customer``: the message created the customer (routing need not read their tags and history)."""
    abuse.message_screen(message=message)
    sla.on_inbound(conversation=conversation, message=message, opened=opened, now=now)
    automations.automations_run(event="message_created", conversation=conversation, message=message)
    if opened or conversation.assignee_id is None:
        context = routing.NEW_CUSTOMER if new_customer else None
        routing.conversation_route(conversation=conversation, now=now, context=context)
    workspace = conversation.workspace
    if opened:
        event_emit(workspace=workspace, event="conversation.created", data=conversation_data(conversation))
    event_emit(
        workspace=workspace,
        event="message.received",
        data={"conversation": conversation_data(conversation), "message": message_data(message)},
    )


def after_outbound(*, conversation: Conversation, message: Message, now: dt.datetime) -> None:
    sla.on_outbound(conversation=conversation, message=message, now=now)
    event_emit(
        workspace=conversation.workspace,
        event="message.sent",
        data={"conversation": conversation_data(conversation), "message": message_data(message)},
    )


def after_status(*, conversation: Conversation, old: str, now: dt.datetime) -> None:
    sla.on_status(conversation=conversation, old=old, now=now)
    automations.automations_run(event="status_changed", conversation=conversation, previous=old)
    survey_triggers.conversation_status_changed(conversation=conversation, old=old, now=now)
    event_emit(
        workspace=conversation.workspace,
        event="conversation.status_changed",
        data={**conversation_data(conversation), "previous_status": old},
    )


def after_assign(*, conversation: Conversation, now: dt.datetime) -> None:
    event_emit(
        workspace=conversation.workspace,
        event="conversation.assigned",
        data={**conversation_data(conversation), "reason": conversation.assignment_reason},
    )
