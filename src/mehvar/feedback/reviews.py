"""Imported customer reviews (Digikala, SnappFood, Google Maps…): up to 1,000 at once, all or nothing, each
stored once, analysed in one batch.

``reviews_import`` checks every item before writing anything and raises one ValidationError naming every
bad field as ``items.N.field`` (``items.3.written_at``, ``items.5.identities.0.value``), in the active
language. An item whose (source, external id) the workspace already has is reported as existing and changes
nothing, so a client may send a batch again after a timeout.

Each new item becomes a ``Review``: the text cleaned like a survey comment (control characters dropped,
normalised, capped at 5,000 characters), the rating on its own scale (``rating`` of ``rating_max``, Persian
digits accepted), when it was written (Jalali or ISO; Tehran time without a zone), and the analysis of the
whole batch from one ``feedback_analyze`` call. Optional ``identities`` find (or create) the customer
through Customer 360 matching; such a review adds a ``review`` activity to the customer's timeline (source
``review-import``, external id ``<source>:<external_id>``).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.feedback.analysis import feedback_analyze
from mehvar.feedback.models import Review
from mehvar.feedback.review_checks import MAX_ITEMS, ReviewRow, key_of, reviews_clean, reviews_existing

TIMELINE_SOURCE = "review-import"


@dataclass
class ImportedReview:
    index: int
    review_id: int
    customer_id: int | None
    created: bool


@dataclass
class ReviewImportResult:
    """One entry per item, in the request's order."""

    items: list[ImportedReview]

    @property
    def created_count(self) -> int:
        return sum(1 for item in self.items if item.created)

    @property
    def existing_count(self) -> int:
        return len(self.items) - self.created_count


def reviews_import(
    *, acting: Membership, items: Sequence[Any], via: str = "api", now: dt.datetime | None = None
) -> ReviewImportResult:
    """Store up to 1,000 reviews in the member's workspace; all or nothing (see the module's docstring)."""
    now = now or timezone.now()
    workspace = acting.workspace
    keys = [key_of(item) for item in items] if len(items) <= MAX_ITEMS else []
    existing = reviews_existing(workspace_id=workspace.pk, keys=keys)
    rows = reviews_clean(items, existing, now)
    analyses = feedback_analyze(texts=[row.text for row in rows], workspace=workspace) if rows else []
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _store(acting, rows, analyses, keys, via)
        except IntegrityError:  # another request stored some of these reviews meanwhile: they exist now
            if attempt:
                raise
    raise AssertionError("unreachable")


def _store(
    acting: Membership, rows: list[ReviewRow], analyses: list[Any], keys: list[tuple[str, str]], via: str
) -> ReviewImportResult:
    workspace = acting.workspace
    existing = reviews_existing(workspace_id=workspace.pk, keys=keys)
    fresh = [
        (row, a)
        for row, a in zip(rows, analyses, strict=True)
        if (row.source, row.external_id) not in existing
    ]
    _resolve(acting, [row for row, _a in fresh], via)
    reviews = Review.objects.bulk_create(
        [
            Review(
                workspace=workspace,
                source=row.source,
                external_id=row.external_id,
                customer_id=row.customer_id,
                rating=row.rating,
                rating_max=row.rating_max,
                text=row.text,
                written_at=row.written_at,
                sentiment=analysis.sentiment,
                score=analysis.score,
                topics=list(analysis.topics),
                urgency=analysis.urgency,
                abusive=analysis.abusive,
                model=analysis.model,
            )
            for row, analysis in fresh
        ],
        batch_size=500,
    )
    _timeline(acting, reviews, via)
    if reviews:
        audit_record(
            workspace=workspace,
            actor=acting.user,
            action=AuditEntry.Action.CREATE,
            object_type=Review._meta.label_lower,
            object_label=ngettext("%(count)d review imported", "%(count)d reviews imported", len(reviews))
            % {"count": len(reviews)},
            after={"count": len(reviews), "sources": sorted({r.source for r in reviews})},
            via=via,
        )
    made = {row.index: review for (row, _a), review in zip(fresh, reviews, strict=True)}
    result = []
    for index, key in enumerate(keys):
        if index in made:
            review = made[index]
            result.append(ImportedReview(index, review.pk, review.customer_id, True))
        else:
            review = existing[key]
            result.append(ImportedReview(index, review.pk, review.customer_id, False))
    return ReviewImportResult(result)


def _resolve(acting: Membership, rows: list[ReviewRow], via: str) -> None:
    """The customers of the reviews given with identities, in bulk (new ones created): Customer 360."""
    wanted = [row for row in rows if row.identities]
    if not wanted:
        return
    from mehvar.customers.matching import customer_ids_resolve_bulk

    ids = customer_ids_resolve_bulk(
        workspace=acting.workspace,
        items=[row.identities for row in wanted],
        defaults=[{"first_seen_at": row.written_at} for row in wanted],
        acting=acting,
        via=via,
    )
    for row, customer_id in zip(wanted, ids, strict=True):
        row.customer_id = customer_id


def _summary(review: Review) -> str:
    """What the timeline shows: ``digikala ★ 2/5 · the text``."""
    parts = [review.source]
    if review.rating is not None:
        parts[0] += f" ★ {review.rating}/{review.rating_max}"
    parts.append(review.text)
    return " · ".join(parts)[:500]


def _timeline(acting: Membership, reviews: list[Review], via: str) -> None:
    """One ``review`` activity per identified review, through the timeline's bulk ingest, pointing at it."""
    identified = [review for review in reviews if review.customer_id is not None]
    if not identified:
        return
    from mehvar.customers.models import Activity
    from mehvar.customers.timeline import activities_ingest

    result = activities_ingest(
        workspace=acting.workspace,
        items=[
            {
                "source": TIMELINE_SOURCE,
                "external_id": f"{review.source}:{review.external_id}",
                "kind": "review",
                "channel": "",
                "occurred_at": review.written_at,
                "summary": _summary(review),
                "data": {
                    "review": review.pk,
                    "source": review.source,
                    "rating": review.rating,
                    "rating_max": review.rating_max,
                    "sentiment": review.sentiment,
                },
                "customer": {"id": review.customer_id},
            }
            for review in identified
        ],
        acting=None,  # the customer wrote it; who imported it is in this import's audit entry
        via=via,
    )
    review_type = ContentType.objects.get_for_model(Review)
    pointed = []
    for activity, created, review in zip(result.activities, result.created, identified, strict=True):
        if created:
            activity.record_type, activity.record_id = review_type, str(review.pk)
            pointed.append(activity)
    Activity.objects.bulk_update(pointed, ["record_type", "record_id"], batch_size=500)
