"""Importing historic survey responses: up to 1,000 at once, all or nothing, each stored once.

``responses_import`` checks every item before writing anything (``import_checks``) and raises one
ValidationError naming every bad field as ``items.N.field`` (``items.3.answers.0.value``), in the active
language. An item whose ``external_id`` this survey already has is reported as existing and changes nothing,
so a client may send a batch again after a timeout.

Each new item becomes a ``Response`` (``created_at`` and ``submitted_at`` = when it was answered, the item's
``external_id`` kept, unique per survey) and its ``Answer`` rows (``via`` = "import"). Free text goes through
``surveys.comments`` like a live answer: cleaned, capped, flagged, and read by the feedback engine in one
batch (sentiment and topics). The customer comes by ``customer_id`` (a merged customer's survivor) or by
``identities``, resolved in bulk by the Customer 360 matching service (new customers created).

Afterwards, for identified responses: one ``survey_response`` activity each on the timeline (source
``survey-import``, external id ``<survey id>:<external_id>``, via ``customers.timeline.activities_ingest``)
and the customer's last NPS when the imported answer is newer than every NPS response they have. The
report roll-ups of the months the responses fall in are rebuilt.

Nothing else happens: no invitations (Mehvar sent none; response rates count only what it sent) and no
recovery tasks (the moment to get back to the customer has passed; a pile of overdue tasks for last year's
detractors would help nobody). Anonymous surveys take no customer, and keep only the day, as live ones do.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm
from mehvar.core.text import normalize_text
from mehvar.customers.models import Activity, Customer
from mehvar.surveys import comments
from mehvar.surveys.import_checks import MAX_ITEMS, ImportRow, existing_of, item_text, items_clean
from mehvar.surveys.models import Answer, Response, Survey, SurveyKind
from mehvar.surveys.questions import questions_of, require
from mehvar.surveys.reports.rollups import report_moments_refresh
from mehvar.surveys.responses import timeline_summary

SOURCE = "survey-import"


@dataclass
class ImportedItem:
    index: int
    response_id: int
    customer_id: int | None
    created: bool


@dataclass
class ImportResult:
    """One entry per item, in the request's order."""

    items: list[ImportedItem]

    @property
    def created_count(self) -> int:
        return sum(1 for item in self.items if item.created)

    @property
    def existing_count(self) -> int:
        return len(self.items) - self.created_count


def responses_import(
    *,
    acting: Membership,
    survey: Survey,
    items: Sequence[Mapping[str, Any]],
    via: str = "api",
    now: dt.datetime | None = None,
) -> ImportResult:
    """Store up to 1,000 historic responses to ``survey``; all or nothing (see the module's docstring).

    Each item: ``external_id``, ``answered_at`` (Jalali or ISO text, or an aware datetime), the customer as
    ``customer_id`` or ``identities: [{"kind", "value"}]`` (neither for an anonymous survey), optional
    ``channel`` (sms, email…) and ``language`` (fa, en), and ``answers``: ``{"question": <id>}`` or
    ``{"position": <position>}`` with ``value`` (a scale), ``choices`` (choice keys) or ``text``."""
    require(acting, Perm.SURVEYS_MANAGE, survey.workspace_id)
    if survey.kind == SurveyKind.ENPS:
        # Staff answers are anonymous and come only through pulses (docs/enps.md): none can be imported.
        raise ValidationError({"survey": _("eNPS answers cannot be imported")}, code="invalid")
    now = now or timezone.now()
    questions = questions_of(survey)
    external_ids = [
        normalize_text(item_text(i, "external_id")) if isinstance(i, Mapping) else "" for i in items
    ]
    existing = existing_of(survey, external_ids) if len(items) <= MAX_ITEMS else {}
    rows = items_clean(survey, questions, items, existing, now)
    for attempt in range(2):
        try:
            with transaction.atomic():
                result, moments = _store(acting, survey, rows, external_ids, via)
            break
        except IntegrityError:  # another request stored some of these external ids meanwhile
            if attempt:
                raise
            existing = existing_of(survey, external_ids)
            rows = [row for row in rows if row.external_id not in existing]
    if moments:
        report_moments_refresh(workspace_id=survey.workspace_id, moments=moments)
    return result


