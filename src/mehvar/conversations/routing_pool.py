"""The agents routing chooses from: a workspace's online agents as plain values, their loads and shifts.

``AgentPool.load`` reads them (two queries: the profiles, their open loads). A conversation arriving is
routed with ``pool_for_arrival``: the same pool kept in this process for ``MEHVAR_ROUTING_POOL_SECONDS``
(default 5) and updated as this process assigns, so that an arrival does not read and build every agent
again. What other processes did meanwhile (an assignment, a sign-off, a changed profile) is not in it:
``routing.routing_choose`` confirms the chosen agent's presence and load against the database before
giving them the conversation, and a presence change in this process drops the kept pool at once
(``pool_forget``). Shift and business-hours checks are evaluated at the moment of each decision.
"""

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Count

from mehvar.conversations.models import OPEN_STATUSES, AgentProfile, Conversation, Team
from mehvar.core.business_calendar import TEHRAN, BusinessCalendar, calendar_for_workspace
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, roles_with
from mehvar.core.text import search_key

POOL_SECONDS = 5.0


@lru_cache(maxsize=4096)
def listed_key(value: str) -> str:
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
def _keys(values: object) -> frozenset[str] | None:
    """A profile's listed values as search keys; None when it lists none ("any")."""
    if not isinstance(values, list) or not values:
        return None
    return frozenset(listed_key(str(value)) for value in values)


@dataclass
class Candidate:
    """One online agent as routing sees them: plain values read once (no model objects until chosen)."""

    profile_id: int
    membership_id: int
    workspace_id: int
    user_id: int
    role: str
    capacity: int
    senior: bool
    shift: object
    skills: frozenset[str] | None
    languages: frozenset[str] | None
    channels: frozenset[str] | None
    last_assigned_at: dt.datetime | None
    open_count: int

    @property
    def membership(self) -> Membership:
        """The agent's membership (its id, workspace, user and role as read; the rest is loaded on use)."""
        return Membership.from_db(
            "default",
            ["id", "workspace_id", "user_id", "role"],
            [self.membership_id, self.workspace_id, self.user_id, self.role],
        )

    @property
    def spare(self) -> int:
        return self.capacity - self.open_count


_PROFILE_COLUMNS = (
    "pk",
    "membership_id",
    "membership__user_id",
    "membership__role",
    "capacity",
    "senior",
    "shift",
    "skills",
    "languages",
    "channels",
    "last_assigned_at",
)


@dataclass
class AgentPool:
    """A workspace's online agents with their load, loaded once and updated as conversations are given."""

    workspace: Workspace
    now: dt.datetime
    candidates: dict[int, Candidate]  # by membership id
    tz: ZoneInfo
    _calendar: BusinessCalendar | None = None
    _local: dt.datetime | None = None
    _working: dict[int, bool] = field(default_factory=dict)
    _team_members: dict[int, frozenset[int]] = field(default_factory=dict)
    read_at: float = field(default_factory=time.monotonic)  # when it was read (``time.monotonic``)

    @classmethod
    def load(cls, *, workspace: Workspace, now: dt.datetime) -> "AgentPool":
        """Two queries: the online profiles of members who may answer, as plain values, and their open
        loads (the partial index ``conv_open_assignee``)."""
        rows = list(
            AgentProfile.objects.filter(
                workspace=workspace,
                presence=AgentProfile.Presence.ONLINE,
                membership__role__in=roles_with(Perm.CONVERSATIONS_REPLY),
            )
            .order_by("pk")
            .values_list(*_PROFILE_COLUMNS)
        )
        counts: dict[int, int] = {}
        if rows:
            counts = dict(
                Conversation.objects.filter(
                    workspace=workspace,
                    assignee_id__in=[row[1] for row in rows],
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
        candidates = {}
        for pk, member, user, role, capacity, senior, shift, skills, languages, channels, last in rows:
            candidates[member] = Candidate(
                profile_id=pk,
                membership_id=member,
                workspace_id=workspace.pk,
                user_id=user,
                role=role,
                capacity=capacity,
                senior=senior,
                shift=shift,
                skills=_keys(skills),
                languages=_keys(languages),
                channels=_keys(channels),
                last_assigned_at=last,
                open_count=counts.get(member, 0),
            )
        return cls(workspace=workspace, now=now, candidates=candidates, tz=tz)

    def at(self, now: dt.datetime) -> "AgentPool":
        """The pool at another moment (a kept pool serving a later arrival)."""
        if now != self.now:
            if now.replace(second=0, microsecond=0) != self.now.replace(second=0, microsecond=0):
                self._working.clear()  # shifts and business hours change on the minute
            self.now, self._local = now, None
        return self

    def working(self, candidate: Candidate) -> bool:
        """Within their shift (else the business hours) now; worked out once a minute per agent."""
        known = self._working.get(candidate.membership_id)
        if known is None:
            known = self._working[candidate.membership_id] = self._working_now(candidate)
        return known

    def _working_now(self, candidate: Candidate) -> bool:
        shift = candidate.shift
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
            candidate.last_assigned_at = self.now

    def gave_back(self, membership_id: int) -> None:
        candidate = self.candidates.get(membership_id)
        if candidate is not None and candidate.open_count:
            candidate.open_count -= 1


_kept: dict[int, tuple[float, AgentPool]] = {}
_kept_lock = threading.Lock()


def pool_for_arrival(*, workspace: Workspace, now: dt.datetime, fresh: bool = False) -> AgentPool:
    """The workspace's pool kept in this process (see the module docstring), loaded when older than
    ``MEHVAR_ROUTING_POOL_SECONDS``; 0 loads it every time. ``fresh`` reads it now (and keeps that)."""
    seconds = float(getattr(settings, "MEHVAR_ROUTING_POOL_SECONDS", POOL_SECONDS))
    if seconds <= 0:
        return AgentPool.load(workspace=workspace, now=now)
    with _kept_lock:
        kept = _kept.get(workspace.pk)
        if not fresh and kept is not None and time.monotonic() - kept[0] < seconds:
            return kept[1].at(now)
    pool = AgentPool.load(workspace=workspace, now=now)
    with _kept_lock:
        _kept[workspace.pk] = (pool.read_at, pool)
    return pool


def pool_forget(workspace_id: int) -> None:
    """Drop the kept pool of a workspace (an agent's presence or profile changed in this process)."""
    with _kept_lock:
        _kept.pop(workspace_id, None)
