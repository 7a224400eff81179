"""Storing answers: one tap from a link, or the whole form; each exactly once.

* One response per invitation (a unique constraint) and one answer per question per response (another):
  a link clicked twice, a form sent twice or two requests racing store one row each. The invitation row is
  locked while answering (a first answer locks it with the UPDATE that marks it answered), and the rest is
  decided on what was read under that lock, so no write can meet the constraints: they are the last line,
  not a path (a violation would be an error, never a second row).
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
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.customers.models import Activity, Customer
from mehvar.customers.timeline import activity_insert
from mehvar.surveys import comments, scales
from mehvar.surveys.models import Answer, Invitation, Question, QuestionType, Response, Survey, SurveyKind
from mehvar.surveys.questions import questions_cached

SCORE_TYPES = (QuestionType.NPS, QuestionType.CSAT, QuestionType.CES)


@dataclass
class Parsed:
    value: int | None = None
    choices: list[str] = field(default_factory=list)
    text: str = ""
    flags: list[str] = field(default_factory=list)
    sentiment: str = ""
    sentiment_score: float | None = None
    topics: list[str] = field(default_factory=list)

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
    rows = Response.objects.filter(workspace_id=invitation.workspace_id, invitation=invitation)[:1]
    response = next(iter(rows), None)  # one at most (a unique constraint): no ORDER BY
    if response is not None:
        response.survey = invitation.survey
    return response


def invitation_open(*, invitation: Invitation, now: dt.datetime | None = None) -> None:
    """Note the first time the customer opened the survey."""
    if invitation.opened_at is None:
        now = now or timezone.now()
        Invitation.objects.filter(
            pk=invitation.pk, workspace_id=invitation.workspace_id, opened_at__isnull=True
        ).update(opened_at=now)
        invitation.opened_at = now


def _lock(invitation: Invitation) -> None:
    """Lock the invitation's row until the transaction ends, and read ``answered_at`` again under the lock:
    the object may have been read before another request answered."""
    rows = Invitation.objects.select_for_update().filter(
        pk=invitation.pk, workspace_id=invitation.workspace_id
    )
    invitation.answered_at = next(iter(rows.values_list("answered_at", flat=True)), None)


def _mark_answered(invitation: Invitation, now: dt.datetime) -> bool:
    """Claim the invitation as answered; False when it was already. Claimed, its row stays locked until
    the transaction ends (the UPDATE's lock), so the claim is also the lock of a first answer."""
    done = Invitation.objects.filter(
        pk=invitation.pk, workspace_id=invitation.workspace_id, answered_at__isnull=True
    ).update(answered_at=now)
    if done:
        invitation.answered_at = now
    return done == 1


def _score(values: Mapping[int, int | None], questions: list[Question]) -> int | None:
    """The response's score: the first NPS, CSAT or CES question (in order) answered with a number."""
    for question in questions:
        if question.type in SCORE_TYPES and values.get(question.pk) is not None:
            return values[question.pk]
    return None


def _response_create(
    invitation: Invitation,
    *,
    language: str,
    now: dt.datetime,
    score: int | None,
    submitted_at: dt.datetime | None = None,
) -> Response:
    """The invitation's one response, with its score. Only under the invitation's lock, once it is known
    that there is none (the invitation was not answered): nothing can conflict, so no savepoint."""
    return Response.objects.create(
        workspace_id=invitation.workspace_id,
        survey=invitation.survey,
        invitation=invitation,
        customer_id=invitation.customer_id,
        conversation_id=invitation.conversation_id,
        agent_id=invitation.agent_id,
        team_id=_team_of(invitation),
        channel_kind=invitation.channel.kind,
        language=language,
        score=score,
        created_at=now,
        submitted_at=submitted_at,
    )


def _team_of(invitation: Invitation) -> int | None:
    """The team that handled the interaction: the conversation's (for reports by team)."""
    if invitation.conversation_id is None:
        return None
    from mehvar.conversations.models import Conversation

    rows = Conversation.objects.filter(workspace_id=invitation.workspace_id, pk=invitation.conversation_id)
    return rows.values_list("team_id", flat=True).first()


def _answer(response: Response, question: Question, parsed: Parsed, via: str, now: dt.datetime) -> Answer:
    return Answer(
        workspace_id=response.workspace_id,
        response=response,
        question=question,
        value=parsed.value,
        choices=parsed.choices,
        text=parsed.text,
        flags=parsed.flags,
        sentiment=parsed.sentiment,
        sentiment_score=parsed.sentiment_score,
        topics=parsed.topics,
        via=via,
        created_at=now,
    )


def _scored(response: Response, answers: Mapping[int, Answer], questions: list[Question]) -> None:
    """Fill the score of a response that had none (an earlier answer was not a score)."""
    if response.score is not None:
        return
    score = _score({qid: a.value for qid, a in answers.items()}, questions)
    if score is not None:
        response.score = score
        Response.objects.filter(pk=response.pk, workspace_id=response.workspace_id).update(score=score)


def timeline_summary(survey: Survey, score: int | None, texts: list[str]) -> str:
    """What a response's timeline entry says: ``NPS 9 · the comment`` (live answers and imports alike)."""
    label = (
        survey.kind.upper()
        if survey.kind in (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)
        else survey.title_fa
    )
    parts = [f"{label} {score}" if score is not None else label]
    parts += [text for text in texts if text]
    return " · ".join(parts)[:500]


def _summary(response: Response, answers: Mapping[int, Answer], questions: list[Question]) -> str:
    texts = [answers[q.pk].text for q in questions if q.pk in answers]
    return timeline_summary(response.survey, response.score, texts)


def _after(
    response: Response,
    answers: Mapping[int, Answer],
    questions: list[Question],
    now: dt.datetime,
    *,
    created: bool,
) -> None:
    """Timeline, last NPS and the closed loop, for an identified response (``created``: by this request,
    so that its timeline entry and recovery task cannot exist yet)."""
    if response.customer_id is None:
        return
    summary = _summary(response, answers, questions)
    data = {"survey": response.survey_id, "kind": response.survey.kind, "score": response.score}
    external_id = f"response:{response.pk}"
    nps = response.score if response.survey.kind == SurveyKind.NPS else None
    last_nps_written = False
    if created or not (
        Activity.objects.filter(
            workspace_id=response.workspace_id, source="surveys", external_id=external_id
        ).update(summary=summary, data=data)
    ):
        # A new entry's customer UPDATE carries the last NPS too (one statement for both).
        last_nps_written = activity_insert(
            workspace_id=response.workspace_id,
            customer_id=response.customer_id,
            kind="survey_response",
            occurred_at=response.created_at,
            summary=summary,
            channel=response.channel_kind,
            data=data,
            source="surveys",
            external_id=external_id,
            record=response,
            customer_fields=None if nps is None else {"last_nps": nps},
        )
    if nps is not None and not last_nps_written:
        Customer.objects.filter(pk=response.customer_id, workspace_id=response.workspace_id).update(
            last_nps=nps
        )
    from mehvar.surveys.recovery import recovery_consider

    recovery_consider(response=response, answers=answers, questions=questions, now=now, new=created)


@dataclass
class TapOutcome:
    status: str  # recorded, already_answered, prefill (anonymous), expired, invalid
    response: Response | None = None
    value: Any = None


@transaction.atomic
def answer_one_tap(
    *,
    invitation: Invitation,
    question: Question,
    raw_value: str,
    now: dt.datetime | None = None,
    questions: list[Question] | None = None,
) -> TapOutcome:
    """Record the answer carried by a one-tap link (the signature was checked by the caller).
    ``questions``: the survey's current questions, when the caller has them already."""
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
    questions = questions if questions is not None else questions_cached(invitation.survey)
    if invitation.answered_at is None and _mark_answered(invitation, now):
        # The first answer: the claim holds the row, and an unanswered invitation has no response yet.
        score = _score({question.pk: parsed.value}, questions)
        response = _response_create(invitation, language=invitation.language, now=now, score=score)
        answer = _answer(response, question, parsed, "link", now)
        answer.save(force_insert=True)
        _after(response, {question.pk: answer}, questions, now, created=True)
        return TapOutcome("recorded", response, answer)
    _lock(invitation)
    response = response_of(invitation)
    created = response is None
    if response is None:  # answered, yet without a response: not left by this module, but never a 500
        response = _response_create(invitation, language=invitation.language, now=now, score=None)
    answers = stored_answers(response)
    if response.submitted_at is not None or question.pk in answers:
        return TapOutcome("already_answered", response, answers.get(question.pk))
    answer = _answer(response, question, parsed, "link", now)
    answer.save(force_insert=True)
    answers[question.pk] = answer
    _scored(response, answers, questions)
    _after(response, answers, questions, now, created=created)
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
    questions: list[Question] | None = None,
) -> SubmitOutcome:
    """Store the survey form once. ``data`` maps question ids to what was sent; ``shown`` are the questions
    the page displayed: when the answers make a follow-up apply that was not shown (no JavaScript), nothing
    is stored and the status is ``more``, so the page asks it first. Answers that fail raise
    ValidationError keyed ``q<question id>``; answers given earlier by one tap are kept as they were.
    ``questions``: the survey's current questions, when the caller has them already."""
    now = now or timezone.now()
    if invitation.expires_at <= now:
        return SubmitOutcome("expired")
    survey = invitation.survey
    language = language if language in ("fa", "en") else invitation.language
    questions = questions if questions is not None else questions_cached(survey)
    if not survey.anonymous and invitation.answered_at is None:
        first = _first_form(invitation, data, shown, language, questions, now)
        if first is not None:
            return first
    _lock(invitation)
    answered = invitation.answered_at is not None
    # Unanswered, the invitation has no response (every answer marks it answered in its own transaction).
    response = None if survey.anonymous or not answered else response_of(invitation)
    if (response is not None and response.submitted_at is not None) or (survey.anonymous and answered):
        return SubmitOutcome("duplicate", response)
    kept = stored_answers(response)
    parsed, given = _parse_form(questions, data, kept)
    missing = [q for q in applicable(questions, given) if q.pk not in shown and q.pk not in kept]
    if missing:
        return SubmitOutcome("more", None, given)
    values: dict[int, int | None] = {qid: a.value for qid, a in kept.items()}
    values.update(_values(parsed))
    created = response is None
    if survey.anonymous:
        if not _mark_answered(invitation, now):
            return SubmitOutcome("duplicate")
        # Only the day is kept, so that the response cannot be paired with the invitation's answered_at.
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        response = Response.objects.create(
            workspace_id=invitation.workspace_id,
            survey=survey,
            language=language,
            score=_score(values, questions),
            created_at=day,
            submitted_at=day,
        )
    elif response is None:
        response = _response_create(
            invitation, language=language, now=now, score=_score(values, questions), submitted_at=now
        )
        if not answered:
            _mark_answered(invitation, now)
    else:
        # Under the lock nobody else can submit it; the condition keeps the rule visible all the same.
        claimed = Response.objects.filter(
            pk=response.pk, workspace_id=response.workspace_id, submitted_at__isnull=True
        ).update(submitted_at=now, language=language)
        if claimed != 1:
            return SubmitOutcome("duplicate", response)
        response.submitted_at, response.language = now, language
    return _form_store(invitation, response, parsed, kept, given, questions, now, created=created)


