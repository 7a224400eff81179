"""Free-text answers: stored safely, flagged, and read for sentiment.

* Capped at ``scales.TEXT_MAX`` characters (flag ``truncated``), normalised (``core.text``), control
  characters other than line breaks and tabs removed (PostgreSQL refuses NUL in text). Templates escape it.
* Abuse is flagged with the inbox's screening (``conversations.abuse.text_screen``: persian-text-guard and the
  customer-service list); the flags are the reasons found (``insult``, ``profanity``...).
* Sentiment comes from the feedback engine (``mehvar.feedback.analysis.feedback_analyze``) when it is
  installed; without it the comment is stored without a sentiment and only scores open recovery tasks.
"""

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from mehvar.core.text import normalize_text
from mehvar.surveys.scales import TEXT_MAX

logger = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A comment counts as negative (opens a recovery task) below this score (−1 … 1) from the feedback engine.
NEGATIVE_SCORE = -0.35


def text_clean(raw: Any) -> tuple[str, list[str]]:
    """The text to store and its flags (``truncated`` and abuse reasons)."""
    text = _CONTROL.sub("", "" if raw is None else str(raw))
    flags: list[str] = []
    if len(text) > TEXT_MAX * 2:  # do not normalise megabytes only to throw them away
        text = text[: TEXT_MAX * 2]
    text = normalize_text(text, multiline=True)
    if len(text) > TEXT_MAX:
        text = text[:TEXT_MAX]
        flags.append("truncated")
    if text:
        flags.extend(abuse_reasons(text))
    return text, flags


def abuse_reasons(text: str) -> list[str]:
    try:
        from mehvar.conversations.abuse import text_screen
    except ImportError:  # the inbox is not installed
        return []
    return sorted({entry["reason"] for entry in text_screen(text)})


def _analyzer() -> Callable[..., Sequence[Any]] | None:
    if not getattr(settings, "MEHVAR_SURVEYS_ANALYZE_COMMENTS", True):
        return None
    try:
        from mehvar.feedback.analysis import feedback_analyze
    except ImportError:
        return None
    return feedback_analyze


@dataclass(frozen=True)
class Reading:
    """What the feedback engine read in one comment."""

    sentiment: str  # negative / neutral / positive
    score: float  # −1 … 1
    topics: list[str] = field(default_factory=list)


def readings(texts: list[str], *, workspace: Any) -> list[Reading | None]:
    """The engine's reading per text; None where it cannot say (not installed, or it failed: a comment is
    never lost because the analysis broke)."""
    analyze = _analyzer()
    if analyze is None or not texts:
        return [None] * len(texts)
    try:
        results = analyze(texts=texts, workspace=workspace)
        return [Reading(str(r.sentiment), float(r.score), [str(t) for t in r.topics]) for r in results]
    except Exception:
        logger.exception("feedback analysis failed; comments stored without sentiment")
        return [None] * len(texts)


def sentiments(texts: list[str], *, workspace: Any) -> list[tuple[str, float] | None]:
    """(sentiment, score) per text, or None (see ``readings``)."""
    return [None if r is None else (r.sentiment, r.score) for r in readings(texts, workspace=workspace)]


def is_negative(sentiment: str, score: float | None) -> bool:
    """A comment negative enough to open a recovery task."""
    return sentiment == "negative" and score is not None and score <= NEGATIVE_SCORE
