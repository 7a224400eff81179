"""Monthly roll-ups of responses, invitations and comment topics (models/reports.py).

A month is a Jalali month in Tehran time, written ``yyyymm`` (140409). ``report_months_refresh`` rebuilds
whole months: it deletes the month's rows and inserts its groups again, in one transaction, so a refresh
can run any number of times. Who calls it:

* the nightly task ``survey_rollups_task``: every month that ended since ``SurveySettings.rolled_month``,
  and the month before the current one again (invitations sent late in a month are answered in the next);
* anything that writes into a past month: the import of historic responses, the demo loader.

Reports read the roll-ups up to ``rolled_month`` and the responses themselves after it
(``score_groups`` and friends are those live reads too).
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jdatetime
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from mehvar.channels.models import Channel
from mehvar.core.jalali import TEHRAN, to_jalali
from mehvar.surveys.models import (
    Answer,
    Dimension,
    Invitation,
    InvitationMonth,
    Response,
    ScoreMonth,
    Survey,
    SurveyKind,
    SurveySettings,
    TopicMonth,
)

# Where each dimension's key comes from on a response.
DIMENSION_FIELDS = {
    Dimension.ALL: None,
    Dimension.AGENT: "agent_id",
    Dimension.TEAM: "team_id",
    Dimension.CHANNEL: "channel_kind",
}


# --- Months -----------------------------------------------------------------------------------------------


def month_of(moment: dt.datetime | dt.date) -> int:
    day = to_jalali(moment)
    return day.year * 100 + day.month


def month_start(month: int) -> dt.datetime:
    """The month's first moment (Tehran midnight), as an aware UTC datetime."""
    first = jdatetime.date(month // 100, month % 100, 1).togregorian()
    return dt.datetime.combine(first, dt.time(), tzinfo=TEHRAN).astimezone(dt.UTC)


def month_next(month: int) -> int:
    year, number = divmod(month, 100)
    return (year + 1) * 100 + 1 if number == 12 else month + 1


def month_previous(month: int) -> int:
    year, number = divmod(month, 100)
    return (year - 1) * 100 + 12 if number == 1 else month - 1


def months_between(first: int, last: int) -> list[int]:
    """first..last inclusive (empty when first > last)."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = month_next(month)
    return months


def month_range(first: int, last: int) -> tuple[dt.datetime, dt.datetime]:
    """[start of first, start of the month after last)."""
    return month_start(first), month_start(month_next(last))


def current_month(now: dt.datetime | None = None) -> int:
    return month_of(now or timezone.now())


# --- Groups (also the live reads) -------------------------------------------------------------------------


def _responses(workspace_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[Response]:
    return Response.objects.filter(workspace_id=workspace_id, created_at__gte=start, created_at__lt=end)


def score_groups(
    *,
    workspace_id: int,
    start: dt.datetime,
    end: dt.datetime,
    dimension: str,
    survey_ids: Iterable[int] | None = None,
    comments: bool = False,
) -> list[dict[str, Any]]:
    """Responses in [start, end) per survey, score and the dimension's key:
    ``{"survey_id", "score", "key", "responses", "commented"}`` (commented only with ``comments``)."""
    rows = _responses(workspace_id, start, end)
    if survey_ids is not None:
        rows = rows.filter(survey_id__in=list(survey_ids))
    field = DIMENSION_FIELDS[Dimension(dimension)]
    fields = ["survey_id", "score", *([field] if field else [])]
    counts: dict[str, Any] = {"responses": Count("pk")}
    if comments:
        with_text = Answer.objects.filter(workspace_id=workspace_id, response=OuterRef("pk")).exclude(text="")
        rows = rows.annotate(has_text=Exists(with_text))
        counts["commented"] = Count("pk", filter=Q(has_text=True))
    groups = []
    for row in rows.order_by().values(*fields).annotate(**counts):
        key = row.get(field) if field else ""
        groups.append(
            {
                "survey_id": row["survey_id"],
                "score": row["score"],
                "key": "" if key is None else str(key),
                "responses": row["responses"],
                "commented": row.get("commented", 0),
            }
        )
    return groups


def live_score_groups(
    *,
    workspace_id: int,
    start: dt.datetime,
    end: dt.datetime,
    survey_ids: Iterable[int],
    where: Q | None = None,
) -> list[dict[str, Any]]:
    """Responses in [start, end) per score, agent, team and channel in one grouped read (the current month
    of a report: an index-only scan of ``response_ws_time`` on PostgreSQL). Keys are strings as in the
    roll-ups ("" for none)."""
    rows = _responses(workspace_id, start, end).filter(survey_id__in=list(survey_ids))
    if where is not None:
        rows = rows.filter(where)
    return [
        {
            "score": row["score"],
            Dimension.AGENT: "" if row["agent_id"] is None else str(row["agent_id"]),
            Dimension.TEAM: "" if row["team_id"] is None else str(row["team_id"]),
            Dimension.CHANNEL: row["channel_kind"] or "",
            "responses": row["responses"],
        }
        for row in rows.order_by()
        .values("score", "agent_id", "team_id", "channel_kind")
        .annotate(responses=Count("pk"))
    ]


def invitation_groups(
    *, workspace_id: int, start: dt.datetime, end: dt.datetime, survey_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Invitations sent in [start, end) per survey and channel, and how many were answered (an index-only
    scan of ``invitation_ws_sent`` on PostgreSQL; channels are named after the grouping)."""
    rows = Invitation.objects.filter(workspace_id=workspace_id, sent_at__gte=start, sent_at__lt=end)
    if survey_ids is not None:
        rows = rows.filter(survey_id__in=list(survey_ids))
    groups = list(
        rows.order_by()
        .values("survey_id", "channel_id")
        .annotate(sent=Count("survey_id"), answered=Count("answered_at"))
    )
    kinds = dict(
        Channel.objects.filter(
            workspace_id=workspace_id, pk__in={g["channel_id"] for g in groups}
        ).values_list("pk", "kind")
    )
    merged: Counter[tuple[int, str]] = Counter()
    answered: Counter[tuple[int, str]] = Counter()
    for group in groups:
        key = (group["survey_id"], kinds.get(group["channel_id"], ""))
        merged[key] += group["sent"]
        answered[key] += group["answered"]
    return [
        {"survey_id": survey_id, "channel_kind": kind, "sent": sent, "answered": answered[(survey_id, kind)]}
        for (survey_id, kind), sent in merged.items()
    ]


def topic_groups(
    *, workspace_id: int, start: dt.datetime, end: dt.datetime, survey_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Comments of responses given in [start, end) per survey, topic, the response's score, sentiment."""
    answers = Answer.objects.filter(
        workspace_id=workspace_id,
        response__workspace_id=workspace_id,
        response__created_at__gte=start,
        response__created_at__lt=end,
        created_at__gte=start,  # an answer is never older than its response: lets the answer index bound it
    ).exclude(text="")
    if survey_ids is not None:
        answers = answers.filter(response__survey_id__in=list(survey_ids))
    counts: Counter[tuple[int, str, int | None, str]] = Counter()
    for survey_id, score, sentiment, topics in answers.values_list(
        "response__survey_id", "response__score", "sentiment", "topics"
    ).iterator(chunk_size=5000):
        for topic in topics or ():
            counts[(survey_id, str(topic)[:40], score, sentiment or "")] += 1
    return [
        {"survey_id": survey_id, "topic": topic, "score": score, "sentiment": sentiment, "comments": n}
        for (survey_id, topic, score, sentiment), n in counts.items()
    ]


# --- Refresh ----------------------------------------------------------------------------------------------


def report_months_refresh(
    *, workspace_id: int, months: Iterable[int], until: dt.datetime | None = None
) -> None:
    """Rebuild these months' roll-ups from the responses, invitations and comments stored now, counting
    what was given before ``until`` (the watermark: reports read what came after it live).

    eNPS surveys are left out: their answers are shown only on the pulse page, under its minimum group
    rule (docs/enps.md), never by team in a report."""
    ids = list(
        Survey.objects.filter(workspace_id=workspace_id)
        .exclude(kind=SurveyKind.ENPS)
        .values_list("pk", flat=True)
    )
    for month in sorted(set(months)):
        start, end = month_range(month, month)
        if until is not None:
            end = max(start, min(end, until))
        with transaction.atomic():
            for model in (ScoreMonth, InvitationMonth, TopicMonth):
                model.objects.filter(workspace_id=workspace_id, month=month).delete()
            scores = [
                ScoreMonth(workspace_id=workspace_id, month=month, dimension=dimension, **group)
                for dimension in DIMENSION_FIELDS
                for group in score_groups(
                    workspace_id=workspace_id,
                    start=start,
                    end=end,
                    dimension=dimension,
                    survey_ids=ids,
                    comments=True,
                )
            ]
            ScoreMonth.objects.bulk_create(scores, batch_size=2000)
            InvitationMonth.objects.bulk_create(
                [
                    InvitationMonth(workspace_id=workspace_id, month=month, **group)
                    for group in invitation_groups(
                        workspace_id=workspace_id, start=start, end=end, survey_ids=ids
                    )
                ],
                batch_size=2000,
            )
            TopicMonth.objects.bulk_create(
                [
                    TopicMonth(workspace_id=workspace_id, month=month, **group)
                    for group in topic_groups(workspace_id=workspace_id, start=start, end=end, survey_ids=ids)
                ],
                batch_size=2000,
            )


LiveRange = tuple[int, dt.datetime, dt.datetime]  # (month, start, end)


@dataclass(frozen=True)
class RollState:
    """How far the roll-ups go: whole months up to ``month``; with ``at``, ``month`` only up to that moment
    (the current month is rolled up every few minutes and what came after ``at`` is read live)."""

    month: int | None = None
    at: dt.datetime | None = None

    def live_ranges(
        self, months: Iterable[int]
    ) -> tuple[list[int], list[tuple[int, dt.datetime, dt.datetime]]]:
        """The months read from the roll-ups, and (month, start, end) ranges read from the responses."""
        rolled: list[int] = []
        live: list[LiveRange] = []
        for month in months:
            start, end = month_range(month, month)
            if self.month is None or month > self.month:
                live.append((month, start, end))
                continue
            rolled.append(month)
            if month == self.month and self.at is not None and self.at < end:
                live.append((month, max(start, self.at), end))
        return rolled, live


def roll_state(workspace_id: int) -> RollState:
    row = (
        SurveySettings.objects.filter(workspace_id=workspace_id)
        .values_list("rolled_month", "rolled_at")
        .first()
    )
    return RollState(*row) if row else RollState()


def report_moments_refresh(*, workspace_id: int, moments: Iterable[dt.datetime]) -> None:
    """Refresh the rolled-up months these moments fall in (what is after the watermark is read live and
    needs nothing). What an import of historic responses calls with the responses' times."""
    state = roll_state(workspace_id)
    if state.month is None:
        return
    months = {month_of(moment) for moment in moments}
    report_months_refresh(
        workspace_id=workspace_id, months=[m for m in months if m <= state.month], until=state.at
    )


def rolled_month(workspace_id: int) -> int | None:
    return roll_state(workspace_id).month


def _first_month(workspace_id: int) -> int | None:
    firsts = [
        Response.objects.filter(workspace_id=workspace_id).aggregate(first=Min("created_at"))["first"],
        Invitation.objects.filter(workspace_id=workspace_id).aggregate(first=Min("sent_at"))["first"],
    ]
    moments = [moment for moment in firsts if moment is not None]
    return month_of(min(moments)) if moments else None


def workspace_rollup(*, workspace_id: int, now: dt.datetime | None = None) -> list[int]:
    """Roll up every month not rolled up yet and the current one up to ``now`` (the new watermark); the
    month before the current one again once a day (invitations sent late in a month are answered in the
    next). The months refreshed."""
    now = now or timezone.now()
    current = current_month(now)
    state = roll_state(workspace_id)
    first = month_next(state.month) if state.month is not None else _first_month(workspace_id)
    if first is None:  # nothing to count yet
        return []
    months = set(months_between(min(first, current), current)) | {current}
    if state.at is None or timezone.localdate(state.at) != timezone.localdate(now):
        months.add(month_previous(current))
    if state.month is None:
        months = {m for m in months if m >= first}
    report_months_refresh(workspace_id=workspace_id, months=months, until=now)
    SurveySettings.objects.update_or_create(
        workspace_id=workspace_id, defaults={"rolled_month": current, "rolled_at": now}
    )
    return sorted(months)
