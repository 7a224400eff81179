"""A spreadsheet of historic responses to one survey, as its upload page reads it
(``core.spreadsheet_uploads``).

Fixed columns, no mapping step: ``external_id, answered_at, phone, email, customer_id, channel, language``
(an anonymous survey takes no customer, so its template leaves out the three customer columns), then one
column per current question named by its number on the survey's page: ``q1``, ``q2``… A question's cell holds
the scale's number, the choice keys (or their labels) separated by ``|`` or ``،``, or the text. Every cell is
passed as text to ``imports.responses_import``, which reads Persian digits and Jalali dates; its
``items.N.answers.K.value`` errors are shown on the question's column.
"""

import datetime as dt
import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels.models import ChannelKind
from mehvar.core.models import Membership
from mehvar.core.spreadsheet_uploads import ColumnGuide
from mehvar.core.text import normalize_text, search_key
from mehvar.surveys import imports, scales
from mehvar.surveys.import_checks import LANGUAGES, existing_of, items_clean
from mehvar.surveys.models import Question, QuestionType, Survey
from mehvar.surveys.questions import questions_of

CUSTOMER_COLUMNS = ("phone", "email", "customer_id")
IDENTITY_COLUMNS = ("phone", "email")
REQUIRED = ("external_id", "answered_at")
CHOICE_SEPARATORS = re.compile(r"[|،]")


def question_column(number: int) -> str:
    return f"q{number}"


