"""The minute sweep of SLA deadlines: warnings before, breaches and escalation after.

Every minute (``tasks.sla_sweep_task``) and for each workspace with SLA policies:

* **Warning.** A running deadline whose target is ``warn_percent`` used up (the business time left is at
  most ``(100 - warn_percent)%`` of the target) gets ``sla_warned_at``, an ``SLA_WARNING`` event and the
  automation event ``sla_warning`` (with ``target``). Once per target (per cycle for next response).
* **Breach.** A deadline that has passed is recorded in ``sla_breaches`` with an ``SLA_BREACH`` event, and
  escalated: the team's supervisor, else the workspace's supervisors and admins (else its owners), become
  participants, get an e-mail, and an ``ESCALATED`` event says who. Once per target (per cycle for next).

Both are claimed with a conditional UPDATE, so two sweeps running at once never warn or escalate twice.
A warning is claimed on the deadline the sweep read (``sla_warned_at`` is null for that ``sla_due_at``). A
breach is claimed while some running deadline has passed after the last escalation run on the conversation
(``overdue_q``: ``sla_escalated_at`` older than that deadline): this also catches a resolution deadline
passing while an earlier breached first response is still unanswered. The candidate queries read the
``(workspace, sla_due_at)`` index: every running deadline is at or after ``sla_due_at``, so a range up to
now (or up to a horizon, for warnings) covers them.
"""

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.conversations import automations, services
from mehvar.conversations.member_mail import conversation_lines, members_mail
from mehvar.conversations.models import OPEN_STATUSES, Conversation, Event, SlaPolicy, Status
from mehvar.conversations.sla import MINUTES_FIELDS, NEXT, breach_add, running_deadlines
from mehvar.core.business_calendar import BusinessCalendar, calendar_for_workspace
from mehvar.core.jalali import format_datetime
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Role

logger = logging.getLogger(__name__)
BATCH = 500
TARGET_LABELS = {
    "first": gettext_lazy("first response"),
    "next": gettext_lazy("next response"),
    "resolution": gettext_lazy("resolution"),
}


def sla_sweep(*, now: dt.datetime | None = None, limit: int = BATCH) -> dict[str, int]:
    """Warn, breach and escalate in every workspace that has SLA policies. Returns the counts."""
    now = now or timezone.now()
    totals = {"warned": 0, "breached": 0}
    workspace_ids = SlaPolicy.objects.order_by().values_list("workspace_id", flat=True).distinct()
    for workspace in Workspace.objects.filter(pk__in=list(workspace_ids)):
        try:
            counts = sla_sweep_workspace(workspace=workspace, now=now, limit=limit)
        except Exception:  # one workspace's trouble must not stop the others' escalations
            logger.exception("SLA sweep failed for workspace %s", workspace.pk)
            continue
        for key, value in counts.items():
            totals[key] += value
    return totals


def _horizon(calendar: BusinessCalendar, policies: dict[int, SlaPolicy], now: dt.datetime) -> dt.datetime:
    """No deadline later than this can be inside its warning window now."""
    longest = 0.0
    for policy in policies.values():
        for field in MINUTES_FIELDS.values():
            minutes = getattr(policy, field)
            if minutes:
                longest = max(longest, minutes * (100 - policy.warn_percent) / 100)
    try:
        return calendar.add_business_time(now, dt.timedelta(minutes=longest + 1))
    except ValueError:  # business hours that never open
        return now


