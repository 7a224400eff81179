"""The CX leader's backlog: open conversations by age, per team and agent, and bulk reassignment.

A conversation's age is the time since it was opened (``created_at``); the buckets are < 1 hour, 1–4 hours,
4–24 hours, 1–3 days and > 3 days. The matrix is one grouped query however large the backlog; the list under
it is keyset-paged, oldest first. Reassigning many conversations at once goes through the one assignment
service for each, inside one transaction: all are moved, each with its event, audit entry and reason, or none.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.conversations import services
from mehvar.conversations.models import Conversation, Team
from mehvar.conversations.selectors import OPEN_STATUSES
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has

HOUR = dt.timedelta(hours=1)
# (key, label, youngest age, oldest age): a conversation is in the bucket when young <= age < old.
BUCKETS: tuple[tuple[str, Any, dt.timedelta, dt.timedelta | None], ...] = (
    ("h1", gettext_lazy("Under 1 hour"), dt.timedelta(0), HOUR),
    ("h4", gettext_lazy("1–4 hours"), HOUR, 4 * HOUR),
    ("h24", gettext_lazy("4–24 hours"), 4 * HOUR, 24 * HOUR),
    ("d3", gettext_lazy("1–3 days"), 24 * HOUR, 72 * HOUR),
    ("old", gettext_lazy("Over 3 days"), 72 * HOUR, None),
)
BUCKET_KEYS = tuple(key for key, *_rest in BUCKETS)


def bucket_q(key: str, now: dt.datetime) -> Q:
    for name, _label, young, old in BUCKETS:
        if name == key:
            condition = Q(created_at__lte=now - young)
            if old is not None:
                condition &= Q(created_at__gt=now - old)
            return condition
    raise ValidationError({"bucket": ValidationError(_("Unknown age bucket."), code="invalid")})


def open_backlog(*, workspace: Workspace) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        workspace=workspace, status__in=OPEN_STATUSES, merged_into__isnull=True
    )


@dataclass
class BacklogRow:
    team_id: int | None
    assignee_id: int | None
    counts: list[int]
    total: int

    @property
    def cells(self) -> list[tuple[str, int]]:
        return list(zip(BUCKET_KEYS, self.counts, strict=True))


@dataclass
class BacklogTeam:
    """A team's part of the backlog (``team`` None: conversations without a team) and its agents' rows."""

    team: Team | None
    rows: list[tuple[Membership | None, BacklogRow]] = field(default_factory=list)
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    total: int = 0


def backlog_matrix(
    *,
    workspace: Workspace,
    teams: Mapping[int, Team],
    members: Mapping[int, Membership],
    now: dt.datetime | None = None,
) -> tuple[list[BacklogTeam], list[int], int]:
    """Counts of open conversations per team, agent and age bucket (one query), with team and grand totals.

    ``teams`` and ``members`` (by pk) name the rows; a team or member not in them (deleted meanwhile) is
    shown without a name rather than dropped.
    """
    now = now or timezone.now()
    aggregates = {key: Count("pk", filter=bucket_q(key, now)) for key in BUCKET_KEYS}
    grouped = (
        open_backlog(workspace=workspace)
        .values("team_id", "assignee_id")
        .annotate(total=Count("pk"), **aggregates)
        .order_by()
    )
    sections: dict[int | None, BacklogTeam] = {}
    totals = [0] * len(BUCKETS)
    grand = 0
    for group in grouped:
        row = BacklogRow(
            team_id=group["team_id"],
            assignee_id=group["assignee_id"],
            counts=[group[key] for key in BUCKET_KEYS],
            total=group["total"],
        )
        section = sections.setdefault(row.team_id, BacklogTeam(team=teams.get(row.team_id or 0)))
        section.rows.append((members.get(row.assignee_id or 0), row))
        section.counts = [a + b for a, b in zip(section.counts, row.counts, strict=True)]
        section.total += row.total
        totals = [a + b for a, b in zip(totals, row.counts, strict=True)]
        grand += row.total

    def member_order(item: tuple[Membership | None, BacklogRow]) -> tuple[int, str]:
        member = item[0]
        if member is None:
            return (0 if item[1].assignee_id is None else 2, "")
        return (1, member.user.get_full_name() or member.user.email)

    for section in sections.values():
        section.rows.sort(key=member_order)
    ordered = sorted(sections.values(), key=lambda s: (s.team is None, s.team.name if s.team else ""))
    return ordered, totals, grand


def backlog_conversations(
    *, workspace: Workspace, filters: Mapping[str, Any], now: dt.datetime | None = None
) -> QuerySet[Conversation]:
    """Open conversations, oldest first, in a bucket / of a team ("none": without) / of an agent ("none")."""
    now = now or timezone.now()
    rows = open_backlog(workspace=workspace)
    if filters.get("bucket"):
        rows = rows.filter(bucket_q(filters["bucket"], now))
    team = filters.get("team")
    if team == "none":
        rows = rows.filter(team__isnull=True)
    elif team:
        rows = rows.filter(team=team)
    assignee = filters.get("assignee")
    if assignee == "none":
        rows = rows.filter(assignee__isnull=True)
    elif assignee:
        rows = rows.filter(assignee=assignee)
    return rows.select_related("customer", "channel", "assignee__user", "team")


@transaction.atomic
def conversations_reassign(
    *,
    acting: Membership,
    ids: Sequence[int],
    assignee: Membership | None,
    team: Team | bool | None = False,
    reason: str = "",
) -> int:
    """Give each of these conversations to ``assignee`` (None: nobody) and/or ``team`` (False: unchanged).

    All or nothing: an id that is not a conversation of the workspace refuses the whole request, naming the
    field. Returns how many were reassigned.
    """
    if not role_has(acting.role, Perm.CONVERSATIONS_ASSIGN):
        raise PermissionDenied
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationError(
            {"ids": ValidationError(_("Select at least one conversation."), code="required")}
        )
    rows = list(
        Conversation.objects.filter(workspace_id=acting.workspace_id, pk__in=wanted)
        .select_related("workspace", "channel", "customer")
        .order_by("pk")
    )
    if len(rows) != len(wanted):
        raise ValidationError(
            {
                "ids": ValidationError(
                    _("Some of the selected conversations do not exist here."), code="invalid"
                )
            }
        )
    reason = reason.strip() or _("Reassigned from the backlog by %(name)s") % {
        "name": acting.user.get_full_name() or acting.user.email
    }
    for conversation in rows:
        services.conversation_assign(
            conversation=conversation, assignee=assignee, acting=acting, team=team, reason=reason
        )
    return len(rows)
