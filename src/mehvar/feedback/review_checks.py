"""Checking the items of a review import (``reviews.reviews_import``) before anything is written: every
problem of every item is collected and raised at once, keyed ``items.N.field`` (``items.3.written_at``,
``items.5.identities.0.value``), each message in the active language.

Per item: ``source`` (2 to 20 lowercase Latin letters, digits, "-" and "_"), ``external_id`` (given, at most
100 characters, once per request with its source), ``text`` (cleaned like a survey comment, required),
``written_at`` (Jalali or ISO text, Tehran time without a zone, not in the future), ``rating`` of
``rating_max`` (whole numbers, Persian digits accepted; the highest rating defaults to 5) and
``identities`` that normalise. Items the workspace already has are not checked: they are reported as
existing.
"""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from mehvar.core.jalali import JalaliDateError, parse_datetime
from mehvar.core.text import normalize_text, to_ascii_digits
from mehvar.feedback.analysis import MAX_TEXT_LENGTH
from mehvar.feedback.models import Review

MAX_ITEMS = 1000
TEXT_MAX = MAX_TEXT_LENGTH  # the analysis reads this much
EXTERNAL_ID_MAX = 100  # with the source, the timeline's external id stays within its 128 characters
RATING_MAX_LIMIT = 100
DEFAULT_RATING_MAX = 5
SOURCE_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,19}$")
CLOCK_SKEW = dt.timedelta(minutes=5)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class ReviewRow:
    index: int
    source: str
    external_id: str
    text: str = ""
    rating: int | None = None
    rating_max: int | None = None
    written_at: dt.datetime | None = None
    identities: list[tuple[str, str]] = field(default_factory=list)
    customer_id: int | None = None


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[ValidationError]] = {}

    def fail(self, path: str, message: str, code: str = "invalid") -> None:
        self.by_field.setdefault(path, []).append(ValidationError(message, code=code))


def review_text_clean(raw: Any) -> str:
    """The text to store: control characters other than line breaks and tabs removed, normalised, capped."""
    text = _CONTROL.sub("", "" if raw is None else str(raw))
    text = normalize_text(text[: TEXT_MAX * 2], multiline=True)
    return text[:TEXT_MAX].strip()


def _text(raw: Mapping[str, Any], name: str) -> str:
    value = raw.get(name)
    return "" if value is None else str(value)


def key_of(raw: Any) -> tuple[str, str]:
    raw = raw if isinstance(raw, Mapping) else {}
    return normalize_text(_text(raw, "source")).lower(), normalize_text(_text(raw, "external_id"))


def reviews_existing(*, workspace_id: int, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Review]:
    """The reviews the workspace already has for these (source, external id) pairs: one query."""
    by_source: dict[str, set[str]] = {}
    for source, external_id in keys:
        if source and external_id:
            by_source.setdefault(source, set()).add(external_id)
    if not by_source:
        return {}
    wanted = Q()
    for source, external_ids in by_source.items():
        wanted |= Q(source=source, external_id__in=sorted(external_ids))
    rows = Review.objects.filter(wanted, workspace_id=workspace_id).only(
        "pk", "source", "external_id", "customer"
    )
    return {(r.source, r.external_id): r for r in rows}


