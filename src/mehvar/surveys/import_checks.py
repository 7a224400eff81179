"""Checking the items of an import of historic survey responses (``surveys.imports``) before anything is
written: every problem of every item is collected and raised at once, keyed ``items.N.field``
(``items.3.answers.0.value``), each message in the active language.

Per item: ``external_id`` (given, at most 100 characters, once per request), ``answered_at`` (Jalali or ISO
text, Tehran time without a zone, not in the future), whose answer it is (``customer_id`` of a live customer
of the workspace, or ``identities`` that normalise; neither for an anonymous survey), ``channel`` and
``language`` from their lists, and ``answers``: each names a current question of the survey by id or
position, once, and is read exactly as a live answer is (``responses.answer_parse``: scales with Persian
digits, choice keys, free text cleaned and flagged). Required questions and follow-up conditions are not
enforced: historic data often lacks what a form would have asked.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from mehvar.channels.models import ChannelKind
from mehvar.core.jalali import JalaliDateError, parse_datetime
from mehvar.core.text import normalize_text, to_ascii_digits
from mehvar.customers.models import Customer
from mehvar.surveys import scales
from mehvar.surveys.models import Question, Response, Survey
from mehvar.surveys.responses import SCORE_TYPES, Parsed, answer_parse

MAX_ITEMS = 1000
EXTERNAL_ID_MAX = 100  # the timeline's external id adds the survey's id (activities keep 128 characters)
LANGUAGES = ("fa", "en")
# An answer a few minutes "in the future" is a clock that runs fast, not an error.
CLOCK_SKEW = dt.timedelta(minutes=5)


@dataclass
class ImportRow:
    index: int
    external_id: str
    answered_at: dt.datetime
    customer_id: int | None = None
    identities: list[tuple[str, str]] = field(default_factory=list)
    channel: str = ""
    language: str = "fa"
    answers: list[tuple[Question, Parsed]] = field(default_factory=list)
    score: int | None = None


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def fail(self, path: str, message: str, code: str = "invalid") -> None:
        self.by_field.setdefault(path, []).append(ValidationError(message, code=code))


def item_text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value)


def _moment(value: Any) -> dt.datetime:
    """An aware datetime, or Jalali / ISO text (no zone: Tehran); JalaliDateError when unreadable."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise JalaliDateError("invalid_format", _("Give the time zone, or write the time as text."))
        return value.astimezone(dt.UTC)
    if value is None or value == "":
        raise JalaliDateError(
            "required", _("Say when it was answered, for example 1403/07/15 10:30 or 2024-10-06T07:00:00Z.")
        )
    return parse_datetime(str(value))


def existing_of(survey: Survey, external_ids: Sequence[str]) -> dict[str, tuple[int, int | None]]:
    """external id → (response id, customer id) for the ids this survey already has: one query."""
    wanted = sorted({external_id for external_id in external_ids if external_id})
    if not wanted:
        return {}
    rows = Response.objects.filter(
        workspace_id=survey.workspace_id, survey=survey, external_id__in=wanted
    ).values_list("external_id", "pk", "customer_id")
    return {external_id: (pk, customer_id) for external_id, pk, customer_id in rows}


def _customers(survey: Survey, rows: list[ImportRow], errors: _Errors) -> None:
    """Items naming a customer id get the live customer (a merged one's survivor); one query."""
    wanted = {row.customer_id for row in rows if row.customer_id is not None}
    if not wanted:
        return
    found: dict[int, int] = {}
    for customer in Customer.objects.filter(
        workspace_id=survey.workspace_id, pk__in=wanted, erased_at=None
    ).select_related("merged_into"):
        target = customer.merged_into if customer.merged_into_id is not None else customer
        if target is not None and target.erased_at is None:
            found[customer.pk] = target.pk
    for row in rows:
        if row.customer_id is None:
            continue
        if row.customer_id in found:
            row.customer_id = found[row.customer_id]
        else:
            errors.fail(
                f"items.{row.index}.customer_id",
                _("There is no such customer in this workspace."),
                "not_found",
            )


def _identities(raw: Mapping[str, Any], at: str, errors: _Errors) -> list[tuple[str, str]]:
    from mehvar.customers.matching import normalize_identity

    pairs: list[tuple[str, str]] = []
    for position, identity in enumerate(raw.get("identities") or []):
        identity = identity if isinstance(identity, Mapping) else {}
        kind, value = item_text(identity, "kind"), item_text(identity, "value")
        try:
            normalize_identity(kind, value)
        except ValidationError as error:
            where = "kind" if "kind" in error.message_dict else "value"
            for messages in error.message_dict.values():
                for message in messages:
                    errors.fail(f"{at}.identities.{position}.{where}", message, "invalid")
            continue
        pairs.append((kind, value))
    return pairs


def _answer_key(question: Question) -> str:
    if question.type in scales.SCALES:
        return "value"
    return "choices" if question.type in scales.CHOICE_TYPES else "text"


