"""Jalali (Solar Hijri) dates at the edges: parse what people type, format what they read.

Inside, Mehvar keeps ``datetime.date`` and aware UTC datetimes; this module converts at the edges.

Parsing (``parse_date``, ``parse_datetime``):
* Digits may be Persian, Arabic-Indic or ASCII; bidi marks and extra spaces are ignored.
* ``Y/M/D``, ``Y-M-D`` and ``Y.M.D`` with a four-digit year; month and day have one or two digits. A year
  below 1700 is Jalali (1403/12/30), from 1700 up it is Gregorian ISO (2025-03-20).
* "30 Esfand 1403" and "۳۰ اسفند ۱۴۰۳" (what ``format_date(style="long")`` writes) parse back.
* Leap years follow jdatetime (the 33-year rule): 1399, 1403 and 1408 are leap, so 1403/12/30 exists
  and 1404/12/30 does not.
* A date-time is a date, then a space or "T", then HH:MM or HH:MM:SS, then optionally a zone (Z, +03:30).
  Without a zone it is a wall-clock time in Asia/Tehran. The result is an aware datetime in UTC.

Errors are ``JalaliDateError`` with ``.code`` (invalid_format, invalid_month, invalid_day, invalid_time,
out_of_range) and ``.message``, translated into the active language and naming what is wrong.
"""

import datetime as dt
import re
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import jdatetime
from django.utils import translation
from django.utils.translation import gettext as _
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from mehvar.core.text import localize_digits, normalize_text, search_key, to_ascii_digits

TEHRAN = ZoneInfo("Asia/Tehran")
JALALI_MAX_YEAR = 1699  # years below 1700 are Jalali; from 1700 up, Gregorian

MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
MONTHS_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
# Indexed by Python's weekday(): Monday is 0.
WEEKDAYS_FA = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه", "شنبه", "یکشنبه")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Other spellings people type for month names, for parsing only.
_MONTH_ALIASES = {
    "امرداد": 5,  # the older official name of Mordad
    "amordad": 5,
    "dei": 10,
    "day": 10,
}

_SEP = r"[/\-.]"
_DATE = rf"(?P<y>\d{{4}}){_SEP}(?P<m>\d{{1,2}}){_SEP}(?P<d>\d{{1,2}})"
_DATE_RE = re.compile(rf"{_DATE}")
_LONG_RE = re.compile(r"(?P<d>\d{1,2})\s+(?P<month>[^\d\s]+)\s+(?P<y>\d{4})")
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<frac>\d{1,6}))?)?"
_ZONE = r"(?P<tz>Z|[+\-]\d{2}:?\d{2})?"
_DATETIME_RE = re.compile(rf"(?P<date>.+?)(?:\s*[,،]\s*|[T\s]+){_TIME}\s*{_ZONE}")


class JalaliDateError(ValueError):
    """A date or time that cannot be read; ``code`` for machines, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _language_digits() -> str:
    return "fa" if (translation.get_language() or "fa").startswith("fa") else "en"


def _n(value: int) -> str:
    """A number inside an error message, in the active language's digits."""
    return localize_digits(value, _language_digits())


def month_name(month: int, language: str | None = None) -> str:
    """The Jalali month's name (1 = Farvardin) in ``language`` (default: the active language)."""
    language = language or translation.get_language() or "fa"
    return (MONTHS_FA if language.startswith("fa") else MONTHS_EN)[month - 1]


def weekday_name(day: dt.date, language: str | None = None) -> str:
    """The weekday's name: شنبه / Saturday..."""
    language = language or translation.get_language() or "fa"
    return (WEEKDAYS_FA if language.startswith("fa") else WEEKDAYS_EN)[day.weekday()]


def _month_from_name(name: str) -> int | None:
    key = search_key(name)  # so آبان matches ابان, and case does not matter
    for names in (MONTHS_FA, MONTHS_EN):
        for index, candidate in enumerate(names, start=1):
            if key == search_key(candidate):
                return index
    return _MONTH_ALIASES.get(key)


