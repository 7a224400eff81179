"""Questions: checking one, the default questions of each survey kind, and adding, changing, moving and
removing them. Errors are ``ValidationError({field: message})``; each message names the question's field in
the active language (Persian unless the member chose English)."""

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text
from mehvar.surveys import scales
from mehvar.surveys.models import Answer, ConditionOp, Question, QuestionType, Survey, SurveyKind

A = AuditEntry.Action
MAX_QUESTIONS = 30
MAX_CHOICES = 20


def require(acting: Membership, perm: Perm, workspace_id: int) -> None:
    if acting.workspace_id != workspace_id or not role_has(acting.role, perm):
        raise PermissionDenied


def invalid(field_name: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field_name: ValidationError(message, code=code)})


@dataclass
class QuestionSpec:
    """A question as checked, before it is stored. ``show_if_source`` is the earlier question it depends on
    (a stored Question, or the index of an earlier spec when a whole survey is created at once)."""

    type: str
    text_fa: str
    text_en: str = ""
    choices: list[dict[str, str]] = field(default_factory=list)
    required: bool = False
    show_if_source: Question | int | None = None
    show_if_op: str = ""
    show_if_value: Any = None


def _labels() -> dict[str, str]:
    return {
        "type": _("Question type"),
        "text_fa": _("Question (Persian)"),
        "text_en": _("Question (English)"),
        "choices": _("Choices"),
        "show_if": _("Show only if"),
    }


def _text(raw: Any, limit: int, label: str, *, required: bool) -> str:
    text = normalize_text("" if raw is None else str(raw))
    if required and not text:
        raise ValueError(_("%(field)s: write it.") % {"field": label})
    if len(text) > limit:
        raise ValueError(_("%(field)s: at most %(max)d characters.") % {"field": label, "max": limit})
    return text


def _choices(raw: Any, question_type: str) -> list[dict[str, str]]:
    label = _labels()["choices"]
    if question_type not in scales.CHOICE_TYPES:
        return []
    items = raw if isinstance(raw, list | tuple) else []
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"fa": item}
        if not isinstance(item, Mapping):
            raise ValueError(_("%(field)s: choice %(n)d is not readable.") % {"field": label, "n": position})
        fa = normalize_text(str(item.get("fa") or ""))
        en = normalize_text(str(item.get("en") or ""))
        if not fa:
            raise ValueError(
                _("%(field)s: choice %(n)d needs a Persian label.") % {"field": label, "n": position}
            )
        if len(fa) > 200 or len(en) > 200:
            raise ValueError(
                _("%(field)s: choice %(n)d may have at most 200 characters.")
                % {"field": label, "n": position}
            )
        key = str(item.get("key") or f"c{position}")[:40]
        if key in seen:
            raise ValueError(
                _("%(field)s: two choices have the key “%(key)s”.") % {"field": label, "key": key}
            )
        seen.add(key)
        cleaned.append({"key": key, "fa": fa, "en": en})
    if len(cleaned) < 2:
        raise ValueError(_("%(field)s: give at least two choices.") % {"field": label})
    if len(cleaned) > MAX_CHOICES:
        raise ValueError(_("%(field)s: at most %(max)d choices.") % {"field": label, "max": MAX_CHOICES})
    return cleaned


