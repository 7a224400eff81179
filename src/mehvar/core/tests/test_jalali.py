import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from mehvar.core.jalali import (
    JalaliDate,
    JalaliDateError,
    JalaliDateTime,
    format_date,
    format_datetime,
    month_name,
    parse_date,
    parse_datetime,
    to_jalali,
    to_local,
    weekday_name,
)

TEHRAN = ZoneInfo("Asia/Tehran")
UTC = dt.UTC


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def persian():
    with translation.override("fa"):
        yield


# --- parse_date: good input ------------------------------------------------------------------------------

GOOD_DATES = [
    ("1403/12/30", dt.date(2025, 3, 20)),  # 1403 is leap: Esfand has 30 days
    ("۱۴۰۳/۱۲/۳۰", dt.date(2025, 3, 20)),
    ("١٤٠٣/١٢/٣٠", dt.date(2025, 3, 20)),
    ("1403-12-30", dt.date(2025, 3, 20)),
    ("1403.12.30", dt.date(2025, 3, 20)),
    ("۱۴۰۳-۱۲-۳۰", dt.date(2025, 3, 20)),
    ("  1403/12/30  ", dt.date(2025, 3, 20)),
    ("\u200f۱۴۰۳/۱۲/۳۰\u200e", dt.date(2025, 3, 20)),
    ("1404/01/01", dt.date(2025, 3, 21)),  # Nowruz 1404
    ("1404/1/1", dt.date(2025, 3, 21)),
    ("1405/01/01", dt.date(2026, 3, 21)),  # Nowruz 1405
    ("1404/12/29", dt.date(2026, 3, 20)),  # 1404 is not leap: its last day
    ("1399/12/30", dt.date(2021, 3, 20)),  # 1399 is leap
    ("1400/01/01", dt.date(2021, 3, 21)),
    ("1403/01/01", dt.date(2024, 3, 20)),
    ("1403/07/01", dt.date(2024, 9, 22)),
    ("1357/11/22", dt.date(1979, 2, 11)),
    ("1300/01/01", dt.date(1921, 3, 21)),
    ("1408/12/30", dt.date(2030, 3, 20)),  # 1408 is leap (jdatetime's 33-year rule)
    ("1403/6/31", dt.date(2024, 9, 21)),
    ("2025-03-20", dt.date(2025, 3, 20)),  # ISO Gregorian
    ("2024-02-29", dt.date(2024, 2, 29)),
    ("2025/03/20", dt.date(2025, 3, 20)),
    ("۲۰۲۵-۰۳-۲۰", dt.date(2025, 3, 20)),
    ("1700-01-01", dt.date(1700, 1, 1)),  # from 1700 up, Gregorian
    ("30 Esfand 1403", dt.date(2025, 3, 20)),
    ("30 esfand 1403", dt.date(2025, 3, 20)),
    ("۳۰ اسفند ۱۴۰۳", dt.date(2025, 3, 20)),
    ("1 Farvardin 1404", dt.date(2025, 3, 21)),
    ("۱ فروردین ۱۴۰۴", dt.date(2025, 3, 21)),
    ("۲۲ بهمن ۱۳۵۷", dt.date(1979, 2, 11)),
    ("1 Mehr 1403", dt.date(2024, 9, 22)),
]


@pytest.mark.parametrize(("raw", "expected"), GOOD_DATES)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


# --- parse_date: bad input -------------------------------------------------------------------------------

