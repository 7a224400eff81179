"""The figures of the survey reports, always inside one workspace.

Counts come from the monthly roll-ups up to ``SurveySettings.rolled_month`` and from the responses
themselves after it (``rollups.score_groups`` and friends, one query per live month), so a report over a
million responses reads a few thousand rows. Every figure keeps what it was computed from, so a page can
link any number to the responses behind it (``responses_page``).

* NPS: promoters (9–10) minus detractors (0–6), in points; its 95% confidence interval from the variance
  of the score coded +1 / 0 / −1: se = √((p + d − (p − d)²) / n).
* CSAT: the share of 4 and 5 among answers 1–5, and the mean. CES: the mean on 1–7, and the share of 5–7
  ("easy").
* Response rate: invitations answered ÷ invitations sent, by the month they were sent.
* Drivers: per topic, how many comments of low scorers (NPS detractors, CSAT 1–2, CES 1–3) mention it, the
  share of those comments, and the lift: how much more often low scorers mention it than everyone does.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum

from mehvar.core.models import Membership, Workspace
from mehvar.core.selectors import TimeCursor
from mehvar.surveys.models import (
    Answer,
    Dimension,
    InvitationMonth,
    Question,
    Response,
    ScoreMonth,
    Survey,
    SurveyKind,
    TopicMonth,
)
from mehvar.surveys.reports import rollups
from mehvar.surveys.reports.rollups import month_range, months_between

PAGE_SIZE = 25
DEFAULT_MONTHS = 12
Z95 = 1.96
SMALL_SAMPLE = 30  # fewer responses than this: the figure is shown with a warning

# Score groups per survey kind: (low, high) inclusive bounds on the first score question.
GROUPS: dict[str, dict[str, tuple[int, int]]] = {
    SurveyKind.NPS: {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)},
    SurveyKind.CSAT: {"low": (1, 2), "neutral": (3, 3), "high": (4, 5)},
    SurveyKind.CES: {"low": (1, 3), "neutral": (4, 4), "high": (5, 7)},
}
LOW_GROUP = {SurveyKind.NPS: "detractor", SurveyKind.CSAT: "low", SurveyKind.CES: "low"}
REPORT_KINDS = (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)


# --- Filters ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One slice of the responses: every response (``all``), or one agent, team or channel."""

    dimension: str = Dimension.ALL
    key: str = ""

    @classmethod
    def parse(cls, value: str) -> "Segment":
        """``channel:sms``, ``team:4``, ``agent:12``; ValueError for anything else."""
        if not value:
            return cls()
        dimension, _sep, key = value.partition(":")
        if dimension not in (Dimension.AGENT, Dimension.TEAM, Dimension.CHANNEL) or not key:
            raise ValueError(value)
        if dimension != Dimension.CHANNEL and not key.isdigit():
            raise ValueError(value)
        return cls(dimension, key)

    def encode(self) -> str:
        return "" if self.dimension == Dimension.ALL else f"{self.dimension}:{self.key}"

    def response_filter(self) -> Q:
        field = rollups.DIMENSION_FIELDS[Dimension(self.dimension)]
        return Q() if field is None else Q(**{field: self.key})


@dataclass(frozen=True)
class Filters:
    first: int  # Jalali month yyyymm
    last: int
    survey_id: int | None = None
    segment: Segment = field(default_factory=Segment)

    @property
    def months(self) -> list[int]:
        return months_between(self.first, self.last)

    @property
    def span(self) -> tuple[dt.datetime, dt.datetime]:
        return month_range(self.first, self.last)


def default_filters(now: dt.datetime | None = None) -> Filters:
    last = rollups.current_month(now)
    first = last
    for _ in range(DEFAULT_MONTHS - 1):
        first = rollups.month_previous(first)
    return Filters(first=first, last=last)


def surveys_for(*, workspace: Workspace, kind: str, survey_id: int | None = None) -> list[Survey]:
    rows = Survey.objects.filter(workspace=workspace, kind=kind).order_by("-active", "-pk")
    if survey_id is not None:
        rows = rows.filter(pk=survey_id)
    return list(rows)