def _condition(raw: Any, source: Question | QuestionSpec | None) -> tuple[str, Any]:
    """The operator and value of a condition on ``source``'s answer, checked against its type."""
    label = _labels()["show_if"]
    if source is None:
        raise ValueError(_("%(field)s: choose an earlier question.") % {"field": label})
    op = str((raw or {}).get("op") or "")
    value = (raw or {}).get("value")
    if scales.is_scale(source.type):
        if op not in ConditionOp.values:
            raise ValueError(_("%(field)s: choose how to compare the answer.") % {"field": label})
        values = value if isinstance(value, list) else [value]
        parsed = [scales.parse_scale(source.type, v) for v in values]
        if not values or any(v is None for v in parsed):
            low, high = scales.SCALES[source.type]
            raise ValueError(
                _("%(field)s: the value must be a number from %(low)d to %(high)d.")
                % {"field": label, "low": low, "high": high}
            )
        return op, parsed if op == ConditionOp.IN else parsed[0]
    if source.type in scales.CHOICE_TYPES:
        if op not in (ConditionOp.EQ, ConditionOp.IN):
            raise ValueError(_("%(field)s: a choice can only be equal to or one of.") % {"field": label})
        keys = {c["key"] for c in source.choices}
        values = [str(v) for v in (value if isinstance(value, list) else [value])]
        if not values or any(v not in keys for v in values):
            raise ValueError(_("%(field)s: choose among the question's choices.") % {"field": label})
        return op, values
    raise ValueError(_("%(field)s: a follow-up can only depend on a scale or a choice.") % {"field": label})


def question_clean(
    raw: Mapping[str, Any],
    *,
    earlier: Sequence[Question | QuestionSpec],
    number: int,
) -> QuestionSpec:
    """One question from user input; ``earlier`` are the questions before it (for its condition).

    ``show_if`` is ``{"question": <index into earlier, or a Question id>, "op": "lte", "value": 6}``.
    Raises ValidationError on ``questions`` naming the question's number and its field."""
    labels = _labels()
    try:
        question_type = str(raw.get("type") or "")
        if question_type not in QuestionType.values:
            raise ValueError(_("%(field)s: choose one of the types.") % {"field": labels["type"]})
        spec = QuestionSpec(
            type=question_type,
            text_fa=_text(raw.get("text_fa"), 500, labels["text_fa"], required=True),
            text_en=_text(raw.get("text_en"), 500, labels["text_en"], required=False),
            choices=_choices(raw.get("choices"), question_type),
            required=bool(raw.get("required")),
        )
        show_if = raw.get("show_if")
        if show_if and show_if.get("question") not in (None, ""):
            ref = show_if.get("question")
            source: Question | QuestionSpec | None = None
            source_ref: Question | int | None = None
            for index, item in enumerate(earlier):
                if isinstance(item, Question) and str(item.pk) == str(ref):
                    source, source_ref = item, item
                elif isinstance(item, QuestionSpec) and str(index) == str(ref):
                    source, source_ref = item, index
            spec.show_if_op, spec.show_if_value = _condition(show_if, source)
            spec.show_if_source = source_ref
    except ValueError as error:
        raise invalid(
            "questions", _("Question %(n)d — %(problem)s") % {"n": number, "problem": error}
        ) from None
    return spec


def default_questions(kind: str) -> list[dict[str, Any]]:
    """The questions a new survey of this kind starts with (stored text in both languages)."""
    if kind in (SurveyKind.NPS, SurveyKind.ENPS):
        main = (
            {
                "type": QuestionType.NPS,
                "text_fa": "چقدر احتمال دارد ما را به دوستان یا همکارانتان پیشنهاد کنید؟",
                "text_en": "How likely are you to recommend us to a friend or colleague?",
            }
            if kind == SurveyKind.NPS
            else {
                "type": QuestionType.NPS,
                "text_fa": "چقدر احتمال دارد این‌جا را به دوستانتان برای کار پیشنهاد کنید؟",
                "text_en": "How likely are you to recommend working here to a friend?",
            }
        )
        return [
            {**main, "required": True},
            {
                "type": QuestionType.TEXT,
                "text_fa": "چه چیزی شما را ناراضی کرد؟ چطور می‌توانیم جبران کنیم؟",
                "text_en": "What went wrong? How can we make it right?",
                "show_if": {"question": 0, "op": ConditionOp.LTE, "value": scales.DETRACTOR_MAX},
            },
            {
                "type": QuestionType.TEXT,
                "text_fa": "چه چیزی را بیشتر پسندیدید؟",
                "text_en": "What did you like most?",
                "show_if": {"question": 0, "op": ConditionOp.GTE, "value": 7},
            },
        ]
    if kind == SurveyKind.CSAT:
        return [
            {
                "type": QuestionType.CSAT,
                "text_fa": "چقدر از پاسخی که گرفتید راضی هستید؟",
                "text_en": "How satisfied are you with the help you got?",
                "required": True,
            },
            {
                "type": QuestionType.TEXT,
                "text_fa": "چه چیزی باید بهتر می‌شد؟",
                "text_en": "What should have been better?",
                "show_if": {"question": 0, "op": ConditionOp.LTE, "value": scales.LOW_CSAT_MAX},
            },
        ]
    if kind == SurveyKind.CES:
        return [
            {
                "type": QuestionType.CES,
                "text_fa": "حل شدن درخواستتان چقدر آسان بود؟",
                "text_en": "How easy was it to get your request solved?",
                "required": True,
            },
            {
                "type": QuestionType.TEXT,
                "text_fa": "کجای کار سخت بود؟",
                "text_en": "What made it hard?",
                "show_if": {"question": 0, "op": ConditionOp.LTE, "value": 3},
            },
        ]
    return []


