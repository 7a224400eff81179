"""SLA clocks in business time: which policy applies, when each target is due, what was met or missed.

A conversation gets its policy when it opens: the first enabled ``SlaPolicy`` by position whose priority,
channel kind and customer tag match (an empty criterion matches anything); a priority change matches again.
Three targets, each in business minutes of the workspace's calendar (``core.business_calendar``: the
Iranian week, official holidays, the workspace's own hours and days off):

* **first** response: from the conversation's opening to the first agent reply;
* **next** response: from the customer's oldest unanswered message (``awaiting_reply_since``) to the reply
  that answers it, once the first response has been given; one cycle per unanswered message run;
* **resolution**: from the opening to the last resolve. It stops while the conversation waits on the
  customer (status waiting) and resumes when they write: the business time spent waiting is added to
  ``sla_paused_seconds`` and the deadline moves by as much. Time spent resolved is not a pause: a
  conversation that reopens keeps its original deadline, because resolution counts to the last resolve.

The hooks below keep ``first_response_due_at``, ``next_response_due_at`` and ``resolution_due_at`` (kept after
the target is done, for attainment) and ``sla_due_at``, the nearest deadline still running (the "breaching
soon" and "overdue" queues read it). ``sla_warned_at`` is reset whenever ``sla_due_at`` changes.
Breaches found when a reply or resolve comes late are recorded here; the minute sweep (``sla_sweep``)
records the ones nobody acted on, warns, and escalates. ``sla_breaches`` holds one entry per missed target
(per cycle for next response)::

    {"target": "first", "due_at": "2025-06-15T05:00:00+00:00", "at": "2025-06-15T05:01:00+00:00"}

``first_response_seconds`` and ``resolution_seconds`` are business seconds, kept whether or not a policy
applies (metrics for dashboards). ``sla_attainment`` reads met/missed per target.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from mehvar.conversations.models import Conversation, Event, Message, SlaPolicy, Status
from mehvar.core.business_calendar import BusinessCalendar, calendar_for_workspace
from mehvar.core.memo import workspace_memo_for
from mehvar.core.text import search_key

FIRST, NEXT, RESOLUTION = "first", "next", "resolution"
TARGETS = (FIRST, NEXT, RESOLUTION)
DUE_FIELDS = {FIRST: "first_response_due_at", NEXT: "next_response_due_at", RESOLUTION: "resolution_due_at"}
MINUTES_FIELDS = {
    FIRST: "first_response_minutes",
    NEXT: "next_response_minutes",
    RESOLUTION: "resolution_minutes",
}
STOPPED = (Status.RESOLVED, Status.CLOSED)
SLA_FIELDS = [
    "sla_policy",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "sla_warned_at",
    "sla_paused_seconds",
    "sla_breaches",
    "first_response_seconds",
    "resolution_seconds",
]


# --- policies -------------------------------------------------------------------------------------------
POLICIES_MEMO = "sla_policies"


def workspace_policies(workspace_id: int) -> list[SlaPolicy]:
    return list(SlaPolicy.objects.filter(workspace_id=workspace_id, enabled=True).order_by("position", "pk"))


def sla_policy_match(
    *, conversation: Conversation, policies: list[SlaPolicy] | None = None
) -> SlaPolicy | None:
    """The first enabled policy by position that fits the conversation's priority, channel and customer."""
    if policies is None:
        policies = workspace_memo_for(  # read once per core.memo scope
            conversation, POLICIES_MEMO, lambda: workspace_policies(conversation.workspace_id)
        )
    if not policies:
        return None
    tag_keys: set[str] | None = None
    kind = conversation.channel.kind
    for policy in policies:
        if policy.priority and policy.priority != conversation.priority:
            continue
        if policy.channel_kind and policy.channel_kind != kind:
            continue
        if policy.customer_tag:
            if tag_keys is None:
                tag_keys = set(conversation.customer.tags.values_list("key", flat=True))
            if search_key(policy.customer_tag) not in tag_keys:
                continue
        return policy
    return None


