"""Reads for surveys: always inside one workspace."""

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.tenancy import get_in_workspace
from mehvar.surveys.models import Invitation, RecoveryStatus, RecoveryTask, Response, Survey


def _count(model: Any, **filters: Any) -> Coalesce:
    rows = (
        model.objects.filter(workspace_id=OuterRef("workspace_id"), survey_id=OuterRef("pk"), **filters)
        .order_by()
        .values("survey_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def surveys_of(*, workspace: Workspace) -> QuerySet[Survey]:
    """The workspace's surveys, active first, with how many invitations went out and responses came back."""
    return (
        Survey.objects.filter(workspace=workspace)
        .annotate(sent_count=_count(Invitation, sent_at__isnull=False), response_count=_count(Response))
        .order_by("-active", "-updated_at", "-pk")
    )


def survey_get(*, workspace: Workspace, pk: Any) -> Survey:
    return get_in_workspace(Survey, workspace, pk=pk)


@dataclass(frozen=True)
class SurveyFigures:
    sent: int
    responses: int
    response_rate: float | None  # 0..1
    nps: float | None  # −100..100 (NPS surveys)
    promoters: int
    passives: int
    detractors: int


def survey_figures(*, survey: Survey) -> SurveyFigures:
    """Sent, responses, response rate and, for NPS, the score and its three groups (2 queries)."""
    sent = Invitation.objects.filter(
        workspace_id=survey.workspace_id, survey=survey, sent_at__isnull=False
    ).count()
    groups = Response.objects.filter(workspace_id=survey.workspace_id, survey=survey).aggregate(
        total=Count("pk"),
        promoters=Count("pk", filter=Q(score__gte=9)),
        passives=Count("pk", filter=Q(score__in=[7, 8])),
        detractors=Count("pk", filter=Q(score__lte=6)),
    )
    scored = groups["promoters"] + groups["passives"] + groups["detractors"]
    nps = None
    if survey.kind in ("nps", "enps") and scored:
        nps = round(100 * (groups["promoters"] - groups["detractors"]) / scored, 1)
    identified = (
        Response.objects.filter(
            workspace_id=survey.workspace_id, survey=survey, invitation__isnull=False
        ).count()
        if not survey.anonymous
        else groups["total"]
    )
    return SurveyFigures(
        sent=sent,
        responses=groups["total"],
        response_rate=(identified / sent) if sent else None,
        nps=nps,
        promoters=groups["promoters"],
        passives=groups["passives"],
        detractors=groups["detractors"],
    )


RECOVERY_SCOPES = ("mine", "team", "open", "overdue", "done")


def recovery_tasks_for(*, member: Membership, scope: str = "mine") -> QuerySet[RecoveryTask]:
    """Recovery tasks the member may see, for one scope: ``mine`` (owned, open), ``team`` (their teams'
    tasks without an owner), and for those who manage surveys ``open``, ``overdue`` and ``done``. Soonest
    deadline first (latest closed first for ``done``)."""
    tasks = RecoveryTask.objects.filter(workspace_id=member.workspace_id).select_related(
        "customer", "owner__user", "team", "survey", "closed_by__user", "conversation", "resurvey"
    )
    manager = role_has(member.role, Perm.SURVEYS_MANAGE)
    if scope == "team":
        from mehvar.conversations.models import Team

        teams = Team.objects.filter(workspace_id=member.workspace_id, members=member)
        tasks = tasks.filter(owner__isnull=True, team__in=teams, status=RecoveryStatus.OPEN)
    elif scope in ("open", "overdue", "done") and manager:
        tasks = tasks.filter(status=RecoveryStatus.DONE if scope == "done" else RecoveryStatus.OPEN)
        if scope == "overdue":
            tasks = tasks.filter(due_at__lt=timezone.now())
    else:
        tasks = tasks.filter(owner=member, status=RecoveryStatus.OPEN)
    if scope == "done":
        return tasks.order_by("-closed_at", "-pk")
    return tasks.order_by("due_at", "pk")


def recovery_task_get(*, workspace: Workspace, pk: Any) -> RecoveryTask:
    return get_in_workspace(
        RecoveryTask.objects.select_related(
            "customer",
            "owner__user",
            "team",
            "survey",
            "response",
            "closed_by__user",
            "conversation",
            "resurvey",
        ),
        workspace,
        pk=pk,
    )


def recovery_counts(*, member: Membership) -> dict[str, int]:
    """How many tasks each scope holds, in one query."""
    from mehvar.conversations.models import Team

    now = timezone.now()
    teams = Team.objects.filter(workspace_id=member.workspace_id, members=member)
    return RecoveryTask.objects.filter(workspace_id=member.workspace_id).aggregate(
        mine=Count("pk", filter=Q(owner=member, status=RecoveryStatus.OPEN)),
        team=Count("pk", filter=Q(owner__isnull=True, team__in=teams, status=RecoveryStatus.OPEN)),
        open=Count("pk", filter=Q(status=RecoveryStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=RecoveryStatus.OPEN, due_at__lt=now)),
        done=Count("pk", filter=Q(status=RecoveryStatus.DONE)),
    )


@dataclass(frozen=True)
class LoopFigures:
    opened: int
    closed: int
    closure_rate: float | None  # closed / opened, 0..1
    closed_on_time: int  # closed before the deadline
    median_hours_to_close: float | None
    mean_hours_to_close: float | None


def recovery_loop_figures(
    *, workspace: Workspace, since: dt.datetime, until: dt.datetime | None = None
) -> LoopFigures:
    """Loop closure for the tasks opened in [since, until): how many were closed, how many on time, and the
    time to close (wall-clock hours) as median and mean."""
    until = until or timezone.now()
    tasks = RecoveryTask.objects.filter(workspace=workspace, created_at__gte=since, created_at__lt=until)
    rows = list(tasks.values_list("status", "created_at", "closed_at", "due_at"))
    closed = [
        (created, closed_at, due) for status, created, closed_at, due in rows if status == RecoveryStatus.DONE
    ]
    hours = [(closed_at - created).total_seconds() / 3600 for created, closed_at, _due in closed if closed_at]
    return LoopFigures(
        opened=len(rows),
        closed=len(closed),
        closure_rate=(len(closed) / len(rows)) if rows else None,
        closed_on_time=sum(1 for _c, closed_at, due in closed if closed_at and closed_at <= due),
        median_hours_to_close=round(statistics.median(hours), 2) if hours else None,
        mean_hours_to_close=round(statistics.fmean(hours), 2) if hours else None,
    )


def customer_has_open_recovery(*, workspace: Workspace, customer_id: int) -> bool:
    return RecoveryTask.objects.filter(
        workspace=workspace, customer_id=customer_id, status=RecoveryStatus.OPEN
    ).exists()
