"""Writes of the feedback analysis: building the base model, recording corrections, retraining a workspace.

* ``feedback_base_model_build()`` trains the base model from the committed corpus and writes it under the
  var directory with its fingerprint (``mehvar feedback train``; the analyzer calls it lazily).
* ``feedback_correction_record(acting=..., text=..., sentiment=...)`` stores a member's correction, audits
  it and, on commit, enqueues the workspace's retraining.
* ``feedback_workspace_train(workspace_id=...)`` (the task's body) trains the workspace's own model from the
  corpus plus its corrections, each weighted ``CORRECTION_WEIGHT`` times a corpus example, after measuring
  a model trained without every fifth correction on those held back.
"""

import logging
import re
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.text import normalize_text
from mehvar.feedback.corpus import SENTIMENTS, URGENCIES, Example, corpus_examples
from mehvar.feedback.models import FeedbackCorrection, WorkspaceModel
from mehvar.feedback.storage import (
    ModelFileError,
    base_fingerprint,
    base_model_path,
    model_load,
    model_save,
    workspace_model_path,
)
from mehvar.feedback.training import FeedbackModel, train_model

logger = logging.getLogger("mehvar.feedback")

CORRECTION_WEIGHT = 10.0  # one correction counts as ten corpus examples
HOLD_BACK_EVERY = 5  # every fifth correction (by id) is held back to measure the workspace model
MIN_CORRECTIONS_TO_MEASURE = 5
MAX_TEXT_LENGTH = 5_000
MAX_TOPICS = 10
TOPIC_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def feedback_base_model_build() -> FeedbackModel:
    """Train the base model from the corpus and write it (replacing any file there). About 3 s."""
    from mehvar.feedback.analysis import feedback_models_forget

    fingerprint = base_fingerprint()
    model = train_model(corpus_examples(), meta={"fingerprint": fingerprint, "trained_at": _now_text()})
    model_save(model, base_model_path(), fingerprint=fingerprint)
    feedback_models_forget()
    logger.info("feedback base model built: %(examples)s examples, %(train_seconds)s s", model.meta)
    return model


def feedback_base_model_ready() -> bool:
    """Whether the base model can answer, building it now (in this call, about 10 s) when its file is missing,
    stale or corrupt, unless ``FEEDBACK_MODEL_BUILD`` is "off".

    For a loader about to analyse many texts at once (the demo's), which would otherwise be read by the
    keyword rules while the analysis rebuilds the model in the background.
    """
    try:
        model_load(base_model_path(), fingerprint=base_fingerprint())
    except ModelFileError:
        if getattr(settings, "FEEDBACK_MODEL_BUILD", "background") == "off":
            return False
        feedback_base_model_build()
    return True


def _now_text() -> str:
    return timezone.now().isoformat(timespec="seconds")


def _clean_topics(topics: Any) -> list[str]:
    if not isinstance(topics, list | tuple) or any(not isinstance(t, str) for t in topics):
        raise ValidationError({"topics": _("Enter a list of topic names.")}, code="invalid")
    cleaned = sorted({t.strip().lower() for t in topics})
    if len(cleaned) > MAX_TOPICS:
        raise ValidationError(
            {"topics": _("At most %(count)s topics.") % {"count": MAX_TOPICS}}, code="too_many"
        )
    for topic in cleaned:
        if not TOPIC_SLUG.match(topic):
            raise ValidationError(
                {
                    "topics": _(
                        "“%(topic)s” is not a topic name: use 2 to 40 lowercase Latin letters, digits "
                        "and “_”, starting with a letter."
                    )
                    % {"topic": topic}
                },
                code="invalid",
            )
    return cleaned


def feedback_correction_record(
    *,
    acting: Membership,
    text: str,
    sentiment: str | None = None,
    topics: Sequence[str] | None = None,
    urgency: str | None = None,
    abusive: bool | None = None,
    via: str = "web",
) -> FeedbackCorrection:
    """Store a correction of the analysis of ``text`` in the member's workspace, and retrain on commit."""
    from mehvar.feedback.tasks import feedback_workspace_train_task
    from mehvar.ops.background import enqueue_on_commit

    text = normalize_text(text or "", multiline=True)
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("This field may not be empty.")
    elif len(text) > MAX_TEXT_LENGTH:
        errors["text"] = _("This field accepts at most %(max_length)s characters.") % {
            "max_length": MAX_TEXT_LENGTH
        }
    if sentiment is not None and sentiment not in SENTIMENTS:
        errors["sentiment"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(SENTIMENTS)}
    if urgency is not None and urgency not in URGENCIES:
        errors["urgency"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(URGENCIES)}
    if sentiment is None and topics is None and urgency is None and abusive is None:
        errors["__all__"] = _("Correct at least one label: sentiment, topics, urgency or abusive.")
    if errors:
        raise ValidationError(errors, code="invalid")
    cleaned_topics = _clean_topics(list(topics)) if topics is not None else None
    with transaction.atomic():
        correction = FeedbackCorrection.objects.create(
            workspace=acting.workspace,
            text=text,
            sentiment=sentiment or "",
            topics=cleaned_topics,
            urgency=urgency or "",
            abusive=abusive,
            corrected_by=acting,
        )
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=AuditEntry.Action.CREATE,
            obj=correction,
            after={"sentiment": sentiment, "topics": cleaned_topics, "urgency": urgency, "abusive": abusive},
            via=via,
        )
        enqueue_on_commit(feedback_workspace_train_task, workspace_id=acting.workspace_id)
    return correction