# --- business time --------------------------------------------------------------------------------------
def business_seconds(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Whole business seconds from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    return int(calendar.business_time_between(start, end).total_seconds())


def _due(calendar: BusinessCalendar, start: dt.datetime, minutes: int | None, extra_seconds: int = 0):
    if minutes is None:
        return None
    return calendar.add_business_time(start, dt.timedelta(minutes=minutes, seconds=extra_seconds))


# --- what is running ------------------------------------------------------------------------------------
def running_deadlines(conversation: Conversation) -> dict[str, dt.datetime]:
    """The deadlines whose clocks run now: target -> due moment."""
    running: dict[str, dt.datetime] = {}
    if conversation.status in STOPPED:
        return running
    if conversation.first_response_due_at and conversation.first_response_at is None:
        running[FIRST] = conversation.first_response_due_at
    if conversation.next_response_due_at:
        running[NEXT] = conversation.next_response_due_at
    if conversation.resolution_due_at and conversation.status != Status.WAITING:
        running[RESOLUTION] = conversation.resolution_due_at
    return running


def _refresh_due(conversation: Conversation) -> None:
    running = running_deadlines(conversation)
    nearest = min(running.values()) if running else None
    if nearest != conversation.sla_due_at:
        conversation.sla_due_at = nearest
        conversation.sla_warned_at = None


def breach_key(target: str, due_at: dt.datetime | None) -> tuple[str, str]:
    """First response and resolution are missed at most once; next response once per cycle (its due)."""
    return (target, due_at.isoformat() if target == NEXT and due_at else "")


def breached(conversation: Conversation, target: str, due_at: dt.datetime | None = None) -> bool:
    key = breach_key(target, due_at)
    for entry in conversation.sla_breaches or []:
        if isinstance(entry, dict):
            due = entry.get("due_at") or ""
            if (entry.get("target"), due if target == NEXT else "") == key:
                return True
        elif entry == target and target != NEXT:
            return True
    return False


def breach_add(conversation: Conversation, target: str, due_at: dt.datetime, at: dt.datetime) -> bool:
    """Record a missed target (in memory; the caller saves). False if it was already recorded."""
    if breached(conversation, target, due_at):
        return False
    conversation.sla_breaches = [
        *(conversation.sla_breaches or []),
        {"target": target, "due_at": due_at.isoformat(), "at": at.isoformat()},
    ]
    return True


def _state(conversation: Conversation) -> tuple:
    """The SLA fields' values, to tell whether a hook changed any."""
    return tuple(getattr(conversation, field.attname) for field in _SLA_MODEL_FIELDS)


_SLA_MODEL_FIELDS = [Conversation._meta.get_field(name) for name in SLA_FIELDS]


def _save(conversation: Conversation, before: tuple | None = None) -> None:
    """Write the SLA fields; nothing when ``before`` (``_state`` at the hook's start) shows no change."""
    if before is not None and _state(conversation) == before:
        return
    conversation.save(update_fields=SLA_FIELDS)


# --- hooks ----------------------------------------------------------------------------------------------
def _set_deadlines(
    conversation: Conversation, policy: SlaPolicy | None, calendar: BusinessCalendar | None
) -> None:
    """Deadlines of ``policy`` from the conversation's own starting points (used on open and re-match);
    ``calendar`` may be None when ``policy`` is."""
    conversation.sla_policy = policy
    if policy is None:
        conversation.first_response_due_at = conversation.next_response_due_at = None
        conversation.resolution_due_at = None
        return
    assert calendar is not None
    if conversation.first_response_at is None:  # an answered first response keeps its deadline
        conversation.first_response_due_at = _due(
            calendar, conversation.created_at, policy.first_response_minutes
        )
    conversation.next_response_due_at = None
    if conversation.first_response_at is not None and conversation.awaiting_reply_since is not None:
        conversation.next_response_due_at = _due(
            calendar, conversation.awaiting_reply_since, policy.next_response_minutes
        )
    conversation.resolution_due_at = _due(
        calendar, conversation.created_at, policy.resolution_minutes, conversation.sla_paused_seconds
    )


def on_inbound(*, conversation: Conversation, message: Message, opened: bool, now: dt.datetime) -> None:
    """A customer message: a new conversation starts its clocks; an answered one starts a next cycle.

    The row is written only when a field changed (a workspace without policies writes nothing here), and
    the business calendar is read only when a deadline is worked out."""
    before = _state(conversation)
    if opened:
        policy = sla_policy_match(conversation=conversation)
        calendar = calendar_for_workspace(conversation.workspace) if policy is not None else None
        _set_deadlines(conversation, policy, calendar)
    elif (
        conversation.sla_policy_id is not None
        and conversation.first_response_at is not None
        and conversation.awaiting_reply_since is not None
        and conversation.next_response_due_at is None
    ):
        policy = conversation.sla_policy
        assert policy is not None
        conversation.next_response_due_at = _due(
            calendar_for_workspace(conversation.workspace),
            conversation.awaiting_reply_since,
            policy.next_response_minutes,
        )
    _refresh_due(conversation)
    _save(conversation, before)


def on_outbound(*, conversation: Conversation, message: Message, now: dt.datetime) -> None:
    """An agent's reply: the first response is measured; a running next-response cycle ends."""
    calendar = calendar_for_workspace(conversation.workspace)
    if conversation.first_response_seconds is None and conversation.first_response_at is not None:
        conversation.first_response_seconds = business_seconds(
            calendar, conversation.created_at, conversation.first_response_at
        )
        due = conversation.first_response_due_at
        if due is not None and conversation.first_response_at > due:
            breach_add(conversation, FIRST, due, conversation.first_response_at)
    elif conversation.next_response_due_at is not None and now > conversation.next_response_due_at:
        breach_add(conversation, NEXT, conversation.next_response_due_at, now)
    conversation.next_response_due_at = None
    _refresh_due(conversation)
    _save(conversation)


def _waiting_started(conversation: Conversation, now: dt.datetime) -> dt.datetime:
    """When the waiting that just ended began (services clear ``waiting_since`` before the hooks run)."""
    started = (
        Event.objects.filter(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            kind=Event.Kind.STATUS,
            data__new=Status.WAITING,
        )
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return min(started, now) if started else now


def on_status(*, conversation: Conversation, old: str, now: dt.datetime) -> None:
    """Waiting pauses the resolution clock, the customer's reply resumes it; resolving measures it.
    The calendar is read only for those two; the row is written only when a field changed."""
    new = conversation.status
    before = _state(conversation)
    if old == Status.WAITING or new == Status.RESOLVED:
        calendar = calendar_for_workspace(conversation.workspace)
    if old == Status.WAITING:
        conversation.sla_paused_seconds += business_seconds(
            calendar, _waiting_started(conversation, now), now
        )
        policy = conversation.sla_policy if conversation.sla_policy_id else None
        if policy is not None and policy.resolution_minutes is not None:
            conversation.resolution_due_at = _due(
                calendar, conversation.created_at, policy.resolution_minutes, conversation.sla_paused_seconds
            )
    if new in STOPPED and old not in STOPPED:
        if new == Status.RESOLVED:
            conversation.resolution_seconds = max(
                0, business_seconds(calendar, conversation.created_at, now) - conversation.sla_paused_seconds
            )
        for target, due in _late(conversation, now).items():
            breach_add(conversation, target, due, now)
        conversation.next_response_due_at = None
    _refresh_due(conversation)
    _save(conversation, before)


def _late(conversation: Conversation, now: dt.datetime) -> dict[str, dt.datetime]:
    """Running deadlines already passed at ``now``, as if the conversation were still open."""
    late = {}
    first = conversation.first_response_due_at
    if first and conversation.first_response_at is None and now > first:
        late[FIRST] = first
    if conversation.next_response_due_at and now > conversation.next_response_due_at:
        late[NEXT] = conversation.next_response_due_at
    if conversation.resolution_due_at and now > conversation.resolution_due_at:
        late[RESOLUTION] = conversation.resolution_due_at
    return late


def on_priority(*, conversation: Conversation, now: dt.datetime) -> None:
    """A new priority may bring another policy: its targets apply from the same starting points."""
    policy = sla_policy_match(conversation=conversation)
    if policy is None and conversation.sla_policy_id is None:
        return
    if policy is not None and policy.pk == conversation.sla_policy_id:
        return
    _set_deadlines(conversation, policy, calendar_for_workspace(conversation.workspace))
    _refresh_due(conversation)
    _save(conversation)


# --- attainment -----------------------------------------------------------------------------------------
MET, MISSED, RUNNING, PAUSED, NONE = "met", "missed", "running", "paused", "none"


@dataclass(frozen=True)
class TargetAttainment:
    target: str
    state: str  # met, missed, running, paused (resolution while waiting), none (no such target)
    due_at: dt.datetime | None
    seconds: int | None = None  # business seconds taken, where measured (first response, resolution)


def _any_breach(conversation: Conversation, target: str) -> bool:
    return any(
        (entry.get("target") if isinstance(entry, dict) else entry) == target
        for entry in conversation.sla_breaches or []
    )


def sla_attainment(
    conversation: Conversation, *, now: dt.datetime | None = None
) -> dict[str, TargetAttainment]:
    """Met or missed per target, for the conversation page and later dashboards. No query when the
    conversation's policy is loaded (``select_related("sla_policy")``) or it has none."""
    now = now or timezone.now()
    policy = conversation.sla_policy if conversation.sla_policy_id else None
    result: dict[str, TargetAttainment] = {}

    due = conversation.first_response_due_at
    if due is None:
        state = NONE
    elif _any_breach(conversation, FIRST):
        state = MISSED
    elif conversation.first_response_at is not None:
        state = MET if conversation.first_response_at <= due else MISSED
    else:
        state = MISSED if now > due else (NONE if conversation.status in STOPPED else RUNNING)
    result[FIRST] = TargetAttainment(FIRST, state, due, conversation.first_response_seconds)

    due = conversation.next_response_due_at
    if _any_breach(conversation, NEXT):
        state = MISSED
    elif due is not None:
        state = MISSED if now > due else RUNNING
    else:
        has_target = policy is not None and policy.next_response_minutes is not None
        state = MET if has_target and conversation.inbound_count > 1 else NONE
    result[NEXT] = TargetAttainment(NEXT, state, due)

    due = conversation.resolution_due_at
    if due is None:
        state = NONE
    elif conversation.status in STOPPED and conversation.resolved_at is not None:
        state = MISSED if _any_breach(conversation, RESOLUTION) or conversation.resolved_at > due else MET
    elif _any_breach(conversation, RESOLUTION):
        state = MISSED
    elif conversation.status == Status.WAITING:
        state = PAUSED  # the deadline moves on when the customer answers
    else:
        state = MISSED if now > due else RUNNING
    result[RESOLUTION] = TargetAttainment(RESOLUTION, state, due, conversation.resolution_seconds)
    return result


def sla_attainment_summary(
    *, workspace: Any, since: dt.datetime, until: dt.datetime, now: dt.datetime | None = None
) -> dict[str, dict[str, int]]:
    """Counts of met/missed/... per target for the conversations opened in [since, until): one query."""
    rows = (
        Conversation.objects.filter(workspace=workspace, created_at__gte=since, created_at__lt=until)
        .select_related("sla_policy")
        .only(
            "status",
            "inbound_count",
            "first_response_at",
            "resolved_at",
            "first_response_seconds",
            "resolution_seconds",
            "sla_breaches",
            "sla_policy",
            *DUE_FIELDS.values(),
        )
    )
    summary = {target: {MET: 0, MISSED: 0, RUNNING: 0, PAUSED: 0, NONE: 0} for target in TARGETS}
    for conversation in rows.iterator(chunk_size=2000):
        for target, attained in sla_attainment(conversation, now=now).items():
            summary[target][attained.state] += 1
    return summary