def report_surveys(*, workspace: Workspace) -> list[Survey]:
    """Surveys a report can be narrowed to (eNPS has its own page with its minimum group rule)."""
    return list(
        Survey.objects.filter(workspace=workspace, kind__in=REPORT_KINDS).order_by("kind", "-active", "-pk")
    )


# --- Reading counts ---------------------------------------------------------------------------------------


def _state(workspace: Workspace) -> rollups.RollState:
    """How far the roll-ups go, read once for a report that reads several figures."""
    return rollups.roll_state(workspace.pk)


BREAKDOWNS = (Dimension.CHANNEL, Dimension.TEAM, Dimension.AGENT)
Scores = dict[int | None, int]


@dataclass
class ScoreTables:
    """Responses per score: per Jalali month (in the filters' segment), and per key of each breakdown
    dimension over the whole period (without a segment)."""

    months: dict[int, Scores] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    breakdowns: dict[str, dict[str, Scores]] = field(
        default_factory=lambda: {d: defaultdict(lambda: defaultdict(int)) for d in BREAKDOWNS}
    )


def score_tables(
    *,
    workspace: Workspace,
    survey_ids: list[int],
    filters: Filters,
    breakdowns: bool = True,
    state: rollups.RollState | None = None,
) -> ScoreTables:
    """The counts a kind report is drawn from, in at most two roll-up queries and one live query per month
    after the last roll-up. With a segment, the months count only its responses and there are no
    breakdowns (a segment and a breakdown by another dimension do not combine)."""
    tables = ScoreTables()
    if not survey_ids:
        return tables
    segment = filters.segment
    breakdowns = breakdowns and segment.dimension == Dimension.ALL
    rolled, live = (state or _state(workspace)).live_ranges(filters.months)
    if rolled:
        rows = ScoreMonth.objects.filter(
            workspace=workspace, month__gte=rolled[0], month__lte=rolled[-1], survey_id__in=survey_ids
        ).order_by()
        mine = rows.filter(dimension=segment.dimension)
        if segment.dimension != Dimension.ALL:
            mine = mine.filter(key=segment.key)
        for row in mine.values("month", "score").annotate(n=Sum("responses")):
            tables.months[row["month"]][row["score"]] += row["n"]
        if breakdowns:
            by_key = rows.filter(dimension__in=BREAKDOWNS).values("dimension", "key", "score")
            for row in by_key.annotate(n=Sum("responses")):
                tables.breakdowns[row["dimension"]][row["key"]][row["score"]] += row["n"]
    for month, start, end in live:
        for row in rollups.live_score_groups(
            workspace_id=workspace.pk,
            start=start,
            end=end,
            survey_ids=survey_ids,
            where=segment.response_filter(),
        ):
            n, score = row["responses"], row["score"]
            tables.months[month][score] += n
            if breakdowns:
                for dimension in BREAKDOWNS:
                    tables.breakdowns[dimension][row[dimension]][score] += n
    return tables


# --- Figures ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One row of a report: the counts per score group and the kind's headline figure."""

    label: str
    key: Any  # the month, or the segment key; what the drill-down link filters on
    kind: str
    responses: int
    groups: dict[str, int]
    value: float | None  # NPS points, CSAT % satisfied, CES mean
    low: float | None = None  # 95% interval (NPS)
    high: float | None = None
    mean: float | None = None

    @property
    def small(self) -> bool:
        return 0 < self.responses < SMALL_SAMPLE

    def share(self, group: str) -> float | None:
        return (self.groups.get(group, 0) / self.responses) if self.responses else None

    @property
    def shares(self) -> list[tuple[str, int, int | None]]:
        """(group, count, whole percent or None) per score group, in the kind's order."""
        rows = []
        for name in GROUPS[self.kind]:
            share = self.share(name)
            rows.append((name, self.groups.get(name, 0), None if share is None else round(100 * share)))
        return rows


