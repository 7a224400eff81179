"""Storing answers: one tap from a link, or the whole form; each exactly once.

* One response per invitation (a unique constraint) and one answer per question per response (another):
  a link clicked twice, a form sent twice or two requests racing store one row each. The invitation row is
  locked while answering, and the constraints catch what the lock cannot (SQLite, another process).
* A one-tap answer is single-use per question: the second click shows what was recorded and changes nothing.
* The whole form is stored once: a second submission finds ``submitted_at`` set and stores nothing.
* Anonymous surveys store the form only (a one-tap link pre-fills it), and the response points at nothing
  that names the person; the invitation's ``answered_at`` is what stops a second response.

After storing: the customer's timeline (``survey_response``), their last NPS, and the closed loop
(``recovery.recovery_consider``).
"""

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.customers.models import Activity, Customer
from mehvar.customers.timeline import activity_record
from mehvar.surveys import comments, scales
from mehvar.surveys.models import Answer, Invitation, Question, QuestionType, Response, SurveyKind
from mehvar.surveys.questions import questions_of

SCORE_TYPES = (QuestionType.NPS, QuestionType.CSAT, QuestionType.CES)


@dataclass
class Parsed:
    value: int | None = None
    choices: list[str] = field(default_factory=list)
    text: str = ""
    flags: list[str] = field(default_factory=list)
    sentiment: str = ""
    sentiment_score: float | None = None

    @property
    def condition_value(self) -> Any:
        return self.value if self.value is not None else (self.choices or None)


def answer_parse(question: Question, raw: Any) -> Parsed | None:
    """The answer written in ``raw`` (a string, or a list for several choices); None when left empty.
    Raises ValueError with a message for the person answering."""
    if question.type in scales.SCALES:
        if raw in (None, "", []):
            return None
        value = scales.parse_scale(question.type, raw[0] if isinstance(raw, list) else raw)
        if value is None:
            low, high = scales.SCALES[question.type]
            raise ValueError(_("Choose a number from %(low)d to %(high)d.") % {"low": low, "high": high})
        return Parsed(value=value)
    if question.type in scales.CHOICE_TYPES:
        items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
        keys = [str(item) for item in items if str(item)]
        if not keys:
            return None
        allowed = scales.choice_keys(question)
        if any(key not in allowed for key in keys) or (
            question.type == QuestionType.SINGLE and len(keys) > 1
        ):
            raise ValueError(_("Choose among the choices given."))
        return Parsed(choices=list(dict.fromkeys(keys)))
    text, flags = comments.text_clean(raw[0] if isinstance(raw, list) and raw else raw)
    return Parsed(text=text, flags=flags) if text else None


def stored_answers(response: Response | None) -> dict[int, Answer]:
    if response is None:
        return {}
    return {
        a.question_id: a for a in Answer.objects.filter(workspace_id=response.workspace_id, response=response)
    }


def response_of(invitation: Invitation) -> Response | None:
    return Response.objects.filter(workspace_id=invitation.workspace_id, invitation=invitation).first()


def invitation_open(*, invitation: Invitation, now: dt.datetime | None = None) -> None:
    """Note the first time the customer opened the survey."""
    if invitation.opened_at is None:
        now = now or timezone.now()
        Invitation.objects.filter(
            pk=invitation.pk, workspace_id=invitation.workspace_id, opened_at__isnull=True
        ).update(opened_at=now)
        invitation.opened_at = now


def _lock(invitation: Invitation) -> None:
    Invitation.objects.select_for_update().filter(
        pk=invitation.pk, workspace_id=invitation.workspace_id
    ).first()


def _response_for(invitation: Invitation, language: str, now: dt.datetime) -> Response:
    """The invitation's one response, created on first use (the constraint makes a race find the winner)."""
    existing = response_of(invitation)
    if existing is not None:
        existing.survey = invitation.survey
        return existing
    try:
        with transaction.atomic():
            return Response.objects.create(
                workspace_id=invitation.workspace_id,
                survey=invitation.survey,
                invitation=invitation,
                customer_id=invitation.customer_id,
                conversation_id=invitation.conversation_id,
                agent_id=invitation.agent_id,
                channel_kind=invitation.channel.kind,
                language=language,
                created_at=now,
            )
    except IntegrityError:
        return Response.objects.get(workspace_id=invitation.workspace_id, invitation=invitation)