def _format_error(value: str) -> JalaliDateError:
    if not value:
        return JalaliDateError("invalid_format", _("Enter a date, for example 1403/12/30."))
    return JalaliDateError(
        "invalid_format",
        _("“%(value)s” is not a date. Write year/month/day, for example 1403/12/30 or 2025-03-20.")
        % {"value": value[:40]},
    )


def _build_date(year: int, month: int, day: int) -> dt.date:
    if year < 1 or year > 9999:
        raise JalaliDateError("out_of_range", _("The year %(year)s is out of range.") % {"year": _n(year)})
    if not 1 <= month <= 12:
        raise JalaliDateError(
            "invalid_month",
            _("There is no month %(month)s: months run from 1 to 12.") % {"month": _n(month)},
        )
    if year <= JALALI_MAX_YEAR:
        days_in_month = jdatetime.j_days_in_month[month - 1]
        if month == 12 and jdatetime.date(year, 1, 1).isleap():
            days_in_month = 30
        if not 1 <= day <= days_in_month:
            raise JalaliDateError(
                "invalid_day",
                _("%(month)s %(year)s has %(days)s days, so day %(day)s does not exist.")
                % {
                    "month": month_name(month),
                    "year": _n(year),
                    "days": _n(days_in_month),
                    "day": _n(day),
                },
            )
        return jdatetime.date(year, month, day).togregorian()
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise JalaliDateError(
            "invalid_day",
            _("Day %(day)s does not exist in month %(month)s of %(year)s.")
            % {"day": _n(day), "month": _n(month), "year": _n(year)},
        ) from None


def _clean(value: object) -> str:
    return to_ascii_digits(normalize_text(str(value))) if value is not None else ""


def _parse_date_text(text: str) -> dt.date:
    if match := _DATE_RE.fullmatch(text):
        return _build_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if match := _LONG_RE.fullmatch(text):
        month = _month_from_name(match["month"])
        if month is None:
            raise JalaliDateError(
                "invalid_month",
                _("“%(name)s” is not the name of a month.") % {"name": match["month"][:20]},
            )
        if int(match["y"]) > JALALI_MAX_YEAR:
            raise _format_error(text)
        return _build_date(int(match["y"]), month, int(match["d"]))
    raise _format_error(text)


def parse_date(value: str) -> dt.date:
    """A Jalali (1403/12/30, ۱۴۰۳/۱۲/۳۰) or ISO (2025-03-20) date. Raises JalaliDateError."""
    return _parse_date_text(_clean(value))


