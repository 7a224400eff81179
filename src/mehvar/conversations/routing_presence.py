"""Agents coming and going: presence, handing conversations over at sign-off, draining the queue.

``agent_presence_set`` is how an agent (or a supervisor for them) goes online, away or offline. Going
offline hands the agent's open conversations to the most appropriate other agents (``routing``), or back
to the queue with the reason when nobody fits; going online, and the minute sweep, give conversations
waiting unassigned in the queue to whoever can take them (a shift may just have begun). All of it only
with ``InboxSettings.auto_assign``; away keeps what the agent has and takes nothing new.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.conversations import services
from mehvar.conversations.models import OPEN_STATUSES, AgentProfile, Conversation, Status
from mehvar.conversations.routing import AgentPool, Decision, assign_decided, routing_decide
from mehvar.conversations.routing_pool import pool_forget
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has

QUEUE_DRAIN_LIMIT = 50


def routing_queue_drain(*, workspace: Workspace, now: dt.datetime, limit: int = QUEUE_DRAIN_LIMIT) -> int:
    """Give unassigned new/open conversations, oldest first, to whoever can take them. Returns how many."""
    if not services.inbox_settings(workspace).auto_assign:
        return 0
    pool = AgentPool.load(workspace=workspace, now=now)
    if not pool.candidates:
        return 0
    queue = (
        Conversation.objects.filter(
            workspace=workspace,
            assignee__isnull=True,
            status__in=(Status.NEW, Status.OPEN),
            merged_into__isnull=True,
        )
        .select_related("workspace", "channel", "customer")
        .order_by("created_at", "pk")[:limit]
    )
    given = 0
    for conversation in queue:
        decision = routing_decide(conversation=conversation, pool=pool)
        if decision is None:
            continue
        assign_decided(conversation, decision, pool)
        given += 1
    return given


@dataclass(frozen=True)
class PresenceResult:
    presence: str
    reassigned: int = 0
    unassigned: int = 0
    taken_from_queue: int = 0


@transaction.atomic
def agent_presence_set(
    *,
    membership: Membership,
    presence: str,
    acting: Membership | None = None,
    now: dt.datetime | None = None,
) -> PresenceResult:
    """Set an agent's presence (online, away, offline), and route around it.

    ``acting`` None or the agent themself: their own presence; someone else's needs
    ``conversations.assign``. Going offline hands their open conversations to the most appropriate other
    agents, or back to the queue with the reason when nobody fits (only with auto-assignment on); going
    online takes conversations waiting in the queue. Away keeps what they have and takes nothing new.
    """
    if presence not in AgentProfile.Presence.values:
        raise ValidationError({"presence": ValidationError(_("Unknown presence."), code="invalid")})
    others = acting is not None and acting.pk != membership.pk
    if others and (
        acting.workspace_id != membership.workspace_id  # type: ignore[union-attr]
        or not role_has(acting.role, Perm.CONVERSATIONS_ASSIGN)  # type: ignore[union-attr]
    ):
        raise PermissionDenied
    now = now or timezone.now()
    profile, _created = AgentProfile.objects.select_for_update().get_or_create(
        membership=membership, defaults={"workspace_id": membership.workspace_id}
    )
    old = profile.presence
    if old == presence:
        return PresenceResult(presence=presence)
    profile.presence = presence
    profile.presence_changed_at = now
    profile.save(update_fields=["presence", "presence_changed_at"])
    pool_forget(membership.workspace_id)
    workspace = membership.workspace
    if presence == AgentProfile.Presence.OFFLINE:
        return _hand_over(membership=membership, workspace=workspace, now=now)
    if presence == AgentProfile.Presence.ONLINE:
        taken = routing_queue_drain(workspace=workspace, now=now)
        return PresenceResult(presence=presence, taken_from_queue=taken)
    return PresenceResult(presence=presence)


def _hand_over(*, membership: Membership, workspace: Workspace, now: dt.datetime) -> PresenceResult:
    if not services.inbox_settings(workspace).auto_assign:
        return PresenceResult(presence=AgentProfile.Presence.OFFLINE)
    theirs = list(
        Conversation.objects.filter(workspace=workspace, assignee=membership, status__in=OPEN_STATUSES)
        .select_related("workspace", "channel", "customer")
        .order_by("created_at", "pk")
    )
    pool = AgentPool.load(workspace=workspace, now=now)
    reassigned = unassigned = 0
    name = membership.user.get_full_name() or membership.user.email
    for conversation in theirs:
        decision = routing_decide(conversation=conversation, pool=pool, exclude={membership.pk})
        if decision is not None:
            decision = Decision(
                membership=decision.membership,
                reasons=(_("%(name)s signed off") % {"name": name}, *decision.reasons),
                codes=("signed_off", *decision.codes),
            )
            assign_decided(conversation, decision, pool)
            reassigned += 1
        else:
            services.conversation_assign(
                conversation=conversation,
                assignee=None,
                acting=None,
                reason=_("%(name)s signed off and no other agent is available: back to the queue")
                % {"name": name},
                now=now,
            )
            unassigned += 1
    return PresenceResult(
        presence=AgentProfile.Presence.OFFLINE, reassigned=reassigned, unassigned=unassigned
    )


def agents_online(*, workspace: Workspace) -> Iterable[AgentProfile]:
    """Online agents with their members, for the inbox's presence list."""
    return (
        AgentProfile.objects.filter(workspace=workspace, presence=AgentProfile.Presence.ONLINE)
        .select_related("membership__user")
        .order_by("membership__user__full_name", "pk")
    )


def routing_queue_sweep(*, now: dt.datetime | None = None) -> int:
    """Every minute: in each workspace with an agent online, give waiting unassigned conversations to whoever
    can take them now (an agent's shift may just have begun, or a conversation may have been unassigned)."""
    now = now or timezone.now()
    workspace_ids = (
        AgentProfile.objects.filter(presence=AgentProfile.Presence.ONLINE)
        .order_by()
        .values_list("workspace_id", flat=True)
        .distinct()
    )
    given = 0
    for workspace in Workspace.objects.filter(pk__in=list(workspace_ids)):
        with transaction.atomic():
            given += routing_queue_drain(workspace=workspace, now=now)
    return given