def _store(
    response: Response, question: Question, parsed: Parsed, via: str, now: dt.datetime
) -> Answer | None:
    """One answer, or None when the question was answered already (never overwritten)."""
    try:
        with transaction.atomic():
            return Answer.objects.create(
                workspace_id=response.workspace_id,
                response=response,
                question=question,
                value=parsed.value,
                choices=parsed.choices,
                text=parsed.text,
                flags=parsed.flags,
                sentiment=parsed.sentiment,
                sentiment_score=parsed.sentiment_score,
                via=via,
                created_at=now,
            )
    except IntegrityError:
        return None


def _mark_answered(invitation: Invitation, now: dt.datetime) -> bool:
    """Claim the invitation as answered; False when it was already."""
    done = Invitation.objects.filter(
        pk=invitation.pk, workspace_id=invitation.workspace_id, answered_at__isnull=True
    ).update(answered_at=now)
    if done:
        invitation.answered_at = now
    return done == 1


def _scored(response: Response, answers: Mapping[int, Answer], questions: list[Question]) -> None:
    if response.score is not None:
        return
    for question in questions:
        answer = answers.get(question.pk)
        if question.type in SCORE_TYPES and answer is not None and answer.value is not None:
            response.score = answer.value
            Response.objects.filter(pk=response.pk, workspace_id=response.workspace_id).update(
                score=answer.value
            )
            return


def _summary(response: Response, answers: Mapping[int, Answer], questions: list[Question]) -> str:
    survey = response.survey
    label = (
        survey.kind.upper()
        if survey.kind in (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)
        else survey.title_fa
    )
    parts = [f"{label} {response.score}" if response.score is not None else label]
    parts += [answers[q.pk].text for q in questions if q.pk in answers and answers[q.pk].text]
    return " · ".join(parts)[:500]


def _after(
    response: Response, answers: Mapping[int, Answer], questions: list[Question], now: dt.datetime
) -> None:
    """Timeline, last NPS and the closed loop, for an identified response."""
    _scored(response, answers, questions)
    if response.customer_id is None:
        return
    customer = Customer.objects.select_related("workspace").get(
        pk=response.customer_id, workspace_id=response.workspace_id
    )
    summary = _summary(response, answers, questions)
    data = {"survey": response.survey_id, "kind": response.survey.kind, "score": response.score}
    external_id = f"response:{response.pk}"
    updated = Activity.objects.filter(
        workspace_id=response.workspace_id, source="surveys", external_id=external_id
    ).update(summary=summary, data=data)
    if not updated:
        activity_record(
            workspace=customer.workspace,
            customer=customer,
            kind="survey_response",
            occurred_at=response.created_at,
            summary=summary,
            channel=response.channel_kind,
            data=data,
            source="surveys",
            external_id=external_id,
            record=response,
        )
    if response.survey.kind == SurveyKind.NPS and response.score is not None:
        Customer.objects.filter(pk=customer.pk, workspace_id=customer.workspace_id).update(
            last_nps=response.score
        )
    from mehvar.surveys.recovery import recovery_consider

    recovery_consider(response=response, answers=answers, questions=questions, now=now)


@dataclass
class TapOutcome:
    status: str  # recorded, already_answered, prefill (anonymous), expired, invalid
    response: Response | None = None
    value: Any = None


@transaction.atomic
def answer_one_tap(
    *, invitation: Invitation, question: Question, raw_value: str, now: dt.datetime | None = None
) -> TapOutcome:
    """Record the answer carried by a one-tap link (the signature was checked by the caller)."""
    now = now or timezone.now()
    if invitation.expires_at <= now:
        return TapOutcome("expired")
    if (
        question.survey_id != invitation.survey_id
        or question.removed_at is not None
        or question.show_if_question_id
    ):
        return TapOutcome("invalid")
    if not (scales.is_scale(question.type) or question.type == QuestionType.SINGLE):
        return TapOutcome("invalid")
    try:
        parsed = answer_parse(question, raw_value)
    except ValueError:
        return TapOutcome("invalid")
    if parsed is None:
        return TapOutcome("invalid")
    if invitation.survey.anonymous:
        return TapOutcome("prefill", value=parsed.condition_value)
    _lock(invitation)
    response = _response_for(invitation, invitation.language, now)
    answers = stored_answers(response)
    if response.submitted_at is not None or question.pk in answers:
        return TapOutcome("already_answered", response, answers.get(question.pk))
    answer = _store(response, question, parsed, "link", now)
    if answer is None:
        return TapOutcome("already_answered", response, stored_answers(response).get(question.pk))
    answers[question.pk] = answer
    _mark_answered(invitation, now)
    _after(response, answers, questions_of(invitation.survey), now)
    return TapOutcome("recorded", response, answer)


