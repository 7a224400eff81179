"""Logging a phone call: the customer found (or created) by their number, the call as a message in a
conversation on the workspace's phone channel, and a "call" activity on the customer's timeline.

* The customer: the one given, or the one ``customers.matching.customer_resolve`` finds for the number (any
  format, Persian digits; a new customer when nobody has it).
* The channel: the workspace's first enabled phone channel; a workspace with no phone channel at all gets
  one ("Phone") the first time a call is logged. A workspace whose phone channels are all turned off cannot
  log calls (the error names ``channel``).
* The conversation: the customer's conversation on that channel that is still open (new, open or waiting
  on the customer); otherwise a new one.
* The message: an incoming call is an inbound message, an outgoing call an outbound message that is never
  sent (no outbox row: the phone adapter cannot send). ``data["call"]`` holds the call's details.
* What the call means for the conversation: an answered call is a response (first response, nothing
  awaiting a reply, the conversation open); a missed incoming call (no answer, busy, a message left) waits
  for a call back, like a written message. Incoming calls run the inbound hooks (abuse, SLA, automations,
  routing, webhooks); outgoing calls that reached the customer run the outbound hooks. The agent who
  answered takes an unassigned conversation.
* The timeline: kind ``call`` with the same data as ``customers.notes.call_log`` writes (direction, outcome,
  duration_seconds, text), plus the recording link and the conversation number, pointing at the message.
"""

import dataclasses
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels.models import Channel, ChannelKind
from mehvar.channels.phone.cleaning import CleanCall, call_clean
from mehvar.channels.phone.schemas import PhoneConfig
from mehvar.conversations import hooks
from mehvar.conversations import services as conversation_services
from mehvar.conversations.models import Conversation, Direction, Message, Status
from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.customers.matching import customer_resolve
from mehvar.customers.models import Activity, Customer
from mehvar.customers.notes import CallDirection, CallOutcome
from mehvar.customers.timeline import activity_record

A = AuditEntry.Action
REACHED = "answered"


@dataclasses.dataclass(frozen=True)
class LoggedCall:
    conversation: Conversation
    message: Message
    activity: Activity
    customer_created: bool
    conversation_opened: bool


def phone_channel(*, workspace: Workspace, acting: Membership | None = None, via: str = "web") -> Channel:
    """The workspace's phone channel, made on first use if it has none; ValidationError when all are off."""
    channels = Channel.objects.filter(workspace=workspace, kind=ChannelKind.PHONE).order_by("-enabled", "pk")
    found = channels.first()
    if found is not None:
        if not found.enabled:
            raise ValidationError({"channel": _("The phone channel is turned off; turn it on to log calls.")})
        return found
    base = _("Phone")
    for attempt in range(1, 20):
        name = base if attempt == 1 else f"{base} {attempt}"
        if Channel.objects.filter(workspace=workspace, name=name).exists():
            continue
        try:
            with transaction.atomic():
                channel = Channel.objects.create(
                    workspace=workspace, kind=ChannelKind.PHONE, name=name, config=PhoneConfig().model_dump()
                )
        except IntegrityError:  # made meanwhile by another call being logged
            return channels.first() or phone_channel(workspace=workspace, acting=acting, via=via)
        audit_record(
            workspace=workspace,
            actor=acting.user if acting else None,
            action=A.CREATE,
            obj=channel,
            after={"kind": channel.kind, "name": name},
            via=via,
        )
        return channel
    raise ValidationError({"channel": _("Add a phone channel first.")})


def _open_conversation(channel: Channel, customer: Customer) -> Conversation | None:
    return (
        Conversation.objects.filter(
            Q(status__in=[Status.NEW, Status.OPEN, Status.WAITING]),
            workspace_id=channel.workspace_id,
            channel=channel,
            customer=customer,
            merged_into__isnull=True,
        )
        .order_by("-last_message_at", "-pk")
        .first()
    )


def _summary(call: CleanCall) -> str:
    minutes, seconds = divmod(call.seconds, 60)
    values = {"outcome": dict(CallOutcome.choices)[call.outcome], "duration": f"{minutes}:{seconds:02d}"}
    if call.direction == CallDirection.INBOUND:
        return _("Incoming call · %(outcome)s · %(duration)s") % values
    return _("Outgoing call · %(outcome)s · %(duration)s") % values


def _call_data(call: CleanCall, conversation: Conversation) -> dict[str, Any]:
    return {
        "direction": call.direction,
        "outcome": call.outcome,
        "duration_seconds": call.seconds,
        "text": call.notes,
        "recording_url": call.recording_url,
        "phone": call.phone,
        "agent": call.agent.pk,
        "conversation": conversation.number,
    }