class ResponsesSheet:
    """The columns of ``survey``'s spreadsheet, and how a row becomes an item of ``responses_import``."""

    key_column = "external_id"
    required = REQUIRED

    def __init__(self, *, acting: Membership, survey: Survey, now: dt.datetime | None = None) -> None:
        self.acting = acting
        self.survey = survey
        self.now = now or timezone.now()
        self.questions: list[Question] = questions_of(survey)
        self.by_column = {question_column(n): q for n, q in enumerate(self.questions, start=1)}
        self.columns = [
            "external_id",
            "answered_at",
            *CUSTOMER_COLUMNS,
            "channel",
            "language",
            *self.by_column,
        ]
        self._choices = {q.pk: _choice_keys(q) for q in self.questions if q.type in scales.CHOICE_TYPES}

    def template_columns(self) -> list[str]:
        """The template's header: without the customer columns for an anonymous survey."""
        skip = set(CUSTOMER_COLUMNS) if self.survey.anonymous else set()
        return [column for column in self.columns if column not in skip]

    def header_problems(self, headers: Sequence[str]) -> list[str]:
        if any(header in self.by_column for header in headers):
            return []
        if not self.questions:
            return [_("This survey has no questions yet: add them before importing its answers.")]
        return [
            _("The first row names no question: add a column for each question, q1 to %(last)s.")
            % {"last": question_column(len(self.questions))}
        ]

    def row_item(self, cells: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
        plain = ("external_id", "answered_at", "channel")
        item: dict[str, Any] = {name: cells[name] for name in plain if name in cells}
        if "language" in cells:
            item["language"] = cells["language"].lower()
        columns: dict[str, str] = {}
        if "customer_id" in cells:
            item["customer_id"] = cells["customer_id"]
        identities = [(kind, cells[kind]) for kind in IDENTITY_COLUMNS if kind in cells]
        if identities:
            item["identities"] = [{"kind": kind, "value": value} for kind, value in identities]
            columns["identities"] = identities[0][0]
            columns.update({f"identities.{n}": kind for n, (kind, _value) in enumerate(identities)})
        answers = []
        for column, question in self.by_column.items():
            if column in cells:
                columns[f"answers.{len(answers)}"] = column
                answers.append({"question": question.pk, **self._answer(question, cells[column])})
        item["answers"] = answers
        columns["answers"] = ", ".join(self.by_column) or "q1"
        return item, columns

    def _answer(self, question: Question, text: str) -> dict[str, Any]:
        if question.type in scales.SCALES:
            return {"value": text}
        if question.type in scales.CHOICE_TYPES:
            known = self._choices[question.pk]
            parts = [part.strip() for part in CHOICE_SEPARATORS.split(text)]
            return {"choices": [known.get(search_key(part), part) for part in parts if part]}
        return {"text": text}

    def key(self, item: Mapping[str, Any]) -> Hashable | None:
        return normalize_text(str(item.get("external_id", ""))) or None

    def duplicate_message(self, first: int, second: int) -> str:
        return _("Rows %(first)d and %(second)d have the same external id.") % {
            "first": first,
            "second": second,
        }

    def apply(self, items: list[dict[str, Any]]) -> tuple[int, int]:
        result = imports.responses_import(
            acting=self.acting, survey=self.survey, items=items, via="web", now=self.now
        )
        return result.created_count, result.existing_count

    def check(self, items: list[dict[str, Any]]) -> None:
        external_ids = [normalize_text(str(item.get("external_id", ""))) for item in items]
        existing = existing_of(self.survey, external_ids)
        items_clean(self.survey, self.questions, items, existing, self.now)


def _choice_keys(question: Question) -> dict[str, str]:
    """A choice question's keys, found by their key or their Persian or English label."""
    found: dict[str, str] = {}
    for choice in question.choices or []:
        key = str(choice.get("key") or "")
        if not key:
            continue
        for written in (choice.get("en"), choice.get("fa"), key):  # the key wins over a label
            if written:
                found[search_key(str(written))] = key
    return found


def column_guide(sheet: ResponsesSheet) -> list[ColumnGuide]:
    """What each column holds, for the page."""
    rows = [
        ColumnGuide(
            "external_id",
            True,
            _(
                "The response's id in the system it comes from (at most 100 characters). A row whose id this "
                "survey already has is skipped, so the same file can be uploaded again."
            ),
            "crm-1403-0042",
        ),
        ColumnGuide(
            "answered_at",
            True,
            _("When it was answered: Jalali or Gregorian, with or without the time (Tehran time)."),
            "۱۴۰۳/۰۷/۱۵ ۱۰:۳۰",
        ),
    ]
    if not sheet.survey.anonymous:
        rows += [
            ColumnGuide(
                "phone",
                False,
                _("The customer's mobile number; an unknown number becomes a new customer."),
                "۰۹۱۲ ۳۴۵ ۶۷۸۹",
            ),
            ColumnGuide(
                "email",
                False,
                _("The customer's e-mail address, with or instead of the phone."),
                "ali@example.com",
            ),
            ColumnGuide(
                "customer_id",
                False,
                _("Or the customer's id in Mehvar, instead of the phone and e-mail."),
                "1024",
            ),
        ]
    rows += [
        ColumnGuide(
            "channel",
            False,
            _("Where it was answered: %(choices)s.") % {"choices": ", ".join(ChannelKind.values)},
            "sms",
        ),
        ColumnGuide(
            "language",
            False,
            _("The language of the answer: %(choices)s (fa when empty).") % {"choices": ", ".join(LANGUAGES)},
            "fa",
        ),
    ]
    for column, question in sheet.by_column.items():
        choices = [(str(c.get("key")), c.get("fa") or c.get("en") or "") for c in question.choices or []]
        rows.append(
            ColumnGuide(
                column,
                False,
                question.text_fa,
                _example(question),
                hint=answer_hint(question),
                choices=choices if question.type in scales.CHOICE_TYPES else (),
            )
        )
    return rows


def _example(question: Question) -> str:
    if question.type in scales.SCALES:
        return str(scales.SCALES[question.type][1])
    if question.type in scales.CHOICE_TYPES:
        keys = scales.choice_keys(question)
        return "|".join(keys[:2] if question.type == QuestionType.MULTIPLE else keys[:1])
    return _("Delivery was quick")


def answer_hint(question: Question) -> str:
    """What a question's cell holds."""
    if question.type in scales.SCALES:
        low, high = scales.SCALES[question.type]
        return _("A number from %(low)d to %(high)d.") % {"low": low, "high": high}
    if question.type == QuestionType.SINGLE:
        return _("One choice: its key or its label.")
    if question.type == QuestionType.MULTIPLE:
        return _("Choices, by key or label, separated by | or ،.")
    return _("Free text.")