def applicable(questions: list[Question], given: Mapping[int, Any]) -> list[Question]:
    """The questions that show, in order, given the answers so far (question id → number or keys)."""
    return [q for q in questions if scales.condition_met(q, given)]


@dataclass
class SubmitOutcome:
    status: str  # stored, duplicate, more (follow-ups to show first), expired
    response: Response | None = None
    given: dict[int, Any] = field(default_factory=dict)


def _parse_form(
    questions: list[Question], data: Mapping[int, Any], kept: Mapping[int, Answer]
) -> tuple[dict[int, Parsed], dict[int, Any]]:
    """Parse every submitted answer (stored ones win); errors keyed ``q<id>``, all at once."""
    parsed: dict[int, Parsed] = {}
    errors: dict[str, str] = {}
    given: dict[int, Any] = {qid: scales.answer_value(a) for qid, a in kept.items()}
    for question in questions:
        if question.pk in kept:
            continue
        try:
            item = answer_parse(question, data.get(question.pk))
        except ValueError as error:
            errors[f"q{question.pk}"] = str(error)
            continue
        if item is not None:
            parsed[question.pk] = item
            given[question.pk] = item.condition_value
    shown = applicable(questions, given)
    for question in shown:
        if question.required and question.pk not in parsed and question.pk not in kept:
            errors.setdefault(f"q{question.pk}", _("Please answer this question."))
    if errors:
        raise ValidationError(errors)
    shown_ids = {q.pk for q in shown}
    return {qid: p for qid, p in parsed.items() if qid in shown_ids}, given


@transaction.atomic
def response_submit(
    *,
    invitation: Invitation,
    data: Mapping[int, Any],
    shown: Collection[int],
    language: str = "",
    now: dt.datetime | None = None,
) -> SubmitOutcome:
    """Store the survey form once. ``data`` maps question ids to what was sent; ``shown`` are the questions
    the page displayed: when the answers make a follow-up apply that was not shown (no JavaScript), nothing
    is stored and the status is ``more``, so the page asks it first. Answers that fail raise
    ValidationError keyed ``q<question id>``; answers given earlier by one tap are kept as they were."""
    now = now or timezone.now()
    if invitation.expires_at <= now:
        return SubmitOutcome("expired")
    survey = invitation.survey
    language = language if language in ("fa", "en") else invitation.language
    questions = questions_of(survey)
    _lock(invitation)
    response = None if survey.anonymous else response_of(invitation)
    if (response is not None and response.submitted_at is not None) or (
        survey.anonymous and invitation.answered_at is not None
    ):
        return SubmitOutcome("duplicate", response)
    kept = stored_answers(response)
    parsed, given = _parse_form(questions, data, kept)
    missing = [q for q in applicable(questions, given) if q.pk not in shown and q.pk not in kept]
    if missing:
        return SubmitOutcome("more", None, given)
    if survey.anonymous:
        if not _mark_answered(invitation, now):
            return SubmitOutcome("duplicate")
        # Only the day is kept, so that the response cannot be paired with the invitation's answered_at.
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        response = Response.objects.create(
            workspace_id=invitation.workspace_id,
            survey=survey,
            language=language,
            created_at=day,
            submitted_at=day,
        )
    else:
        response = response or _response_for(invitation, language, now)
        claimed = Response.objects.filter(
            pk=response.pk, workspace_id=response.workspace_id, submitted_at__isnull=True
        ).update(submitted_at=now, language=language)
        if claimed != 1:
            return SubmitOutcome("duplicate", response)
        response.submitted_at, response.language = now, language
        _mark_answered(invitation, now)
    answers = dict(kept)
    texts = [p for p in parsed.values() if p.text]
    for item, sentiment in zip(
        texts, comments.sentiments([p.text for p in texts], workspace=invitation.workspace), strict=True
    ):
        if sentiment is not None:
            item.sentiment, item.sentiment_score = sentiment
    by_id = {q.pk: q for q in questions}
    for qid, item in parsed.items():
        answer = _store(response, by_id[qid], item, "form", now)
        if answer is not None:
            answers[qid] = answer
    if survey.anonymous:
        _scored(response, answers, questions)
    else:
        _after(response, answers, questions, now)
    return SubmitOutcome("stored", response, given)
