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
their members in one, their open counts in one grouped query, the team's members, the customer's tags and
previous agent, and the calendar only when some candidate has no shift of their own. The rest is memory.

``conversation_route`` is the arrival hook (only with ``InboxSettings.auto_assign``). Presence, sign-off and
the queue are in ``routing_presence`` (``agent_presence_set``).
"""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from mehvar.conversations import services
from mehvar.conversations.models import OPEN_STATUSES, AgentProfile, Conversation, Status, Team
from mehvar.core.business_calendar import TEHRAN, BusinessCalendar, calendar_for_workspace
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, roles_with
from mehvar.core.text import search_key
from mehvar.customers.models import Tag


def vip_tag_keys() -> frozenset[str]:
    """Customer tags that mark a VIP (by ``search_key``): ``settings.MEHVAR_VIP_TAGS``, else vip/ویژه."""
    names = getattr(settings, "MEHVAR_VIP_TAGS", ("vip", "ویژه"))
    return frozenset(search_key(name) for name in names)


@lru_cache(maxsize=4096)
def _key(value: str) -> str:
    """``search_key`` of a profile's listed value (languages, channels, skills: a small vocabulary)."""
    return search_key(value)


# --- shifts ---------------------------------------------------------------------------------------------
def _minute(value: object) -> int | None:
    return _minute_of(value) if isinstance(value, str) else None


@lru_cache(maxsize=4096)
def _minute_of(value: str) -> int | None:
    try:
        hours, minutes = str(value).strip().split(":")
        total = int(hours) * 60 + int(minutes)
    except (ValueError, AttributeError):
        return None
    return total if 0 <= total <= 24 * 60 and 0 <= int(minutes) < 60 else None


def shift_hours(shift: object, weekday: int) -> tuple[int, int] | None:
    """(start, end) minutes of ``shift`` on ``weekday`` (0 = Saturday ... 6 = Friday); None: not working.

    An end before the start is a night shift that runs past midnight.
    """
    if not isinstance(shift, dict):
        return None
    hours = shift.get(str(weekday), shift.get(weekday))  # type: ignore[call-overload]
    if not isinstance(hours, list | tuple) or len(hours) != 2:
        return None
    start, end = _minute(hours[0]), _minute(hours[1])
    if start is None or end is None or start == end:
        return None
    return start, end


def persian_weekday(day: dt.date) -> int:
    """0 for Saturday ... 6 for Friday, as ``AgentProfile.shift`` counts."""
    return (day.isoweekday() + 1) % 7


def in_shift(shift: object, local: dt.datetime) -> bool:
    """Whether the wall-clock moment ``local`` is inside ``shift`` (night shifts included)."""
    minute = local.hour * 60 + local.minute
    today = shift_hours(shift, persian_weekday(local.date()))
    if today is not None:
        start, end = today
        if (start < end and start <= minute < end) or (start > end and minute >= start):
            return True
    yesterday = shift_hours(shift, persian_weekday(local.date() - dt.timedelta(days=1)))
    return yesterday is not None and yesterday[0] > yesterday[1] and minute < yesterday[1]


# --- the pool of agents ---------------------------------------------------------------------------------
@dataclass
class Candidate:
    profile: AgentProfile
    open_count: int

    @property
    def membership(self) -> Membership:
        return self.profile.membership

    @property
    def spare(self) -> int:
        return self.profile.capacity - self.open_count