def _answers(
    raw: Mapping[str, Any], at: str, questions: list[Question], errors: _Errors
) -> list[tuple[Question, Parsed]]:
    by_id = {q.pk: q for q in questions}
    by_position = {q.position: q for q in questions}
    given = raw.get("answers") or []
    if not given:
        errors.fail(f"{at}.answers", _("Give at least one answer."), "required")
        return []
    answers: list[tuple[Question, Parsed]] = []
    seen: dict[int, int] = {}
    for n, answer in enumerate(given):
        path = f"{at}.answers.{n}"
        answer = answer if isinstance(answer, Mapping) else {}
        question_id, position = answer.get("question"), answer.get("position")
        if (question_id is None) == (position is None):
            errors.fail(
                f"{path}.question",
                _("Say which question: its id in “question” or its “position”."),
                "required",
            )
            continue
        question = by_id.get(question_id) if question_id is not None else by_position.get(position)
        if question is None:
            name = "question" if question_id is not None else "position"
            errors.fail(f"{path}.{name}", _("This survey has no such question."), "not_found")
            continue
        first = seen.setdefault(question.pk, n)
        if first != n:
            errors.fail(
                f"{path}.question",
                _("Answers %(first)d and %(second)d are for the same question.")
                % {"first": first, "second": n},
                "duplicate",
            )
            continue
        key = _answer_key(question)
        value = answer.get(key)
        if key == "choices" and value is None and answer.get("value") is not None:
            value = answer.get("value")  # one choice may come as "value": "key"
        try:
            parsed = answer_parse(question, value)
        except ValueError as error:
            errors.fail(f"{path}.{key}", str(error))
            continue
        if parsed is None:
            errors.fail(
                f"{path}.{key}",
                _("This question is answered in “%(field)s”, and it is empty.") % {"field": key},
                "required",
            )
            continue
        answers.append((question, parsed))
    return answers


def items_clean(
    survey: Survey,
    questions: list[Question],
    items: Sequence[Mapping[str, Any]],
    existing: Mapping[str, tuple[int, int | None]],
    now: dt.datetime,
) -> list[ImportRow]:
    """The new items, checked; every problem of every item raised at once."""
    errors = _Errors()
    if len(items) > MAX_ITEMS:
        errors.fail("items", _("At most %(max)d responses per request.") % {"max": MAX_ITEMS}, "too_long")
        raise ValidationError(errors.by_field)
    channels = set(ChannelKind.values)
    seen: dict[str, int] = {}
    rows: list[ImportRow] = []
    for index, raw in enumerate(items):
        at = f"items.{index}"
        raw = raw if isinstance(raw, Mapping) else {}
        external_id = normalize_text(item_text(raw, "external_id"))
        if not external_id:
            errors.fail(
                f"{at}.external_id", _("Give the response's id in the system it comes from."), "required"
            )
        elif len(external_id) > EXTERNAL_ID_MAX:
            errors.fail(
                f"{at}.external_id",
                _("An external id has at most %(max)d characters.") % {"max": EXTERNAL_ID_MAX},
                "too_long",
            )
        elif (first := seen.setdefault(external_id, index)) != index:
            errors.fail(
                f"{at}.external_id",
                _("Items %(first)d and %(second)d have the same external id.")
                % {"first": first, "second": index},
                "duplicate",
            )
        if external_id in existing:
            continue  # stored already: reported as existing, nothing to check or write
        try:
            answered_at = _moment(raw.get("answered_at"))
        except JalaliDateError as error:
            errors.fail(f"{at}.answered_at", error.message, error.code)
            answered_at = now
        if answered_at > now + CLOCK_SKEW:
            errors.fail(f"{at}.answered_at", _("An imported response cannot be in the future."), "future")
        row = ImportRow(index=index, external_id=external_id, answered_at=answered_at)
        customer_id = raw.get("customer_id")
        has_identities = bool(raw.get("identities"))
        if survey.anonymous:
            if customer_id is not None or has_identities:
                name = "customer_id" if customer_id is not None else "identities"
                errors.fail(
                    f"{at}.{name}",
                    _("This survey is anonymous: leave the customer out."),
                    "anonymous",
                )
        elif customer_id is not None and has_identities:
            errors.fail(f"{at}.identities", _("Give a customer id or identities, not both."), "ambiguous")
        elif customer_id is not None:
            try:
                number = int(to_ascii_digits(str(customer_id)).strip())
            except ValueError:
                errors.fail(f"{at}.customer_id", _("Enter a whole number."))
            else:  # out of a row id's range: no such customer (asked as 0, which matches nothing)
                row.customer_id = number if 0 < number < 2**63 else 0
        elif has_identities:
            row.identities = _identities(raw, at, errors)
        else:
            errors.fail(
                f"{at}.customer_id",
                _("Say whose response this is: a customer id or at least one identity."),
                "required",
            )
        row.channel = item_text(raw, "channel").strip().lower()
        if row.channel and row.channel not in channels:
            errors.fail(
                f"{at}.channel",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(channels))},
            )
        row.language = item_text(raw, "language") or "fa"
        if row.language not in LANGUAGES:
            errors.fail(f"{at}.language", _("Choose one of: %(choices)s.") % {"choices": "fa, en"})
        row.answers = _answers(raw, at, questions, errors)
        rows.append(row)
    _customers(survey, rows, errors)
    if errors.by_field:
        raise ValidationError(errors.by_field)
    for row in rows:
        ordered = sorted(row.answers, key=lambda pair: (pair[0].position, pair[0].pk))
        row.score = next((p.value for q, p in ordered if q.type in SCORE_TYPES and p.value is not None), None)
        if survey.anonymous:  # only the day, as for a live anonymous response
            row.answered_at = row.answered_at.replace(hour=0, minute=0, second=0, microsecond=0)
    return rows