def sla_sweep_workspace(*, workspace: Workspace, now: dt.datetime, limit: int = BATCH) -> dict[str, int]:
    calendar = calendar_for_workspace(workspace)
    policies = {p.pk: p for p in SlaPolicy.objects.filter(workspace=workspace)}
    counts = {"warned": 0, "breached": 0}
    overdue = (
        Conversation.objects.filter(overdue_q(now), workspace=workspace)
        .order_by("sla_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(overdue):
        counts["breached"] += _guarded(_breach, workspace, pk, now)
    soon = (
        Conversation.objects.filter(
            workspace=workspace,
            status__in=OPEN_STATUSES,
            sla_due_at__gt=now,
            sla_due_at__lte=_horizon(calendar, policies, now),
            sla_warned_at__isnull=True,
        )
        .order_by("sla_due_at")
        .only("pk", "status", "sla_due_at", "sla_policy", "first_response_at", *_DUE)[:limit]
    )
    for conversation in list(soon):
        target = _nearest_target(conversation)
        policy = policies.get(conversation.sla_policy_id or 0)
        if target is None or policy is None:
            continue
        minutes = getattr(policy, MINUTES_FIELDS[target])
        if not minutes:
            continue
        left = calendar.business_time_between(now, conversation.sla_due_at)
        if left.total_seconds() <= minutes * 60 * (100 - policy.warn_percent) / 100:
            counts["warned"] += _guarded(
                _warn, workspace, conversation.pk, conversation.sla_due_at, target, now
            )
    return counts


def _guarded(step: Callable[..., int], workspace: Workspace, pk: int, *args: Any) -> int:
    """One conversation's trouble (a rule that fails, say) must not hold up the others' escalations."""
    try:
        return step(workspace, pk, *args)
    except Exception:
        logger.exception("SLA sweep: conversation %s failed", pk)
        return 0


_DUE = ("first_response_due_at", "next_response_due_at", "resolution_due_at")


def _nearest_target(conversation: Conversation) -> str | None:
    running = running_deadlines(conversation)
    for target, due in running.items():
        if due == conversation.sla_due_at:
            return target
    return None


def _warn(workspace: Workspace, pk: int, seen_due: dt.datetime, target: str, now: dt.datetime) -> int:
    with transaction.atomic():
        claimed = Conversation.objects.filter(
            workspace=workspace, pk=pk, sla_due_at=seen_due, sla_warned_at__isnull=True
        ).update(sla_warned_at=now)
        if claimed != 1:
            return 0
        warned = Event.objects.filter(
            workspace=workspace, conversation_id=pk, kind=Event.Kind.SLA_WARNING, data__target=target
        )
        if target == NEXT:
            warned = warned.filter(data__due_at=seen_due.isoformat())
        if warned.exists():  # this target was warned about before its deadline moved (a pause)
            return 0
        conversation = Conversation.objects.select_related("workspace", "channel", "customer").get(pk=pk)
        services.event_add(
            conversation=conversation, kind=Event.Kind.SLA_WARNING, target=target, due_at=seen_due.isoformat()
        )
        automations.automations_run(event="sla_warning", conversation=conversation, target=target)
    return 1


def overdue_q(now: dt.datetime) -> Q:
    """Conversations with a running deadline passed since their last escalation run (or never run)."""

    def unhandled(field: str) -> Q:
        return Q(**{f"{field}__lte": now}) & (
            Q(sla_escalated_at__isnull=True) | Q(sla_escalated_at__lt=F(field))
        )

    running = (
        (unhandled("first_response_due_at") & Q(first_response_at__isnull=True))
        | unhandled("next_response_due_at")
        | (unhandled("resolution_due_at") & Q(status__in=[Status.NEW, Status.OPEN]))
    )
    return Q(sla_due_at__lte=now, status__in=OPEN_STATUSES) & running


def _breach(workspace: Workspace, pk: int, now: dt.datetime) -> int:
    with transaction.atomic():
        claimed = Conversation.objects.filter(overdue_q(now), workspace=workspace, pk=pk).update(
            sla_escalated_at=now
        )
        if claimed != 1:
            return 0
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("workspace", "channel", "customer", "team", "assignee__user")
            .get(pk=pk)
        )
        missed = {
            target: due
            for target, due in running_deadlines(conversation).items()
            if due <= now and breach_add(conversation, target, due, now)
        }
        if not missed:
            return 0
        conversation.save(update_fields=["sla_breaches"])
        for target, due in missed.items():
            services.event_add(
                conversation=conversation, kind=Event.Kind.SLA_BREACH, target=target, due_at=due.isoformat()
            )
        escalate(conversation=conversation, targets=list(missed), now=now)
    return len(missed)


def escalation_recipients(conversation: Conversation) -> list[Membership]:
    """The team's supervisor; else the workspace's supervisors and admins; else its owners."""
    team = conversation.team
    if team is not None and team.supervisor_id is not None:
        supervisor = Membership.objects.select_related("user").filter(pk=team.supervisor_id).first()
        if supervisor is not None:
            return [supervisor]
    members = Membership.objects.filter(workspace_id=conversation.workspace_id).select_related("user")
    found = list(members.filter(role__in=[Role.SUPERVISOR, Role.ADMIN]).order_by("pk"))
    return found or list(members.filter(role=Role.OWNER).order_by("pk"))


def escalate(*, conversation: Conversation, targets: list[str], now: dt.datetime) -> list[Membership]:
    """Tell the people who can act that ``targets`` were missed; they join the conversation."""
    recipients = escalation_recipients(conversation)
    if recipients:
        conversation.participants.add(*recipients)
    services.event_add(
        conversation=conversation,
        kind=Event.Kind.ESCALATED,
        targets=targets,
        to=[m.pk for m in recipients],
    )

    def subject() -> str:
        return _("SLA missed on conversation #%(number)s") % {"number": conversation.number}

    def lines() -> list[str]:
        separator = "، " if (translation.get_language() or "fa").startswith("fa") else ", "
        missed = separator.join(str(TARGET_LABELS[t]) for t in targets)
        assignee = conversation.assignee
        who = (assignee.user.get_full_name() or assignee.user.email) if assignee else _("nobody")
        return [
            *conversation_lines(conversation),
            _("Missed: %(targets)s") % {"targets": missed},
            _("Assigned to: %(name)s") % {"name": who},
            _("Noticed at: %(when)s") % {"when": format_datetime(now)},
        ]

    members_mail(members=recipients, subject=subject, lines=lines)
    return recipients
