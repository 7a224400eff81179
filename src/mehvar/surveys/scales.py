"""What each question type accepts, and when a follow-up question shows.

Scales are integers: NPS 0-10, CSAT 1-5, CES 1-7, rating 1-5. Choice questions take the keys of their
choices; free text is capped at ``TEXT_MAX`` characters (the rest is dropped and the answer flagged).
"""

from collections.abc import Mapping
from typing import Any

from mehvar.core.text import to_ascii_digits
from mehvar.surveys.models import ConditionOp, Question, QuestionType

SCALES: dict[str, tuple[int, int]] = {
    QuestionType.NPS: (0, 10),
    QuestionType.CSAT: (1, 5),
    QuestionType.CES: (1, 7),
    QuestionType.RATING: (1, 5),
}
CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE})
TEXT_MAX = 2000
DETRACTOR_MAX = 6  # NPS 0-6
PROMOTER_MIN = 9  # NPS 9-10
LOW_CSAT_MAX = 2  # CSAT 1-2


def is_scale(question_type: str) -> bool:
    return question_type in SCALES


def scale_values(question_type: str) -> list[int]:
    low, high = SCALES[question_type]
    return list(range(low, high + 1))


def parse_scale(question_type: str, raw: Any) -> int | None:
    """The integer on this scale written in ``raw`` (Persian digits too), or None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = to_ascii_digits(str(raw)).strip()
        if not text.isdigit() or len(text) > 2:
            return None
        value = int(text)
    low, high = SCALES[question_type]
    return value if low <= value <= high else None


def choice_keys(question: Question) -> list[str]:
    return [str(c.get("key")) for c in question.choices or [] if c.get("key")]


def answer_value(answer: Any) -> Any:
    """What a condition compares: the number, or the chosen keys."""
    if answer is None:
        return None
    if isinstance(answer, Mapping):
        return answer.get("value") if answer.get("value") is not None else answer.get("choices")
    if getattr(answer, "value", None) is not None:
        return answer.value
    return getattr(answer, "choices", None) or None


def condition_met(question: Question, given: Mapping[int, Any]) -> bool:
    """Does ``question`` show, given the answers so far (question id → number or list of keys)?"""
    source_id = question.show_if_question_id
    if source_id is None:
        return True
    value = given.get(source_id)
    if value is None or value == []:
        return False
    expected = question.show_if_value
    op = question.show_if_op
    if isinstance(value, list):  # choice answers: any chosen key matches
        wanted = expected if isinstance(expected, list) else [expected]
        return any(str(v) in {str(w) for w in wanted} for v in value)
    try:
        if op == ConditionOp.LTE:
            return value <= int(expected)
        if op == ConditionOp.GTE:
            return value >= int(expected)
        if op == ConditionOp.EQ:
            return value == int(expected)
        if op == ConditionOp.IN:
            return value in {int(v) for v in (expected or [])}
    except (TypeError, ValueError):
        return False
    return False


def nps_group(value: int | None) -> str:
    """promoter, passive or detractor ("" for no answer)."""
    if value is None:
        return ""
    if value >= PROMOTER_MIN:
        return "promoter"
    return "detractor" if value <= DETRACTOR_MAX else "passive"
