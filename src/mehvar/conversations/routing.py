"""Routing: give each conversation to the most appropriate agent, and say why.

Who can take a conversation (every rule must hold):

* an ``AgentProfile`` whose member may answer conversations, **online**, and **within their shift** (the
  profile's own shift, else the workspace's business hours: ``core.business_calendar``);
* with **spare capacity**: ``capacity`` minus the open (new, open, waiting) conversations assigned to them;
* speaking the conversation's **language** and working its **channel** when the profile lists any
  (an empty list means "any");
* a member of the conversation's **team**, when it has one;
* for a **VIP customer** (a customer tag in ``VIP_TAGS``, ``settings.MEHVAR_VIP_TAGS``), a **senior** agent
  when any senior can take it.

Who is preferred among them, in order: the customer's **previous agent** (of their latest other assigned
conversation), then agents with the conversation's **category** among their skills, then **round-robin**:
the one assigned longest ago (``last_assigned_at``; the least loaded on a tie). The reason is written in
words (in the active language, e.g. "previous agent of this customer; skill: delivery") on the conversation
and its ASSIGNED event, through ``services.conversation_assign(acting=None, reason=...)``. Supervisors
override by assigning through the same service.

The decision reads a fixed number of queries whatever the number of agents: all candidate profiles with
their members in one, their open counts in one grouped query, the team's members, the customer's VIP tag and
previous agent in one, and the calendar only when some candidate has no shift of their own. The rest is
memory.

``conversation_route`` is the arrival hook (only with ``InboxSettings.auto_assign``). Presence, sign-off and
the queue are in ``routing_presence`` (``agent_presence_set``).
"""

import datetime as dt
import time
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from mehvar.conversations import services
from mehvar.conversations.models import OPEN_STATUSES, AgentProfile, Conversation, Status
from mehvar.conversations.routing_pool import AgentPool, Candidate, listed_key, pool_for_arrival
from mehvar.core.models import Membership
from mehvar.core.text import search_key
from mehvar.customers.models import Customer, Tag


def vip_tag_keys() -> frozenset[str]:
    """Customer tags that mark a VIP (by ``search_key``): ``settings.MEHVAR_VIP_TAGS``, else vip/ویژه."""
    names = getattr(settings, "MEHVAR_VIP_TAGS", ("vip", "ویژه"))
    return frozenset(search_key(name) for name in names)


@dataclass(frozen=True)
class Decision:
    """Who gets the conversation, and why (``reasons`` in words, ``codes`` for machines)."""

    membership: Membership
    reasons: tuple[str, ...]
    codes: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class CustomerContext:
    vip: bool
    previous_agent_id: int | None


def customer_context(conversation: Conversation) -> CustomerContext:
    """Whether the customer is a VIP and who answered them last: one indexed query (the customer's row with
    both asked as subqueries)."""
    previous = (
        Conversation.objects.filter(
            workspace_id=conversation.workspace_id, customer_id=OuterRef("pk"), assignee__isnull=False
        )
        .exclude(pk=conversation.pk)
        .order_by("-last_message_at", "-pk")
        .values("assignee_id")[:1]
    )
    row = Customer.objects.filter(workspace_id=conversation.workspace_id, pk=conversation.customer_id)
    vip_keys = vip_tag_keys()
    if vip_keys:
        vip_tags = Tag.objects.filter(
            workspace_id=conversation.workspace_id, customers=OuterRef("pk"), key__in=vip_keys
        )
        found = row.annotate(vip=Exists(vip_tags), previous=Subquery(previous)).values_list("vip", "previous")
    else:
        found = row.annotate(vip=Value(False), previous=Subquery(previous)).values_list("vip", "previous")
    vip, previous_agent = found.first() or (False, None)
    return CustomerContext(vip=bool(vip), previous_agent_id=previous_agent)


def _admits(keys: frozenset[str] | None, wanted: str) -> bool:
    """Whether a profile's list admits ``wanted`` (an empty list admits anything)."""
    return keys is None or listed_key(wanted) in keys


