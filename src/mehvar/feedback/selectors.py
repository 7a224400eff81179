"""Reads of the feedback analysis: the workspace's analysed texts (one feed over three sources), one item of
it, the imported reviews, and the state of the model that answers.

The feed merges survey comments (``surveys.Answer`` with text), inbound messages' readings
(``MessageReading``) and imported reviews (``Review``), newest first, in keyset pages: the cursor is the last
item's (moment, source rank, id), and each source is read after it with its own index (at most ``limit + 1``
rows a source), so a page costs the same at the ten-thousandth item as at the first. The moment is when
the customer answered (comments), when the message was read (about a minute after it arrived: readings are
stored in the messages' order), and when the review was written.
"""

import base64
import binascii
import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.core.models import Workspace
from mehvar.core.text import normalize_text
from mehvar.feedback.analysis import MAX_TEXT_LENGTH, MODEL_RULES, feedback_model_for, feedback_model_warning
from mehvar.feedback.models import FeedbackCorrection, MessageReading, Review, WorkspaceModel

SURVEY, MESSAGE, REVIEW = "survey", "message", "review"
SOURCES = {
    SURVEY: gettext_lazy("Survey comment"),
    MESSAGE: gettext_lazy("Inbound message"),
    REVIEW: gettext_lazy("Imported review"),
}
_RANK = {SURVEY: 3, MESSAGE: 2, REVIEW: 1}  # ties on the moment: this order, then newest id first
PAGE_SIZE = 25


def rules_warning() -> str:
    """Why keyword rules answered, in the user's language (call it when they did)."""
    reason = feedback_model_warning()
    if reason == "stale":
        return _("The analysis model is out of date and is being rebuilt; keyword rules answered.")
    if reason == "corrupt":
        return _("The analysis model file is damaged; keyword rules answered until it is rebuilt.")
    return _("The analysis model has not been built yet; keyword rules answered.")


@dataclass(frozen=True)
class ModelState:
    kind: str  # workspace / base / rules: which model answers now
    warning: str  # why rules answer, or ""
    trained_at: dt.datetime | None
    examples: int
    corrections: int
    held_out: int
    accuracy: float | None  # the workspace model's share of held-back corrected labels right
    base_accuracy: float | None  # the base model's share on the same
    topics: list[str]


def model_state(*, workspace: Workspace) -> ModelState:
    """Which model answers for the workspace now (loading it if needed), and what its own model did."""
    _model, kind = feedback_model_for(workspace.pk)
    state = WorkspaceModel.objects.filter(workspace=workspace).first()
    return ModelState(
        kind=kind,
        warning=rules_warning() if kind == MODEL_RULES else "",
        trained_at=state.trained_at if state else None,
        examples=state.examples if state else 0,
        corrections=state.corrections if state else 0,
        held_out=state.held_out if state else 0,
        accuracy=state.held_out_accuracy if state else None,
        base_accuracy=state.base_held_out_accuracy if state else None,
        topics=list(state.topics) if state else [],
    )


# --- The feed ---------------------------------------------------------------------------------------------


@dataclass
class FeedItem:
    source: str
    pk: int
    text: str
    at: dt.datetime  # the moment the feed is ordered by
    written_at: dt.datetime  # when the customer wrote it (shown)
    sentiment: str  # "" when the text was not analysed (a survey comment stored while the engine failed)
    score: float | None
    topics: list[str]
    urgency: str  # "" when not known (survey comments keep no urgency)
    abusive: bool
    model: str
    row: Any  # the Answer, MessageReading or Review, for what each source shows of its own
    corrections: list[FeedbackCorrection] = dataclasses.field(
        default_factory=list
    )  # of the same text, oldest first

    @property
    def correction(self) -> FeedbackCorrection | None:
        return self.corrections[-1] if self.corrections else None

    @property
    def key(self) -> str:
        return f"{self.source}-{self.pk}"

    @property
    def source_label(self) -> str:
        return str(SOURCES[self.source])

    @property
    def corrected(self) -> dict[str, Any]:
        """The labels the corrections of this text set, the later ones winning."""
        found: dict[str, Any] = {}
        for c in self.corrections:
            for name, value in (
                ("sentiment", c.sentiment),
                ("topics", c.topics),
                ("urgency", c.urgency),
                ("abusive", c.abusive),
            ):
                if value not in ("", None):
                    found[name] = value
        return found

    @property
    def labels(self) -> dict[str, Any]:
        """The labels as they stand: the analysis's, with what the corrections set."""
        return {
            "sentiment": self.sentiment,
            "topics": list(self.topics),
            "urgency": self.urgency,
            "abusive": self.abusive,
            **self.corrected,
        }

    @property
    def correction_text(self) -> str:
        """The text as a correction stores it (the analysis reads this much)."""
        return normalize_text(self.text[:MAX_TEXT_LENGTH], multiline=True)


@dataclass
class FeedPage:
    items: list[FeedItem]
    next: str | None


def _answers(workspace: Workspace) -> QuerySet[Any]:
    from mehvar.surveys.models import Answer

    return (
        Answer.objects.filter(workspace=workspace)
        .exclude(text="")
        .select_related("question__survey", "response__customer")
    )