def correction_example(correction: FeedbackCorrection, *, weight: float = CORRECTION_WEIGHT) -> Example:
    return Example(
        text=correction.text,
        sentiment=correction.sentiment or None,
        topics=tuple(correction.topics) if correction.topics is not None else None,
        urgency=correction.urgency or None,
        abusive=correction.abusive,
        score=None,
        domain="correction",
        weight=weight,
    )


def _labels_right(model: FeedbackModel, corrections: Sequence[FeedbackCorrection]) -> tuple[int, int]:
    """(labels the model got right, labels corrected) over ``corrections``."""
    from mehvar.feedback.analysis import MODEL_BASE, model_analyze

    found = model_analyze(model, MODEL_BASE, [normalize_text(c.text) for c in corrections])
    right = total = 0
    for correction, analysis in zip(corrections, found, strict=True):
        checks = [
            (correction.sentiment, analysis.sentiment),
            (correction.urgency, analysis.urgency),
        ]
        for wanted, got in checks:
            if wanted:
                total += 1
                right += wanted == got
        if correction.topics is not None:
            total += 1
            right += set(correction.topics) == set(analysis.topics)
        if correction.abusive is not None:
            total += 1
            right += correction.abusive == analysis.abusive
    return right, total


def feedback_workspace_train(*, workspace_id: int) -> dict[str, Any]:
    """Retrain the workspace's model from the corpus and its corrections; skip when nothing is new."""
    from mehvar.feedback.analysis import feedback_base_model, feedback_models_forget, workspace_fingerprint

    workspace = Workspace.objects.get(pk=workspace_id)
    corrections = list(FeedbackCorrection.objects.filter(workspace=workspace).order_by("id"))
    state, _created = WorkspaceModel.objects.get_or_create(workspace=workspace)
    base = feedback_base_model() or feedback_base_model_build()
    last_id = corrections[-1].pk if corrections else 0
    if state.last_correction_id == last_id and state.base_fingerprint == base.meta.get("fingerprint"):
        return {"skipped": True, "corrections": len(corrections)}
    path = workspace_model_path(workspace.pk)
    if not corrections:
        path.unlink(missing_ok=True)
        feedback_models_forget()
        return {"skipped": True, "corrections": 0}
    started = time.perf_counter()
    corpus = corpus_examples()
    held: list[FeedbackCorrection] = []
    if len(corrections) >= MIN_CORRECTIONS_TO_MEASURE:
        held = corrections[HOLD_BACK_EVERY - 1 :: HOLD_BACK_EVERY]
    held_ids = {c.pk for c in held}
    accuracy = base_accuracy = None
    if held:
        measured = train_model(corpus + [correction_example(c) for c in corrections if c.pk not in held_ids])
        right, total = _labels_right(measured, held)
        base_right, _total = _labels_right(base, held)
        accuracy, base_accuracy = right / total, base_right / total
    fingerprint = workspace_fingerprint(base, workspace.pk)
    model = train_model(
        corpus + [correction_example(c) for c in corrections],
        meta={
            "fingerprint": base.meta.get("fingerprint"),
            "workspace_id": workspace.pk,
            "trained_at": _now_text(),
        },
    )
    model_save(model, path, fingerprint=fingerprint)
    WorkspaceModel.objects.filter(pk=state.pk).update(
        trained_at=timezone.now(),
        examples=len(corpus) + len(corrections),
        corrections=len(corrections),
        last_correction_id=last_id,
        held_out=len(held),
        held_out_accuracy=accuracy,
        base_held_out_accuracy=base_accuracy,
        topics=[t for t in model.topics if t not in base.topics],
        base_fingerprint=base.meta.get("fingerprint", ""),
    )
    feedback_models_forget()
    return {
        "skipped": False,
        "corrections": len(corrections),
        "held_out": len(held),
        "held_out_accuracy": accuracy,
        "base_held_out_accuracy": base_accuracy,
        "seconds": round(time.perf_counter() - started, 2),
    }