def routing_decide(
    *,
    conversation: Conversation,
    pool: AgentPool,
    context: CustomerContext | None = None,
    exclude: Collection[int] = (),
) -> Decision | None:
    """The most appropriate agent for ``conversation`` in ``pool`` (see the module docstring), or None."""
    context = context or customer_context(conversation)
    kind = conversation.channel.kind
    team = pool.team_members(conversation.team_id) if conversation.team_id else None
    eligible: list[Candidate] = []
    for candidate in pool.candidates.values():
        if candidate.membership_id in exclude or candidate.spare <= 0:
            continue
        if team is not None and candidate.membership_id not in team:
            continue
        if not _admits(candidate.languages, conversation.language):
            continue
        if not _admits(candidate.channels, kind):
            continue
        if not pool.working(candidate):
            continue
        eligible.append(candidate)
    if not eligible:
        return None
    reasons: list[str] = []
    codes: list[str] = []
    if context.vip:
        seniors = [c for c in eligible if c.senior]
        if seniors:
            eligible = seniors
            reasons.append(_("senior agent for a VIP customer"))
            codes.append("vip_senior")
        else:
            reasons.append(_("VIP customer, but no senior agent is available"))
            codes.append("vip_no_senior")
    category = conversation.category

    skill = listed_key(category) if category else ""

    def rank(candidate: Candidate) -> tuple[bool, bool, dt.datetime, int, int]:
        previous = candidate.membership_id == context.previous_agent_id
        skilled = bool(skill) and candidate.skills is not None and skill in candidate.skills
        last = candidate.last_assigned_at or dt.datetime.min.replace(tzinfo=dt.UTC)
        return (not previous, not skilled, last, candidate.open_count, candidate.profile_id)

    ranks = {candidate.membership_id: rank(candidate) for candidate in eligible}
    eligible.sort(key=lambda candidate: ranks[candidate.membership_id])
    chosen = eligible[0]
    best = ranks[chosen.membership_id]
    if not best[0]:
        reasons.append(_("previous agent of this customer"))
        codes.append("previous_agent")
    if not best[1]:
        reasons.append(_("skill: %(category)s") % {"category": category})
        codes.append("skill")
    peers = sum(1 for c in eligible if ranks[c.membership_id][:2] == best[:2])
    if best[0] and peers > 1:
        reasons.append(_("round-robin among %(count)d available agents") % {"count": peers})
        codes.append("round_robin")
    elif not reasons:
        reasons.append(_("the only available agent"))
        codes.append("only_available")
    return Decision(membership=chosen.membership, reasons=tuple(reasons), codes=tuple(codes))


def assign_decided(conversation: Conversation, decision: Decision, pool: AgentPool) -> None:
    services.conversation_assign(
        conversation=conversation,
        assignee=decision.membership,
        acting=None,
        reason=decision.reason,
        now=pool.now,
    )
    AgentProfile.objects.filter(membership=decision.membership).update(last_assigned_at=pool.now)
    pool.took(decision.membership.pk)


CONFIRM_ATTEMPTS = 3
RECHECK_SECONDS = 1.0  # "nobody can take it" from a pool read this recently is not read again


def _confirm(pool: AgentPool, candidate: Candidate) -> bool:
    """Whether the chosen agent is still online with room, by the database (one query); the pool's
    figures for them are brought up to date either way."""
    open_now = (
        Conversation.objects.filter(
            workspace_id=pool.workspace.pk,
            assignee_id=OuterRef("membership_id"),
            status__in=OPEN_STATUSES,
        )
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = (
        AgentProfile.objects.filter(
            workspace=pool.workspace,
            membership_id=candidate.membership_id,
            presence=AgentProfile.Presence.ONLINE,
        )
        .annotate(open_now=Coalesce(Subquery(open_now), 0))
        .values_list("capacity", "open_now")
        .first()
    )
    if row is None:
        pool.candidates.pop(candidate.membership_id, None)
        return False
    candidate.capacity, candidate.open_count = row
    return candidate.spare > 0


def routing_choose(
    *, conversation: Conversation, now: dt.datetime, context: CustomerContext | None = None
) -> tuple[Decision | None, AgentPool]:
    """The arrival's decision from the pool kept in this process (``routing_pool``), the chosen agent
    confirmed against the database; after ``CONFIRM_ATTEMPTS`` refusals, or when nobody in the pool can
    take it, the pool is read afresh (and kept) — unless "nobody" comes from a pool read less than
    ``RECHECK_SECONDS`` ago: when every agent is busy, arrivals do not each read the pool again."""
    pool = pool_for_arrival(workspace=conversation.workspace, now=now)
    context = context or customer_context(conversation)
    refused: set[int] = set()
    for _attempt in range(CONFIRM_ATTEMPTS):
        decision = routing_decide(conversation=conversation, pool=pool, context=context, exclude=refused)
        if decision is None:
            if time.monotonic() - pool.read_at < RECHECK_SECONDS:
                return None, pool
            break
        candidate = pool.candidates.get(decision.membership.pk)
        if candidate is not None and _confirm(pool, candidate):
            return decision, pool
        refused.add(decision.membership.pk)
    fresh = pool_for_arrival(workspace=conversation.workspace, now=now, fresh=True)
    return routing_decide(conversation=conversation, pool=fresh, context=context), fresh


NEW_CUSTOMER = CustomerContext(vip=False, previous_agent_id=None)  # no tags, no earlier conversation


def conversation_route(
    *, conversation: Conversation, now: dt.datetime, context: CustomerContext | None = None
) -> Decision | None:
    """The arrival hook: give a new or unassigned open conversation to the most appropriate agent.

    Nothing happens when the workspace routes by hand (``InboxSettings.auto_assign`` off), when the
    conversation already has an agent, or when nobody can take it (it waits in the queue). ``context``:
    the customer's, when the caller knows it (``NEW_CUSTOMER`` for one the message created), else read.
    """
    if conversation.assignee_id is not None or conversation.status not in (Status.NEW, Status.OPEN):
        return None
    if not services.inbox_settings(conversation.workspace).auto_assign:
        return None
    decision, pool = routing_choose(conversation=conversation, now=now, context=context)
    if decision is not None:
        assign_decided(conversation, decision, pool)
    return decision