def parse_datetime(value: str) -> dt.datetime:
    """A Jalali or ISO date with a time (and maybe a zone) → aware UTC. No zone means Asia/Tehran."""
    text = _clean(value)
    match = _DATETIME_RE.fullmatch(text)
    if match is None:
        if _DATE_RE.fullmatch(text) or _LONG_RE.fullmatch(text):
            day = _parse_date_text(text)
            return dt.datetime.combine(day, dt.time(), tzinfo=TEHRAN).astimezone(dt.UTC)
        if not text:
            raise JalaliDateError("invalid_format", _("Enter a date and time, for example 1403/12/30 14:05."))
        raise JalaliDateError(
            "invalid_format",
            _("“%(value)s” is not a date and time. Write it like 1403/12/30 14:05 or 2025-03-20T10:35:00Z.")
            % {"value": text[:40]},
        )
    day = _parse_date_text(match["date"].strip())
    hour, minute, second = int(match["H"]), int(match["M"]), int(match["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise JalaliDateError(
            "invalid_time",
            _("%(time)s is not a time of day: hours run from 0 to 23 and minutes from 0 to 59.")
            % {"time": _n(f"{hour:02d}:{minute:02d}")},
        )
    microsecond = int((match["frac"] or "0").ljust(6, "0"))
    zone: dt.tzinfo = TEHRAN
    if tz := match["tz"]:
        if tz == "Z":
            zone = dt.UTC
        else:
            digits = tz[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 14 or minutes > 59:
                raise JalaliDateError(
                    "invalid_time", _("%(zone)s is not a time zone offset.") % {"zone": _n(tz)}
                )
            offset = dt.timedelta(hours=hours, minutes=minutes)
            zone = dt.timezone(-offset if tz[0] == "-" else offset)
    local = dt.datetime.combine(day, dt.time(hour, minute, second, microsecond), tzinfo=zone)
    return local.astimezone(dt.UTC)


def to_local(value: dt.datetime) -> dt.datetime:
    """An aware datetime in Asia/Tehran. A naive value is taken to be Tehran wall-clock time already."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=TEHRAN)
    return value.astimezone(TEHRAN)


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date:
    """The Jalali date of a date, or of a datetime's day in Tehran."""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    return _jalali_of(value)


@lru_cache(maxsize=4096)
def _jalali_of(day: dt.date) -> jdatetime.date:
    """The conversion is the slow part of showing a date; a page shows many of the same few days."""
    return jdatetime.date.fromgregorian(date=day)


def _digits_or_default(digits: str | None) -> str:
    return digits if digits in ("fa", "en") else _language_digits()


def format_date(value: dt.date | dt.datetime, *, digits: str | None = None, style: str = "numeric") -> str:
    """ "۱۴۰۳/۱۲/۳۰" (numeric) or "۳۰ اسفند ۱۴۰۳" (long). A datetime is first moved to Tehran.

    ``digits`` is "fa" or "en" (default: the active language's); month names follow the active language.
    """
    jalali = to_jalali(value)
    if style == "long":
        text = f"{jalali.day} {month_name(jalali.month)} {jalali.year}"
    elif style == "numeric":
        text = f"{jalali.year:04d}/{jalali.month:02d}/{jalali.day:02d}"
    else:
        raise ValueError(f"unknown style {style!r}")
    return localize_digits(text, _digits_or_default(digits))


def format_datetime(
    value: dt.datetime, *, digits: str | None = None, style: str = "numeric", seconds: bool = False
) -> str:
    """ "۱۴۰۳/۱۲/۳۰ ۱۴:۰۵" in Asia/Tehran; ``style="long"`` gives "۳۰ اسفند ۱۴۰۳، ۱۴:۰۵"."""
    local = to_local(value)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    day = format_date(local.date(), digits="en", style=style)
    if style == "long":
        separator = "، " if (translation.get_language() or "fa").startswith("fa") else ", "
        text = f"{day}{separator}{clock}"
    else:
        text = f"{day} {clock}"
    return localize_digits(text, _digits_or_default(digits))


def _validate_jalali_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_date(value)
        except JalaliDateError as error:
            raise PydanticCustomError("jalali_date", error.message, {"code": error.code}) from None
    return value


def _validate_jalali_datetime(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except JalaliDateError as error:
            raise PydanticCustomError("jalali_datetime", error.message, {"code": error.code}) from None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=TEHRAN).astimezone(dt.UTC)
    return value


JalaliDate = Annotated[
    dt.date,
    BeforeValidator(_validate_jalali_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "description": "A Jalali (1403/12/30) or ISO (2025-03-20) date; answers use ISO.",
            "examples": ["1403/12/30", "2025-03-20"],
        },
        mode="validation",
    ),
]
"""A date for pydantic/Ninja schemas that accepts Jalali or ISO strings."""

JalaliDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_validate_jalali_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "A Jalali (1403/12/30 14:05) or ISO date-time; without a zone, Asia/Tehran.",
            "examples": ["1403/12/30 14:05", "2025-03-20T10:35:00Z"],
        },
        mode="validation",
    ),
]
"""A datetime for pydantic/Ninja schemas: Jalali or ISO, aware (naive input is Tehran time)."""