BAD_DATES = [
    ("1404/12/30", "invalid_day", "Esfand 1404 has 29 days, so day 30 does not exist."),
    ("1405/12/30", "invalid_day", "Esfand 1405 has 29 days"),
    ("1403/12/31", "invalid_day", "Esfand 1403 has 30 days, so day 31 does not exist."),
    ("1403/07/31", "invalid_day", "Mehr 1403 has 30 days"),
    ("1403/01/32", "invalid_day", "Farvardin 1403 has 31 days"),
    ("1403/01/00", "invalid_day", "day 0 does not exist"),
    ("1403/13/01", "invalid_month", "There is no month 13"),
    ("1403/00/10", "invalid_month", "There is no month 0"),
    ("2025-02-29", "invalid_day", "Day 29 does not exist in month 2 of 2025."),
    ("2025-13-01", "invalid_month", "There is no month 13"),
    ("0000/01/01", "out_of_range", "The year 0 is out of range."),
    ("abc", "invalid_format", "“abc” is not a date"),
    ("فردا", "invalid_format", "is not a date"),
    ("", "invalid_format", "Enter a date"),
    ("   ", "invalid_format", "Enter a date"),
    ("1403/12", "invalid_format", "is not a date"),
    ("03/12/30", "invalid_format", "is not a date"),
    ("30/12/1403", "invalid_format", "is not a date"),
    ("1403/12/30/1", "invalid_format", "is not a date"),
    ("14031230", "invalid_format", "is not a date"),
    ("1403/123/1", "invalid_format", "is not a date"),
    ("1403/12/30 14:05", "invalid_format", "is not a date"),
    ("30 Foo 1403", "invalid_month", "“Foo” is not the name of a month."),
    ("30 Esfand 2025", "invalid_format", "is not a date"),
]


@pytest.mark.parametrize(("raw", "code", "message"), BAD_DATES)
def test_parse_date_errors(english, raw, code, message):
    with pytest.raises(JalaliDateError) as caught:
        parse_date(raw)
    assert caught.value.code == code
    assert message in caught.value.message
    assert isinstance(caught.value, ValueError)


def test_error_message_uses_persian_month_and_digits(persian):
    with pytest.raises(JalaliDateError) as caught:
        parse_date("1404/12/30")
    assert "اسفند" in caught.value.message
    assert "۱۴۰۴" in caught.value.message and "۲۹" in caught.value.message and "۳۰" in caught.value.message


def test_leap_years_follow_jdatetime():
    leap = [year for year in range(1395, 1412) if _valid(f"{year}/12/30")]
    assert leap == [1395, 1399, 1403, 1408]


def _valid(text):
    try:
        parse_date(text)
    except JalaliDateError:
        return False
    return True


# --- parse_datetime ----------------------------------------------------------------------------------------

GOOD_DATETIMES = [
    ("1403/12/30 14:05", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),  # Tehran is UTC+03:30
    ("۱۴۰۳/۱۲/۳۰ ۱۴:۰۵", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),
    ("۱۴۰۳/۱۲/۳۰ ۱۴:۰۵:۳۰", dt.datetime(2025, 3, 20, 10, 35, 30, tzinfo=UTC)),
    ("1403/12/30T14:05", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),
    ("1403/12/30، 14:05", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),
    ("1403/12/30 9:05", dt.datetime(2025, 3, 20, 5, 35, tzinfo=UTC)),
    ("1403/12/30 00:00", dt.datetime(2025, 3, 19, 20, 30, tzinfo=UTC)),
    ("1403/12/30", dt.datetime(2025, 3, 19, 20, 30, tzinfo=UTC)),  # a date alone: midnight in Tehran
    ("2025-03-20T10:35:00Z", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),
    ("2025-03-20T10:35:00.250Z", dt.datetime(2025, 3, 20, 10, 35, 0, 250000, tzinfo=UTC)),
    ("2025-03-20T14:05:00+03:30", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),
    ("2025-03-20T14:05:00+0330", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),
    ("2025-03-20T05:35:00-05:00", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),
    ("2025-03-20 14:05", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),  # naive ISO: Tehran
    ("1403/12/30 14:05 Z", dt.datetime(2025, 3, 20, 14, 5, tzinfo=UTC)),
    ("30 Esfand 1403 14:05", dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)),
    # Iran kept daylight saving time until 1401 (2022): 1400/04/01 12:00 was UTC+04:30
    ("1400/04/01 12:00", dt.datetime(2021, 6, 22, 7, 30, tzinfo=UTC)),
]


@pytest.mark.parametrize(("raw", "expected"), GOOD_DATETIMES)
def test_parse_datetime(raw, expected):
    parsed = parse_datetime(raw)
    assert parsed == expected
    assert parsed.utcoffset() == dt.timedelta(0)


BAD_DATETIMES = [
    ("1403/12/30 24:00", "invalid_time"),
    ("1403/12/30 14:60", "invalid_time"),
    ("1403/12/30 14:05:61", "invalid_time"),
    ("2025-03-20T10:35:00+15:00", "invalid_time"),
    ("1404/12/30 10:00", "invalid_day"),
    ("1403/13/01 10:00", "invalid_month"),
    ("1403/12/30 at noon", "invalid_format"),
    ("", "invalid_format"),
    ("14:05", "invalid_format"),
]