def questions_of(survey: Survey) -> list[Question]:
    """The survey's current questions in order (removed ones left out)."""
    return list(
        Question.objects.filter(
            workspace_id=survey.workspace_id, survey=survey, removed_at__isnull=True
        ).order_by("position", "pk")
    )


# The public pages' copy of each survey's questions, per process: (survey id, updated_at) → questions.
# Every change to a survey's questions goes through this module and moves ``Survey.updated_at`` (``_touch``),
# which every request reads afresh with the invitation, so another process's copy is never used after a
# change; this process's copies of the survey are dropped at once (``_forget``), which also covers two
# changes within one clock tick and ids used again (SQLite tests). Bounded: the oldest entry goes first.
_CACHE: dict[tuple[int, Any], list[Question]] = {}
_CACHE_LOCK = threading.Lock()  # requests run in threads: one writer at a time (a read needs no lock)
CACHE_MAX = 512


def questions_cached(survey: Survey) -> list[Question]:
    """``questions_of(survey)``, read once per process until the survey's ``updated_at`` changes (the
    customer's pages ask for them on every request). The instances are shared: read them, never change
    them; the list is the caller's own."""
    key = (survey.pk, survey.updated_at)
    found = _CACHE.get(key)
    if found is None:
        found = questions_of(survey)
        with _CACHE_LOCK:
            while len(_CACHE) >= CACHE_MAX:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = found
    return list(found)


def _forget(survey_id: int) -> None:
    with _CACHE_LOCK:
        for key in [key for key in _CACHE if key[0] == survey_id]:
            del _CACHE[key]


def questions_store(survey: Survey, specs: Sequence[QuestionSpec], *, start: int = 0) -> list[Question]:
    """Store checked specs in order after ``start``; conditions on earlier specs become foreign keys."""
    _forget(survey.pk)
    stored: list[Question] = []
    for offset, spec in enumerate(specs):
        source = spec.show_if_source
        if isinstance(source, int):
            source = stored[source]
        stored.append(
            Question.objects.create(
                workspace_id=survey.workspace_id,
                survey=survey,
                type=spec.type,
                text_fa=spec.text_fa,
                text_en=spec.text_en,
                choices=spec.choices,
                required=spec.required,
                position=start + offset,
                show_if_question=source,
                show_if_op=spec.show_if_op if source is not None else "",
                show_if_value=spec.show_if_value if source is not None else None,
            )
        )
    return stored


def _audit(acting: Membership, survey: Survey, after: dict[str, Any], via: str) -> None:
    audit_record(
        workspace=acting.workspace, actor=acting.user, action=A.UPDATE, obj=survey, after=after, via=via
    )