def _first_form(
    invitation: Invitation,
    data: Mapping[int, Any],
    shown: Collection[int],
    language: str,
    questions: list[Question],
    now: dt.datetime,
) -> SubmitOutcome | None:
    """The usual case, a first answer to an identified survey, in fewer statements: a complete, valid form
    claims the invitation (the claim's UPDATE holds the row, as the one-tap answer's does) and, an unanswered
    invitation having no response yet, stores it at once. None when the form is incomplete or invalid, or
    someone answered meanwhile (a tap): the caller reads everything again under the lock and decides."""
    try:
        parsed, given = _parse_form(questions, data, {})
    except ValidationError:
        return None
    if any(q.pk not in shown for q in applicable(questions, given)) or not _mark_answered(invitation, now):
        return None
    score = _score(_values(parsed), questions)
    response = _response_create(invitation, language=language, now=now, score=score, submitted_at=now)
    return _form_store(invitation, response, parsed, {}, given, questions, now, created=True)


def _values(parsed: Mapping[int, Parsed]) -> dict[int, int | None]:
    return {qid: p.value for qid, p in parsed.items()}


def _form_store(
    invitation: Invitation,
    response: Response,
    parsed: Mapping[int, Parsed],
    kept: Mapping[int, Answer],
    given: dict[int, Any],
    questions: list[Question],
    now: dt.datetime,
    *,
    created: bool,
) -> SubmitOutcome:
    """The form's new answers (their comments read), then the response's score, timeline and closed loop."""
    texts = [p for p in parsed.values() if p.text]
    for item, reading in zip(
        texts, comments.readings([p.text for p in texts], workspace=invitation.workspace), strict=True
    ):
        if reading is not None:
            item.sentiment, item.sentiment_score = reading.sentiment, reading.score
            item.topics = reading.topics
    by_id = {q.pk: q for q in questions}
    # The stored answers were read under the lock and are not parsed again: none of these exists yet.
    new = Answer.objects.bulk_create(
        [_answer(response, by_id[qid], item, "form", now) for qid, item in parsed.items()]
    )
    answers = {**kept, **{answer.question_id: answer for answer in new}}
    if not invitation.survey.anonymous:
        _scored(response, answers, questions)
        _after(response, answers, questions, now, created=created)
    return SubmitOutcome("stored", response, given)