@dataclass
class AgentPool:
    """A workspace's online agents with their load, loaded once and updated as conversations are given."""

    workspace: Workspace
    now: dt.datetime
    candidates: dict[int, Candidate]  # by membership id
    tz: ZoneInfo
    _calendar: BusinessCalendar | None = None
    _local: dt.datetime | None = None
    _team_members: dict[int, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, *, workspace: Workspace, now: dt.datetime) -> "AgentPool":
        """Two queries: the online profiles of members who may answer (with their memberships, not their
        users: only the chosen agent's user is ever read), and their open loads (the partial index
        ``conv_open_assignee``)."""
        profiles = list(
            AgentProfile.objects.filter(
                workspace=workspace,
                presence=AgentProfile.Presence.ONLINE,
                membership__role__in=roles_with(Perm.CONVERSATIONS_REPLY),
            )
            .select_related("membership")
            .order_by("pk")
        )
        counts: dict[int, int] = {}
        if profiles:
            counts = dict(
                Conversation.objects.filter(
                    workspace=workspace,
                    assignee_id__in=[p.membership_id for p in profiles],
                    status__in=OPEN_STATUSES,
                )
                .values_list("assignee_id")
                .annotate(n=Count("pk"))
                .order_by()
            )
        try:
            tz = ZoneInfo(workspace.time_zone or "Asia/Tehran")
        except (ZoneInfoNotFoundError, ValueError):
            tz = TEHRAN
        return cls(
            workspace=workspace,
            now=now,
            candidates={p.membership_id: Candidate(p, counts.get(p.membership_id, 0)) for p in profiles},
            tz=tz,
        )

    def working(self, candidate: Candidate) -> bool:
        shift = candidate.profile.shift
        if shift:
            if self._local is None:
                self._local = self.now.astimezone(self.tz)
            return in_shift(shift, self._local)
        if self._calendar is None:
            self._calendar = calendar_for_workspace(self.workspace)
        return self._calendar.is_open(self.now)

    def team_members(self, team_id: int) -> frozenset[int]:
        if team_id not in self._team_members:
            ids = Team.members.through.objects.filter(team_id=team_id).values_list("membership_id", flat=True)
            self._team_members[team_id] = frozenset(ids)
        return self._team_members[team_id]

    def took(self, membership_id: int) -> None:
        candidate = self.candidates.get(membership_id)
        if candidate is not None:
            candidate.open_count += 1
            candidate.profile.last_assigned_at = self.now

    def gave_back(self, membership_id: int) -> None:
        candidate = self.candidates.get(membership_id)
        if candidate is not None and candidate.open_count:
            candidate.open_count -= 1


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
    """Whether the customer is a VIP and who answered them last (two indexed queries)."""
    keys = set(
        Tag.objects.filter(
            workspace_id=conversation.workspace_id, customers__pk=conversation.customer_id
        ).values_list("key", flat=True)
    )
    previous = (
        Conversation.objects.filter(
            workspace_id=conversation.workspace_id,
            customer_id=conversation.customer_id,
            assignee__isnull=False,
        )
        .exclude(pk=conversation.pk)
        .order_by("-last_message_at", "-pk")
        .values_list("assignee_id", flat=True)
        .first()
    )
    return CustomerContext(vip=bool(keys & vip_tag_keys()), previous_agent_id=previous)


def _listed(values: object, wanted: str) -> bool | None:
    """True/False when the profile lists values (does it include ``wanted``?); None when it lists none."""
    if not isinstance(values, list) or not values:
        return None
    key = _key(wanted)
    return any(_key(str(v)) == key for v in values)


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
        profile = candidate.profile
        if candidate.membership.pk in exclude or candidate.spare <= 0:
            continue
        if team is not None and candidate.membership.pk not in team:
            continue
        if _listed(profile.languages, conversation.language) is False:
            continue
        if _listed(profile.channels, kind) is False:
            continue
        if not pool.working(candidate):
            continue
        eligible.append(candidate)
    if not eligible:
        return None
    reasons: list[str] = []
    codes: list[str] = []
    if context.vip:
        seniors = [c for c in eligible if c.profile.senior]
        if seniors:
            eligible = seniors
            reasons.append(_("senior agent for a VIP customer"))
            codes.append("vip_senior")
        else:
            reasons.append(_("VIP customer, but no senior agent is available"))
            codes.append("vip_no_senior")
    category = conversation.category

    def rank(candidate: Candidate) -> tuple[bool, bool, dt.datetime, int, int]:
        previous = candidate.membership.pk == context.previous_agent_id
        skilled = bool(category) and bool(_listed(candidate.profile.skills, category))
        last = candidate.profile.last_assigned_at or dt.datetime.min.replace(tzinfo=dt.UTC)
        return (not previous, not skilled, last, candidate.open_count, candidate.profile.pk)

    ranks = {candidate.membership.pk: rank(candidate) for candidate in eligible}
    eligible.sort(key=lambda candidate: ranks[candidate.membership.pk])
    chosen = eligible[0]
    best = ranks[chosen.membership.pk]
    if not best[0]:
        reasons.append(_("previous agent of this customer"))
        codes.append("previous_agent")
    if not best[1]:
        reasons.append(_("skill: %(category)s") % {"category": category})
        codes.append("skill")
    peers = sum(1 for c in eligible if ranks[c.membership.pk][:2] == best[:2])
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


def conversation_route(*, conversation: Conversation, now: dt.datetime) -> Decision | None:
    """The arrival hook: give a new or unassigned open conversation to the most appropriate agent.

    Nothing happens when the workspace routes by hand (``InboxSettings.auto_assign`` off), when the
    conversation already has an agent, or when nobody can take it (it waits in the queue).
    """
    if conversation.assignee_id is not None or conversation.status not in (Status.NEW, Status.OPEN):
        return None
    workspace = conversation.workspace
    if not services.inbox_settings(workspace).auto_assign:
        return None
    pool = AgentPool.load(workspace=workspace, now=now)
    decision = routing_decide(conversation=conversation, pool=pool)
    if decision is not None:
        assign_decided(conversation, decision, pool)
    return decision