def _apply(conversation: Conversation, message: Message, call: CleanCall, now: dt.datetime) -> None:
    """Counters and clocks of the conversation (see the module docstring)."""
    at = call.started_at
    reached = call.outcome == REACHED
    fields = ["last_message_at"]
    conversation.last_message_at = max(at, conversation.last_message_at or at)
    if call.direction == CallDirection.INBOUND:
        conversation.inbound_count += 1
        conversation.last_inbound_at = max(at, conversation.last_inbound_at or at)
        fields += ["inbound_count", "last_inbound_at"]
        if not reached and conversation.awaiting_reply_since is None:
            conversation.awaiting_reply_since = at
            fields.append("awaiting_reply_since")
    else:
        conversation.last_outbound_at = max(at, conversation.last_outbound_at or at)
        fields.append("last_outbound_at")
        if reached:
            conversation.replies_count += 1
            fields.append("replies_count")
    if reached:
        conversation.awaiting_reply_since = None
        fields.append("awaiting_reply_since")
        if conversation.first_response_at is None:
            conversation.first_response_at = at
            fields.append("first_response_at")
    conversation.updated_at = now
    conversation.save(update_fields=["updated_at", *dict.fromkeys(fields)])


def call_log(
    *,
    workspace: Workspace,
    acting: Membership,
    direction: str,
    outcome: str,
    duration: Any,
    phone: str = "",
    customer: Customer | None = None,
    recording_url: str = "",
    notes: str = "",
    agent: Membership | None = None,
    started_at: dt.datetime | str | None = None,
    via: str = "web",
) -> LoggedCall:
    """Log one call (see the module docstring). ``duration``: seconds or "mm:ss" (Persian digits too);
    ``started_at``: an aware datetime or a Jalali/ISO string (default: now). Raises ValidationError naming
    each wrong field, PermissionDenied when ``acting`` may not answer customers in ``workspace``."""
    if acting.workspace_id != workspace.pk or not role_has(acting.role, Perm.CONVERSATIONS_REPLY):
        raise PermissionDenied
    now = timezone.now()
    call = call_clean(
        workspace=workspace,
        acting=acting,
        direction=direction,
        outcome=outcome,
        duration=duration,
        phone=phone,
        customer=customer,
        recording_url=recording_url,
        notes=notes,
        agent=agent,
        started_at=started_at,
        now=now,
    )
    with transaction.atomic():
        return _log(workspace, acting, call, now, via)


def _log(workspace: Workspace, acting: Membership, call: CleanCall, now: dt.datetime, via: str) -> LoggedCall:
    created = False
    customer = call.customer
    if customer is None:
        result = customer_resolve(
            workspace=workspace, identities=[("phone", call.phone)], acting=acting, via=via
        )
        assert result is not None
        customer, created = result.customer, result.created
    channel = phone_channel(workspace=workspace, acting=acting, via=via)
    conversation = _open_conversation(channel, customer)
    opened = conversation is None
    if conversation is None:
        subject = _("Incoming call") if call.direction == CallDirection.INBOUND else _("Outgoing call")
        conversation = conversation_services.conversation_open(
            workspace=workspace,
            channel=channel,
            customer=customer,
            subject=subject,
            acting=acting,
            now=now,
            via=via,
        )
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    inbound = call.direction == CallDirection.INBOUND
    data = _call_data(call, conversation)
    message = Message.objects.create(
        workspace=workspace,
        conversation=conversation,
        channel=channel,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        author=None if inbound else call.agent,
        sender_name=customer.display_name[:200] if inbound else "",
        text=call.notes or _summary(call),
        data={"call": data},
        created_at=call.started_at,
    )
    _apply(conversation, message, call, now)
    reached = call.outcome == REACHED
    if inbound:
        hooks.after_inbound(conversation=conversation, message=message, opened=opened, now=now)
    elif reached:
        hooks.after_outbound(conversation=conversation, message=message, now=now)
    if reached and conversation.status in (Status.NEW, Status.WAITING):
        conversation_services.conversation_status_set(
            conversation=conversation, status=Status.OPEN, acting=acting, now=now, via=via
        )
    if reached and conversation.assignee_id is None:
        conversation_services.conversation_assign(
            conversation=conversation,
            assignee=call.agent,
            acting=acting,
            reason=_("Took the call"),
            now=now,
            via=via,
        )
    activity = activity_record(
        workspace=workspace,
        customer=customer,
        kind="call",
        occurred_at=call.started_at,
        summary=(call.notes or _summary(call))[:500],
        channel=ChannelKind.PHONE,
        data=data,
        actor=call.agent,
        record=message,
    )
    audit_record(
        workspace=workspace,
        actor=acting.user,
        action=A.CREATE,
        obj=message,
        object_label=f"#{conversation.number}",
        after={"call": data, "customer": customer.pk},
        via=via,
    )
    return LoggedCall(
        conversation=conversation,
        message=message,
        activity=activity,
        customer_created=created,
        conversation_opened=opened,
    )