def _answer_item(answer: Any) -> FeedItem:
    return FeedItem(
        source=SURVEY,
        pk=answer.pk,
        text=answer.text,
        at=answer.created_at,
        written_at=answer.created_at,
        sentiment=answer.sentiment,
        score=answer.sentiment_score,
        topics=list(answer.topics or []),
        urgency="",
        abusive=any(flag != "truncated" for flag in answer.flags or []),
        model="",
        row=answer,
    )


def _readings(workspace: Workspace) -> QuerySet[Any]:
    return MessageReading.objects.filter(workspace=workspace).select_related(
        "message__conversation__customer"
    )


def _reading_item(reading: MessageReading) -> FeedItem:
    return FeedItem(
        source=MESSAGE,
        pk=reading.pk,
        text=reading.message.text,
        at=reading.created_at,
        written_at=reading.message.created_at,
        sentiment=reading.sentiment,
        score=reading.score,
        topics=list(reading.topics or []),
        urgency=reading.urgency,
        abusive=reading.abusive,
        model=reading.model,
        row=reading,
    )


def _reviews(workspace: Workspace) -> QuerySet[Any]:
    return Review.objects.filter(workspace=workspace).select_related("customer")


def _review_item(review: Review) -> FeedItem:
    return FeedItem(
        source=REVIEW,
        pk=review.pk,
        text=review.text,
        at=review.written_at,
        written_at=review.written_at,
        sentiment=review.sentiment,
        score=review.score,
        topics=list(review.topics or []),
        urgency=review.urgency,
        abusive=review.abusive,
        model=review.model,
        row=review,
    )


# source: (rows of the workspace, the field the feed is ordered by, the item builder)
_FEEDS = {
    SURVEY: (_answers, "created_at", _answer_item),
    MESSAGE: (_readings, "created_at", _reading_item),
    REVIEW: (_reviews, "written_at", _review_item),
}


def _encode(at: dt.datetime, rank: int, pk: int) -> str:
    raw = json.dumps([at.isoformat(), rank, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int, int] | None:
    """The cursor's (moment, rank, id), or None when it is not one of ours (the first page is shown)."""
    try:
        at, rank, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = dt.datetime.fromisoformat(at)
        if moment.tzinfo is None or not isinstance(rank, int) or not isinstance(pk, int):
            return None
        return moment, rank, pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


def _after(source: str, field: str, cursor: tuple[dt.datetime, int, int]) -> Q:
    """This source's rows after the cursor in the order (moment desc, rank desc, id desc)."""
    at, rank, pk = cursor
    mine = _RANK[source]
    if mine < rank:
        return Q(**{f"{field}__lte": at})
    if mine > rank:
        return Q(**{f"{field}__lt": at})
    return Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk})


def feed_page(
    *,
    workspace: Workspace,
    source: str = "",
    sentiment: str = "",
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> FeedPage:
    """One page of the workspace's analysed texts, newest first; ``source`` and ``sentiment`` filter.
    At most one query per source, and one for the corrections already made of the page's texts."""
    after = _decode(cursor) if cursor else None
    found: list[FeedItem] = []
    for name, (rows_of, field, build) in _FEEDS.items():
        if source and source != name:
            continue
        rows = rows_of(workspace)
        if sentiment:
            rows = rows.filter(sentiment=sentiment)
        if after is not None:
            rows = rows.filter(_after(name, field, after))
        found += [build(row) for row in rows.order_by(f"-{field}", "-id")[: limit + 1]]
    found.sort(key=lambda item: (item.at, _RANK[item.source], item.pk), reverse=True)
    items = found[:limit]
    following = None
    if len(found) > limit and items:
        last = items[-1]
        following = _encode(last.at, _RANK[last.source], last.pk)
    corrections_attach(workspace=workspace, items=items)
    return FeedPage(items=items, next=following)


def feed_item_get(*, workspace: Workspace, source: str, pk: int) -> FeedItem | None:
    """One item of the workspace's feed, or None (missing, or another workspace's: the same answer)."""
    if source not in _FEEDS:
        return None
    rows_of, _field, build = _FEEDS[source]
    row = rows_of(workspace).filter(pk=pk).first()
    if row is None:
        return None
    item = build(row)
    corrections_attach(workspace=workspace, items=[item])
    return item


def corrections_attach(*, workspace: Workspace, items: list[FeedItem]) -> None:
    """Each item's corrections of the same text in the workspace, oldest first: one query."""
    texts = {item.correction_text for item in items}
    if not texts:
        return
    by_text: dict[str, list[FeedbackCorrection]] = {}
    rows = FeedbackCorrection.objects.filter(workspace=workspace, text__in=texts).select_related(
        "corrected_by__user"
    )
    for correction in rows.order_by("id"):
        by_text.setdefault(correction.text, []).append(correction)
    for item in items:
        item.corrections = by_text.get(item.correction_text, [])


# --- Reviews (API) ----------------------------------------------------------------------------------------


def reviews_of(
    *, workspace: Workspace, source: str = "", sentiment: str = "", topic: str = ""
) -> QuerySet[Review]:
    """The workspace's imported reviews, filtered; the caller orders and pages them."""
    rows = Review.objects.filter(workspace=workspace)
    if source:
        rows = rows.filter(source=source)
    if sentiment:
        rows = rows.filter(sentiment=sentiment)
    if topic:
        rows = rows.filter(topics__icontains=f'"{topic}"')  # a JSON list of topic keys, on every database
    return rows