def figure(kind: str, label: str, key: Any, by_score: dict[int | None, int]) -> Figure:
    groups = dict.fromkeys(GROUPS[kind], 0)
    total = weighted = 0
    for score, n in by_score.items():
        if score is None:
            continue
        for name, (low, high) in GROUPS[kind].items():
            if low <= score <= high:
                groups[name] += n
                total += n
                weighted += score * n
                break
    if not total:
        return Figure(label, key, kind, 0, groups, None)
    mean = weighted / total
    if kind == SurveyKind.NPS:
        p, d = groups["promoter"] / total, groups["detractor"] / total
        nps = 100 * (p - d)
        se = math.sqrt(max(p + d - (p - d) ** 2, 0.0) / total)
        margin = 100 * Z95 * se
        return Figure(
            label, key, kind, total, groups, round(nps, 1),
            round(max(nps - margin, -100.0), 1), round(min(nps + margin, 100.0), 1), mean,
        )  # fmt: skip
    if kind == SurveyKind.CSAT:
        return Figure(label, key, kind, total, groups, round(100 * groups["high"] / total, 1), mean=mean)
    return Figure(label, key, kind, total, groups, round(mean, 2), mean=mean)


@dataclass
class KindReport:
    kind: str
    surveys: list[Survey]
    total: Figure
    months: list[Figure]
    by_channel: list[Figure] = field(default_factory=list)
    by_team: list[Figure] = field(default_factory=list)
    by_agent: list[Figure] = field(default_factory=list)


def kind_report(
    *,
    workspace: Workspace,
    kind: str,
    filters: Filters,
    breakdowns: bool = True,
    labels: dict[tuple[str, str], str] | None = None,
) -> KindReport:
    """The NPS, CSAT or CES report: the period's figure, one per Jalali month, and by channel/team/agent
    (``labels``: the segment names when the caller has read them already)."""
    from mehvar.core.jalali import month_name

    surveys = surveys_for(workspace=workspace, kind=kind, survey_id=filters.survey_id)
    ids = [survey.pk for survey in surveys]
    tables = score_tables(workspace=workspace, survey_ids=ids, filters=filters, breakdowns=breakdowns)
    months = [
        figure(kind, f"{month_name(month % 100)} {month // 100}", month, tables.months.get(month, {}))
        for month in filters.months
    ]
    everything: Scores = defaultdict(int)
    for month in filters.months:
        for score, n in tables.months.get(month, {}).items():
            everything[score] += n
    report = KindReport(kind, surveys, figure(kind, "", None, everything), months)
    if any(tables.breakdowns[d] for d in BREAKDOWNS):
        labels = labels if labels is not None else segment_labels(workspace=workspace)
        for by, target in (
            (Dimension.CHANNEL, report.by_channel),
            (Dimension.TEAM, report.by_team),
            (Dimension.AGENT, report.by_agent),
        ):
            rows = [
                figure(kind, labels.get((by, key), key or "—"), Segment(by, key).encode() if key else "", n)
                for key, n in tables.breakdowns[by].items()
            ]
            target.extend(sorted(rows, key=lambda row: (-(row.value or -1000), -row.responses)))
    return report


def segment_labels(*, workspace: Workspace) -> dict[tuple[str, str], str]:
    """Readable names of every segment key: channels by kind, teams and agents by id."""
    from mehvar.channels.models import ChannelKind
    from mehvar.conversations.models import Team

    labels: dict[tuple[str, str], str] = {
        (Dimension.CHANNEL, str(value)): str(label) for value, label in ChannelKind.choices
    }
    for pk, name in Team.objects.filter(workspace=workspace).values_list("pk", "name"):
        labels[(Dimension.TEAM, str(pk))] = name
    for pk, name, email in Membership.objects.filter(workspace=workspace).values_list(
        "pk", "user__full_name", "user__email"
    ):
        labels[(Dimension.AGENT, str(pk))] = name or email
    return labels