def _store(
    acting: Membership, survey: Survey, rows: list[ImportRow], external_ids: list[str], via: str
) -> tuple[ImportResult, list[dt.datetime]]:
    existing = existing_of(survey, external_ids)
    fresh = [row for row in rows if row.external_id not in existing]
    _resolve(acting, survey, fresh, via)
    newest_nps = _newest_nps(survey, fresh)
    responses = Response.objects.bulk_create(
        [
            Response(
                workspace_id=survey.workspace_id,
                survey=survey,
                customer_id=row.customer_id,
                channel_kind=row.channel,
                language=row.language,
                score=row.score,
                created_at=row.answered_at,
                submitted_at=row.answered_at,
                external_id=row.external_id,
            )
            for row in fresh
        ],
        batch_size=500,
    )
    _read_comments(survey, fresh)
    Answer.objects.bulk_create(
        [
            Answer(
                workspace_id=survey.workspace_id,
                response=response,
                question=question,
                value=parsed.value,
                choices=parsed.choices,
                text=parsed.text,
                flags=parsed.flags,
                sentiment=parsed.sentiment,
                sentiment_score=parsed.sentiment_score,
                topics=parsed.topics,
                via="import",
                created_at=row.answered_at,
            )
            for row, response in zip(fresh, responses, strict=True)
            for question, parsed in row.answers
        ],
        batch_size=1000,
    )
    _timeline(acting, survey, fresh, responses, via)
    _last_nps(survey, fresh, newest_nps)
    if responses:
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=AuditEntry.Action.CREATE,
            object_type=Response._meta.label_lower,
            object_label=ngettext(
                "%(count)d survey response imported", "%(count)d survey responses imported", len(responses)
            )
            % {"count": len(responses)},
            after={"survey": survey.pk, "count": len(responses)},
            via=via,
        )
    made = {row.index: response for row, response in zip(fresh, responses, strict=True)}
    items = []
    for index, external_id in enumerate(external_ids):
        if index in made:
            response = made[index]
            items.append(ImportedItem(index, response.pk, response.customer_id, True))
        else:
            pk, customer_id = existing[external_id]
            items.append(ImportedItem(index, pk, customer_id, False))
    return ImportResult(items), [response.created_at for response in responses]


def _resolve(acting: Membership, survey: Survey, rows: list[ImportRow], via: str) -> None:
    """Customers for the items given by identities, in bulk (new ones created): Customer 360 matching."""
    wanted = [row for row in rows if row.identities]  # never with a customer id (checked); a retry redoes it
    if not wanted:
        return
    from mehvar.customers.matching import customer_ids_resolve_bulk

    try:
        ids = customer_ids_resolve_bulk(
            workspace=acting.workspace,
            items=[row.identities for row in wanted],
            defaults=[{"first_seen_at": row.answered_at} for row in wanted],
            acting=acting,
            via=via,
        )
    except ValidationError as error:  # checked already; named by the request's own index if it happens
        raise ValidationError(
            {
                _reindex(path, wanted): messages
                for path, messages in getattr(error, "error_dict", {"items": error.error_list}).items()
            }
        ) from error
    for row, customer_id in zip(wanted, ids, strict=True):
        row.customer_id = customer_id


def _reindex(path: str, rows: list[ImportRow]) -> str:
    parts = path.split(".")
    if len(parts) > 1 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])].index)
        parts.insert(2, "identities")
    return ".".join(parts)