@pytest.mark.parametrize(("raw", "code"), BAD_DATETIMES)
def test_parse_datetime_errors(english, raw, code):
    with pytest.raises(JalaliDateError) as caught:
        parse_datetime(raw)
    assert caught.value.code == code
    assert caught.value.message


# --- formatting --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "style", "language", "expected"),
    [
        (dt.date(2025, 3, 20), "fa", "numeric", "fa", "۱۴۰۳/۱۲/۳۰"),
        (dt.date(2025, 3, 20), "en", "numeric", "fa", "1403/12/30"),
        (dt.date(2025, 3, 21), "en", "numeric", "en", "1404/01/01"),
        (dt.date(2025, 3, 20), "fa", "long", "fa", "۳۰ اسفند ۱۴۰۳"),
        (dt.date(2025, 3, 20), "en", "long", "en", "30 Esfand 1403"),
        (dt.date(2024, 9, 22), "en", "long", "en", "1 Mehr 1403"),
        (dt.date(2025, 3, 20), None, "numeric", "fa", "۱۴۰۳/۱۲/۳۰"),  # digits follow the language
        (dt.date(2025, 3, 20), None, "numeric", "en", "1403/12/30"),
        # a datetime's day is its day in Tehran: 21:00 UTC on the 20th is already the 21st there
        (dt.datetime(2025, 3, 20, 21, 0, tzinfo=UTC), "en", "numeric", "en", "1404/01/01"),
        (dt.datetime(2025, 3, 20, 20, 29, tzinfo=UTC), "en", "numeric", "en", "1403/12/30"),
    ],
)
def test_format_date(value, digits, style, language, expected):
    with translation.override(language):
        assert format_date(value, digits=digits, style=style) == expected


def test_format_date_unknown_style():
    with pytest.raises(ValueError):
        format_date(dt.date(2025, 3, 20), style="fancy")


@pytest.mark.parametrize(
    ("value", "kwargs", "language", "expected"),
    [
        (dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC), {}, "fa", "۱۴۰۳/۱۲/۳۰ ۱۴:۰۵"),
        (dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC), {}, "en", "1403/12/30 14:05"),
        (dt.datetime(2025, 3, 20, 10, 35, 9, tzinfo=UTC), {"seconds": True}, "en", "1403/12/30 14:05:09"),
        (dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC), {"style": "long"}, "fa", "۳۰ اسفند ۱۴۰۳، ۱۴:۰۵"),
        (dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC), {"style": "long"}, "en", "30 Esfand 1403, 14:05"),
        (dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC), {"digits": "en"}, "fa", "1403/12/30 14:05"),
        (dt.datetime(2025, 3, 20, 14, 5, tzinfo=TEHRAN), {}, "en", "1403/12/30 14:05"),
        (dt.datetime(2025, 3, 20, 14, 5), {}, "en", "1403/12/30 14:05"),  # naive: Tehran wall clock
    ],
)
def test_format_datetime(value, kwargs, language, expected):
    with translation.override(language):
        assert format_datetime(value, **kwargs) == expected


def test_format_datetime_round_trips_through_parse():
    moment = dt.datetime(2025, 6, 1, 8, 15, tzinfo=UTC)
    for language in ("fa", "en"):
        with translation.override(language):
            assert parse_datetime(format_datetime(moment)) == moment
            assert parse_datetime(format_datetime(moment, style="long")) == moment


def test_to_local():
    local = to_local(dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC))
    assert local.tzinfo == TEHRAN
    assert (local.hour, local.minute) == (14, 5)
    naive = to_local(dt.datetime(2025, 3, 20, 14, 5))
    assert naive.tzinfo == TEHRAN and naive.hour == 14


def test_to_jalali():
    jalali = to_jalali(dt.date(2025, 3, 21))
    assert (jalali.year, jalali.month, jalali.day) == (1404, 1, 1)
    evening = to_jalali(dt.datetime(2025, 3, 20, 21, 0, tzinfo=UTC))  # 00:30 on 1 Farvardin in Tehran
    assert (evening.year, evening.month, evening.day) == (1404, 1, 1)