def segment_choices(
    *, workspace: Workspace, labels: dict[tuple[str, str], str] | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The segment filter's options, grouped (channel, team, agent)."""
    labels = labels if labels is not None else segment_labels(workspace=workspace)
    grouped: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (dimension, key), label in sorted(labels.items(), key=lambda item: (item[0][0], item[1])):
        grouped[dimension].append((f"{dimension}:{key}", label))
    return [
        (dimension, grouped[dimension]) for dimension in (Dimension.CHANNEL, Dimension.TEAM, Dimension.AGENT)
    ]


# --- Response rates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    label: str
    key: Any
    sent: int
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


@dataclass
class RatesReport:
    total: Rate
    months: list[Rate]
    by_channel: list[Rate]


def rates_report(
    *, workspace: Workspace, filters: Filters, labels: dict[tuple[str, str], str] | None = None
) -> RatesReport:
    """Invitations sent and answered, by the Jalali month they were sent in and by channel."""
    ids = (
        [filters.survey_id]
        if filters.survey_id is not None
        else [s.pk for s in report_surveys(workspace=workspace)]
    )
    per_month: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_channel: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rolled, live = _state(workspace).live_ranges(filters.months)
    rows: list[dict[str, Any]] = []
    if rolled and ids:
        rows += list(
            InvitationMonth.objects.filter(
                workspace=workspace, month__gte=rolled[0], month__lte=rolled[-1], survey_id__in=ids
            )
            .order_by()
            .values("month", "channel_kind")
            .annotate(sent=Sum("sent"), answered=Sum("answered"))
        )
    for month, start, end in live if ids else ():
        for row in rollups.invitation_groups(workspace_id=workspace.pk, start=start, end=end, survey_ids=ids):
            rows.append({**row, "month": month})
    wanted = filters.segment.key if filters.segment.dimension == Dimension.CHANNEL else None
    for row in rows:
        if wanted is not None and row["channel_kind"] != wanted:
            continue
        for bucket in (per_month[row["month"]], per_channel[row["channel_kind"]]):
            bucket[0] += row["sent"]
            bucket[1] += row["answered"]
    from mehvar.core.jalali import month_name

    labels = segment_labels(workspace=workspace)
    months = [Rate(f"{month_name(m % 100)} {m // 100}", m, *per_month.get(m, [0, 0])) for m in filters.months]
    channels = [
        Rate(labels.get((Dimension.CHANNEL, kind), kind or "—"), kind, sent, answered)
        for kind, (sent, answered) in sorted(per_channel.items(), key=lambda item: -item[1][0])
    ]
    total = Rate("", None, sum(r.sent for r in months), sum(r.answered for r in months))
    return RatesReport(total, months, channels)


# --- Drivers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Driver:
    topic: str
    comments: int  # comments mentioning the topic
    low: int  # of which from low scorers
    negative: int  # of which negative
    low_share: float  # share of the low scorers' comments that mention the topic
    lift: float | None  # low_share ÷ the topic's share among all comments
    verbatims: list[Answer] = field(default_factory=list)

    @property
    def label(self) -> str:
        from mehvar.feedback.topics import topic_label

        return topic_label(self.topic)


def drivers_report(
    *, workspace: Workspace, kind: str, filters: Filters, verbatims: int = 3
) -> tuple[list[Driver], int]:
    """The topics that drive low scores, most mentioned by low scorers first, with recent verbatims; and the
    number of low scorers' comments with a topic in the period."""
    surveys = surveys_for(workspace=workspace, kind=kind, survey_id=filters.survey_id)
    ids = [s.pk for s in surveys]
    if not ids:
        return [], 0
    low_bounds = GROUPS[kind][LOW_GROUP[kind]]
    rolled, live = _state(workspace).live_ranges(filters.months)
    rows: list[dict[str, Any]] = []
    if rolled:
        rows += list(
            TopicMonth.objects.filter(
                workspace=workspace, month__gte=rolled[0], month__lte=rolled[-1], survey_id__in=ids
            )
            .order_by()
            .values("topic", "score", "sentiment")
            .annotate(comments=Sum("comments"))
        )
    for _month, start, end in live:
        rows += rollups.topic_groups(workspace_id=workspace.pk, start=start, end=end, survey_ids=ids)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        entry = totals[row["topic"]]
        entry[0] += row["comments"]
        if row["score"] is not None and low_bounds[0] <= row["score"] <= low_bounds[1]:
            entry[1] += row["comments"]
        if row["sentiment"] == "negative":
            entry[2] += row["comments"]
    all_mentions = sum(entry[0] for entry in totals.values())
    low_mentions = sum(entry[1] for entry in totals.values())
    drivers = []
    for topic, (comments, low, negative) in totals.items():
        low_share = low / low_mentions if low_mentions else 0.0
        overall = comments / all_mentions if all_mentions else 0.0
        drivers.append(
            Driver(topic, comments, low, negative, low_share, (low_share / overall) if overall else None)
        )
    drivers.sort(key=lambda d: (-d.low, -d.comments, d.topic))
    if verbatims and drivers:
        recent = _low_comments(workspace, ids, filters, low_bounds, limit=300)
        for driver in drivers:
            driver.verbatims.extend(
                [answer for answer in recent if driver.topic in (answer.topics or [])][:verbatims]
            )
    return drivers, low_mentions


def _low_comments(
    workspace: Workspace, ids: list[int], filters: Filters, bounds: tuple[int, int], *, limit: int
) -> list[Answer]:
    start, end = filters.span
    return list(
        Answer.objects.filter(
            workspace=workspace,
            response__survey_id__in=ids,
            response__created_at__gte=start,
            response__created_at__lt=end,
            response__score__gte=bounds[0],
            response__score__lte=bounds[1],
        )
        .exclude(text="")
        .exclude(topics=[])
        .filter(_prefixed(filters.segment.response_filter()))
        .select_related("response")
        .order_by("-created_at", "-pk")[:limit]
    )


def _prefixed(condition: Q) -> Q:
    """A response filter (``Q(agent_id=…)``) applied through an answer (``response__agent_id``)."""
    return Q(**{f"response__{name}": value for name, value in condition.children})  # type: ignore[misc]


# --- Comments feed and drill-down -------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None


def _keyset(rows: QuerySet[Any], cursor: str, limit: int, prefix: str = "") -> Page:
    if cursor:
        try:
            at = TimeCursor.decode(cursor)
        except ValueError:
            at = None
        if at is not None:
            rows = rows.filter(
                Q(**{f"{prefix}created_at__lt": at.created_at})
                | Q(**{f"{prefix}created_at": at.created_at, "pk__lt": at.pk})
            )
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return Page(found, None)
    last = found[limit - 1]
    return Page(found[:limit], TimeCursor(last.created_at, last.pk).encode())


def comments_page(
    *,
    workspace: Workspace,
    filters: Filters,
    topic: str = "",
    sentiment: str = "",
    group: str = "",
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> Page:
    """Free-text answers newest first, with their response, customer and survey."""
    start, end = filters.span
    # the report surveys' questions, so that walking the newest comments needs no join to filter them
    questions = Question.objects.filter(workspace=workspace, survey__kind__in=REPORT_KINDS)
    rows = Answer.objects.filter(
        workspace=workspace,
        created_at__gte=start,
        created_at__lt=end,
        question_id__in=list(questions.values_list("pk", flat=True)),
    ).exclude(text="")
    if filters.survey_id is not None:
        rows = rows.filter(response__survey_id=filters.survey_id)
    if filters.segment.dimension != Dimension.ALL:
        rows = rows.filter(_prefixed(filters.segment.response_filter()))
    if sentiment:
        rows = rows.filter(sentiment=sentiment)
    if group:
        rows = rows.filter(_group_filter(group, prefix="response__"))
    rows = rows.order_by("-created_at", "-pk")
    if topic:
        return _topic_page(rows, topic, cursor, limit)
    rows = rows.select_related("response", "response__customer", "response__survey", "question")
    return _keyset(rows, cursor, limit)


TOPIC_CHUNK = 2000  # comments read at a time while looking for a topic
TOPIC_CHUNKS = 20  # at most this many before a page is shown as it is (its "older" link goes on)


def _topic_page(rows: QuerySet[Answer], topic: str, cursor: str, limit: int) -> Page:
    """Comments mentioning ``topic``: the newest comments are read in chunks of ids and topics and kept
    when they name it (a topic inside a JSON list is something no index here can answer, and the planner
    cannot estimate it), until a page is full, the comments run out, or TOPIC_CHUNKS chunks were read; in
    the last case the page may be short and its "older" link goes on from the last comment read."""
    found: list[int] = []
    at = _cursor(cursor)
    exhausted = False
    for _chunk in range(TOPIC_CHUNKS):
        window = rows
        if at is not None:
            window = rows.filter(Q(created_at__lt=at.created_at) | Q(created_at=at.created_at, pk__lt=at.pk))
        chunk = list(window.values_list("pk", "created_at", "topics")[:TOPIC_CHUNK])
        found += [pk for pk, _created_at, topics in chunk if topic in (topics or ())]
        if chunk:
            at = TimeCursor(chunk[-1][1], chunk[-1][0])
        if len(found) > limit:
            break
        if len(chunk) < TOPIC_CHUNK:
            exhausted = True
            break
    page_ids = found[:limit]
    answers = Answer.objects.filter(pk__in=page_ids).select_related(
        "response", "response__customer", "response__survey", "question"
    )
    by_id = {answer.pk: answer for answer in answers}
    shown = [by_id[pk] for pk in page_ids]
    if len(found) > limit:
        return Page(shown, TimeCursor(shown[-1].created_at, shown[-1].pk).encode())
    if exhausted or at is None:
        return Page(shown, None)
    return Page(shown, at.encode())


def _cursor(value: str) -> TimeCursor | None:
    if not value:
        return None
    try:
        return TimeCursor.decode(value)
    except ValueError:
        return None


def _group_filter(group: str, *, prefix: str = "") -> Q:
    """Scores of a named group in any kind: 'detractor' is NPS 0–6; 'low' is CSAT 1–2 or CES 1–3..."""
    condition = Q(pk__in=[])
    for kind, groups in GROUPS.items():
        if group in groups:
            low, high = groups[group]
            condition |= Q(
                **{f"{prefix}survey__kind": kind, f"{prefix}score__gte": low, f"{prefix}score__lte": high}
            )
    return condition


def group_of(kind: str, score: int | None) -> str:
    """The score group a response falls in ("detractor", "high"...), or "" without a score."""
    for name, (low, high) in GROUPS.get(kind, {}).items():
        if score is not None and low <= score <= high:
            return name
    return ""


def responses_query(
    *, workspace: Workspace, filters: Filters, kind: str = "", group: str = ""
) -> QuerySet[Response]:
    """The responses behind a figure: the period (a month, or the whole filter period), the survey or kind,
    the segment and the score group; newest first."""
    start, end = filters.span
    rows = Response.objects.filter(workspace=workspace, created_at__gte=start, created_at__lt=end)
    if filters.survey_id is not None:
        rows = rows.filter(survey_id=filters.survey_id)
    elif kind:
        rows = rows.filter(survey__kind=kind)
    else:
        rows = rows.filter(survey__kind__in=REPORT_KINDS)
    rows = rows.filter(filters.segment.response_filter())
    if group:
        rows = rows.filter(_group_filter(group))
    return rows.order_by("-created_at", "-pk")


def responses_page(
    *,
    workspace: Workspace,
    filters: Filters,
    kind: str = "",
    group: str = "",
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> Page:
    """One page of ``responses_query``, with each response's comments (``response.comments``)."""
    rows = responses_query(workspace=workspace, filters=filters, kind=kind, group=group)
    rows = rows.select_related("survey", "customer", "agent__user", "team")
    page = _keyset(rows, cursor, limit)
    _attach_comments(workspace, page.rows)
    return page


def _attach_comments(workspace: Workspace, responses: Iterable[Response]) -> None:
    by_id = {response.pk: response for response in responses}
    for response in by_id.values():
        response.comments = []  # type: ignore[attr-defined]
    if not by_id:
        return
    for answer in (
        Answer.objects.filter(workspace=workspace, response_id__in=list(by_id))
        .exclude(text="")
        .order_by("pk")
    ):
        by_id[answer.response_id].comments.append(answer)  # type: ignore[attr-defined]