def _read_comments(survey: Survey, rows: list[ImportRow]) -> None:
    """Sentiment and topics for every free-text answer of the import, in one call to the engine."""
    texts = [parsed for row in rows for _question, parsed in row.answers if parsed.text]
    readings = comments.readings([parsed.text for parsed in texts], workspace=survey.workspace)
    for parsed, reading in zip(texts, readings, strict=True):
        if reading is not None:
            parsed.sentiment, parsed.sentiment_score = reading.sentiment, reading.score
            parsed.topics = list(reading.topics)


def _summary(survey: Survey, row: ImportRow) -> str:
    """What the timeline shows, in the same shape as a live response's entry."""
    ordered = sorted(row.answers, key=lambda pair: (pair[0].position, pair[0].pk))
    return timeline_summary(survey, row.score, [parsed.text for _question, parsed in ordered])


def _timeline(
    acting: Membership, survey: Survey, rows: list[ImportRow], responses: list[Response], via: str
) -> None:
    """One ``survey_response`` activity per identified response, through the timeline's bulk ingest; each
    points at its response like a live one."""
    from mehvar.customers.timeline import activities_ingest

    identified = [(row, r) for row, r in zip(rows, responses, strict=True) if r.customer_id is not None]
    if not identified:
        return
    result = activities_ingest(
        workspace=acting.workspace,
        items=[
            {
                "source": SOURCE,
                "external_id": f"{survey.pk}:{row.external_id}",
                "kind": "survey_response",
                "channel": row.channel,
                "occurred_at": row.answered_at,
                "summary": _summary(survey, row),
                "data": {"survey": survey.pk, "kind": survey.kind, "score": row.score, "response": r.pk},
                "customer": {"id": r.customer_id},
            }
            for row, r in identified
        ],
        acting=None,  # the customer answered; who imported them is in this import's audit entry
        via=via,
    )
    response_type = ContentType.objects.get_for_model(Response)
    pointed = []
    for activity, created, (_row, response) in zip(
        result.activities, result.created, identified, strict=True
    ):
        if created:
            activity.record_type, activity.record_id = response_type, str(response.pk)
            pointed.append(activity)
    Activity.objects.bulk_update(pointed, ["record_type", "record_id"], batch_size=500)


def _newest_nps(survey: Survey, rows: list[ImportRow]) -> dict[int, dt.datetime]:
    """Per customer of the import, when their newest NPS response stored so far was given: one query."""
    if survey.kind != SurveyKind.NPS:
        return {}
    customers = {row.customer_id for row in rows if row.customer_id is not None and row.score is not None}
    if not customers:
        return {}
    latest = (
        Response.objects.filter(
            workspace_id=survey.workspace_id,
            customer_id__in=customers,
            survey__kind=SurveyKind.NPS,
            score__isnull=False,
        )
        .order_by()
        .values("customer_id")
        .annotate(latest=Max("created_at"))
    )
    return {row["customer_id"]: row["latest"] for row in latest}


def _last_nps(survey: Survey, rows: list[ImportRow], newest: Mapping[int, dt.datetime]) -> None:
    """``Customer.last_nps`` takes an imported score only when it is newer than every NPS answer the
    customer gave before; one UPDATE per distinct score (eleven at most)."""
    if survey.kind != SurveyKind.NPS:
        return
    chosen: dict[int, tuple[dt.datetime, int]] = {}
    for row in rows:
        if row.customer_id is None or row.score is None:
            continue
        before = newest.get(row.customer_id)
        if before is not None and row.answered_at <= before:
            continue
        current = chosen.get(row.customer_id)
        if current is None or row.answered_at >= current[0]:
            chosen[row.customer_id] = (row.answered_at, row.score)
    by_score: dict[int, list[int]] = {}
    for customer_id, (_when, score) in chosen.items():
        by_score.setdefault(score, []).append(customer_id)
    for score, customer_ids in sorted(by_score.items()):
        Customer.objects.filter(workspace_id=survey.workspace_id, pk__in=customer_ids).update(last_nps=score)