def _whole(value: Any) -> int:
    """A whole number typed any way (Persian digits, "۴", 4, "4.0" is refused); ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    return int(to_ascii_digits(str(value)).strip())


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise JalaliDateError("invalid_format", _("Give the time zone, or write the time as text."))
        return value.astimezone(dt.UTC)
    if value is None or value == "":
        raise JalaliDateError(
            "required", _("Say when it was written, for example 1403/07/15 10:30 or 2024-10-06T07:00:00Z.")
        )
    return parse_datetime(str(value))


def _identities(raw: Mapping[str, Any], at: str, errors: _Errors) -> list[tuple[str, str]]:
    from mehvar.customers.matching import normalize_identity

    given = raw.get("identities") or []
    if not isinstance(given, list | tuple):
        errors.fail(f"{at}.identities", _("Give a list of identities."))
        return []
    pairs: list[tuple[str, str]] = []
    for position, identity in enumerate(given):
        identity = identity if isinstance(identity, Mapping) else {}
        kind, value = _text(identity, "kind"), _text(identity, "value")
        try:
            normalize_identity(kind, value)
        except ValidationError as error:
            where = "kind" if "kind" in error.message_dict else "value"
            for messages in error.message_dict.values():
                for message in messages:
                    errors.fail(f"{at}.identities.{position}.{where}", message)
            continue
        pairs.append((kind, value))
    return pairs


def _rating(raw: Mapping[str, Any], row: ReviewRow, at: str, errors: _Errors) -> None:
    rating, rating_max = raw.get("rating"), raw.get("rating_max")
    if rating is None or rating == "":
        if rating_max not in (None, ""):
            errors.fail(f"{at}.rating", _("Give the rating too, or leave out its highest value."), "required")
        return
    try:
        row.rating_max = DEFAULT_RATING_MAX if rating_max in (None, "") else _whole(rating_max)
    except ValueError:
        errors.fail(f"{at}.rating_max", _("Enter a whole number."))
        return
    if not 1 <= row.rating_max <= RATING_MAX_LIMIT:
        errors.fail(
            f"{at}.rating_max",
            _("The highest rating is a whole number from 1 to %(max)d.") % {"max": RATING_MAX_LIMIT},
        )
        return
    try:
        row.rating = _whole(rating)
    except ValueError:
        errors.fail(f"{at}.rating", _("Enter a whole number."))
        return
    if not 0 <= row.rating <= row.rating_max:
        errors.fail(
            f"{at}.rating",
            _("The rating is a whole number from 0 to %(max)d.") % {"max": row.rating_max},
            "out_of_range",
        )


def reviews_clean(
    items: Sequence[Any], existing: Mapping[tuple[str, str], Review], now: dt.datetime
) -> list[ReviewRow]:
    """The new items, checked; every problem of every item raised at once."""
    errors = _Errors()
    if len(items) > MAX_ITEMS:
        errors.fail("items", _("At most %(max)d reviews per request.") % {"max": MAX_ITEMS}, "too_long")
        raise ValidationError(errors.by_field)
    if not items:
        errors.fail("items", _("Send at least one review."), "required")
        raise ValidationError(errors.by_field)
    seen: dict[tuple[str, str], int] = {}
    rows: list[ReviewRow] = []
    for index, raw in enumerate(items):
        at = f"items.{index}"
        raw = raw if isinstance(raw, Mapping) else {}
        source, external_id = key_of(raw)
        if not source:
            errors.fail(f"{at}.source", _("Say where the review comes from, such as digikala."), "required")
        elif not SOURCE_PATTERN.match(source):
            errors.fail(
                f"{at}.source",
                _("A source is 2 to 20 lowercase Latin letters, digits, “-” and “_”, such as digikala."),
            )
        if not external_id:
            errors.fail(f"{at}.external_id", _("Give the review's id where it comes from."), "required")
        elif len(external_id) > EXTERNAL_ID_MAX:
            errors.fail(
                f"{at}.external_id",
                _("An external id has at most %(max)d characters.") % {"max": EXTERNAL_ID_MAX},
                "too_long",
            )
        elif source and (first := seen.setdefault((source, external_id), index)) != index:
            errors.fail(
                f"{at}.external_id",
                _("Items %(first)d and %(second)d have the same source and external id.")
                % {"first": first, "second": index},
                "duplicate",
            )
        if (source, external_id) in existing:
            continue  # stored already: reported as existing, nothing to check or write
        row = ReviewRow(index=index, source=source, external_id=external_id)
        row.text = review_text_clean(raw.get("text"))
        if not row.text:
            errors.fail(f"{at}.text", _("A review needs its text."), "required")
        try:
            row.written_at = _moment(raw.get("written_at"))
        except JalaliDateError as error:
            errors.fail(f"{at}.written_at", error.message, error.code)
        else:
            if row.written_at > now + CLOCK_SKEW:
                errors.fail(f"{at}.written_at", _("A review cannot be written in the future."), "future")
        _rating(raw, row, at, errors)
        row.identities = _identities(raw, at, errors)
        rows.append(row)
    if errors.by_field:
        raise ValidationError(errors.by_field)
    return rows