@transaction.atomic
def question_add(
    *, acting: Membership, survey: Survey, data: Mapping[str, Any], via: str = "web"
) -> Question:
    """Add a question at the end; ``data["show_if"]["question"]`` is an earlier question's id."""
    require(acting, Perm.SURVEYS_MANAGE, survey.workspace_id)
    current = questions_of(survey)
    if len(current) >= MAX_QUESTIONS:
        raise invalid("questions", _("A survey may have at most %(max)d questions.") % {"max": MAX_QUESTIONS})
    spec = question_clean(data, earlier=current, number=len(current) + 1)
    last = Question.objects.filter(workspace_id=survey.workspace_id, survey=survey).aggregate(
        m=Max("position")
    )
    [question] = questions_store(survey, [spec], start=(last["m"] if last["m"] is not None else -1) + 1)
    _touch(survey)
    _audit(acting, survey, {"question_added": question.pk, "text": question.text_fa}, via)
    return question


@transaction.atomic
def question_update(
    *, acting: Membership, question: Question, data: Mapping[str, Any], via: str = "web"
) -> Question:
    """Change a question's type, texts, choices, required flag or condition (on a question before it).
    The type of a question that already has answers cannot change (the answers would mean something else)."""
    require(acting, Perm.SURVEYS_MANAGE, question.workspace_id)
    current = questions_of(question.survey)
    earlier = [q for q in current if (q.position, q.pk) < (question.position, question.pk)]
    spec = question_clean(data, earlier=earlier, number=len(earlier) + 1)
    answered = Answer.objects.filter(workspace_id=question.workspace_id, question=question).exists()
    if answered and spec.type != question.type:
        raise invalid(
            "questions",
            _(
                "Question %(n)d — people have answered it already, so its type cannot change; "
                "add a new question."
            )
            % {"n": len(earlier) + 1},
        )
    source = spec.show_if_source if isinstance(spec.show_if_source, Question) else None
    question.type = spec.type
    question.text_fa, question.text_en = spec.text_fa, spec.text_en
    question.choices, question.required = spec.choices, spec.required
    question.show_if_question = source
    question.show_if_op = spec.show_if_op if source else ""
    question.show_if_value = spec.show_if_value if source else None
    question.save()
    _touch(question.survey)
    _audit(acting, question.survey, {"question_changed": question.pk, "text": question.text_fa}, via)
    return question


@transaction.atomic
def question_remove(*, acting: Membership, question: Question, via: str = "web") -> None:
    """Remove a question; one with answers is kept out of sight so its answers keep their meaning.
    Follow-ups that depended on it show always afterwards (their condition is dropped)."""
    require(acting, Perm.SURVEYS_MANAGE, question.workspace_id)
    Question.objects.filter(workspace_id=question.workspace_id, show_if_question=question).update(
        show_if_question=None, show_if_op="", show_if_value=None
    )
    if Answer.objects.filter(workspace_id=question.workspace_id, question=question).exists():
        question.removed_at = timezone.now()
        question.save(update_fields=["removed_at"])
    else:
        question.delete()
    _touch(question.survey)
    _audit(acting, question.survey, {"question_removed": question.pk}, via)


@transaction.atomic
def question_move(*, acting: Membership, question: Question, up: bool, via: str = "web") -> None:
    """Swap a question with its neighbour. A follow-up never moves above the question it depends on."""
    require(acting, Perm.SURVEYS_MANAGE, question.workspace_id)
    current = questions_of(question.survey)
    index = next(i for i, q in enumerate(current) if q.pk == question.pk)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(current):
        return
    other = current[other_index]
    first, second = (other, question) if up else (question, other)
    if second.show_if_question_id == first.pk:
        raise invalid("questions", _("A follow-up must stay after the question it depends on."))
    current[index], current[other_index] = other, question
    for position, item in enumerate(current):
        if item.position != position:
            Question.objects.filter(pk=item.pk, workspace_id=item.workspace_id).update(position=position)
    _touch(question.survey)
    _audit(acting, question.survey, {"question_moved": question.pk, "up": up}, via)


def _touch(survey: Survey) -> None:
    """Mark the survey changed: the public pages' copies of its questions (``questions_cached``) expire."""
    _forget(survey.pk)
    Survey.objects.filter(pk=survey.pk, workspace_id=survey.workspace_id).update(updated_at=timezone.now())