def test_month_and_weekday_names():
    assert month_name(1, "fa") == "فروردین"
    assert month_name(12, "fa") == "اسفند"
    assert month_name(1, "en") == "Farvardin"
    assert month_name(12, "en") == "Esfand"
    friday = dt.date(2025, 3, 21)
    assert weekday_name(friday, "fa") == "جمعه"
    assert weekday_name(friday, "en") == "Friday"
    assert weekday_name(dt.date(2025, 3, 22), "fa") == "شنبه"
    with translation.override("en"):
        assert month_name(2) == "Ordibehesht"
    with translation.override("fa"):
        assert month_name(2) == "اردیبهشت"


# --- pydantic types ----------------------------------------------------------------------------------------


class Payload(BaseModel):
    day: JalaliDate
    at: JalaliDateTime | None = None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1403/12/30", dt.date(2025, 3, 20)),
        ("۱۴۰۳/۱۲/۳۰", dt.date(2025, 3, 20)),
        ("2025-03-20", dt.date(2025, 3, 20)),
        (dt.date(2025, 3, 20), dt.date(2025, 3, 20)),
    ],
)
def test_pydantic_jalali_date(raw, expected):
    assert Payload(day=raw).day == expected


def test_pydantic_jalali_date_error(english):
    with pytest.raises(ValidationError) as caught:
        Payload(day="1404/12/30")
    (error,) = caught.value.errors()
    assert error["type"] == "jalali_date"
    assert error["loc"] == ("day",)
    assert error["msg"] == "Esfand 1404 has 29 days, so day 30 does not exist."
    assert error["ctx"] == {"code": "invalid_day"}


def test_pydantic_error_with_braces_in_input(english):
    with pytest.raises(ValidationError) as caught:
        Payload(day="{day}{code}")
    error = caught.value.errors()[0]
    assert error["type"] == "jalali_date"
    assert error["ctx"]["code"] == "invalid_format"


def test_pydantic_jalali_datetime():
    payload = Payload(day="1403/12/30", at="1403/12/30 14:05")
    assert payload.at == dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)
    assert Payload(day="2025-03-20", at=dt.datetime(2025, 3, 20, 14, 5)).at == payload.at
    with pytest.raises(ValidationError) as caught:
        Payload(day="1403/12/30", at="1403/12/30 25:00")
    assert caught.value.errors()[0]["type"] == "jalali_datetime"


def test_pydantic_json_schema_says_jalali_or_iso():
    schema = Payload.model_json_schema()["properties"]["day"]
    assert schema["type"] == "string" and schema["format"] == "date"
    assert "1403/12/30" in schema["examples"]


# --- properties --------------------------------------------------------------------------------------------

dates = st.dates(min_value=dt.date(1922, 1, 1), max_value=dt.date(2300, 12, 31))


@settings(max_examples=300, deadline=None)
@given(dates, st.sampled_from(["fa", "en"]), st.sampled_from(["numeric", "long"]))
def test_format_then_parse_round_trips(day, digits, style):
    for language in ("fa", "en"):
        with translation.override(language):
            assert parse_date(format_date(day, digits=digits, style=style)) == day


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1700, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_iso_dates_parse(day):
    assert parse_date(day.isoformat()) == day


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1980, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(UTC))
)
def test_iso_datetimes_parse(moment):
    moment = moment.replace(microsecond=0)
    assert parse_datetime(moment.isoformat()) == moment


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_parse_date_never_fails_unexpectedly(text):
    try:
        result = parse_date(text)
    except JalaliDateError as error:
        assert error.code in {"invalid_format", "invalid_month", "invalid_day", "out_of_range"}
        assert error.message
    else:
        assert isinstance(result, dt.date)


@pytest.mark.parametrize("raw", ["۸ ابان ۱۴۰۳", "8 aban 1403", "8 ABAN 1403", "۸ آبان ۱۴۰۳"])
def test_month_names_are_matched_loosely(raw):
    assert parse_date(raw) == dt.date(2024, 10, 29)


def test_amordad_is_mordad():
    assert parse_date("1 امرداد 1403") == parse_date("1 مرداد 1403") == parse_date("1403/05/01")
