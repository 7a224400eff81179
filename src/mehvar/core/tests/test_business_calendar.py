"""The Iranian working week, official holidays around Nowruz 1404 and 1405, Thursday half days, days off.

Dates used (Gregorian = Jalali):
  2025-03-18 Tue = 1403/12/28, a working day      2025-03-19 Wed = oil nationalisation day (holiday)
  2025-03-20 Thu = 1403/12/30 (holiday)           2025-03-21 Fri .. 2025-03-24 Mon = Nowruz 1404
  2025-03-25 Tue = 1404/01/05, first working day  2026-03-19 Thu = 1404/12/28, a half day
  2026-03-20 Fri = oil day and Friday             2026-03-21 Sat .. 2026-03-24 Tue = Nowruz 1405
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from mehvar.core.business_calendar import (
    BusinessCalendar,
    calendar_for_workspace,
    default_week,
    official_holidays,
    parse_week,
)
from mehvar.core.models import BusinessHours, DayOff, Workspace

TEHRAN = ZoneInfo("Asia/Tehran")
UTC = dt.UTC
H = dt.timedelta(hours=1)


def tehran(*args):
    return dt.datetime(*args, tzinfo=TEHRAN)


@pytest.fixture
def iran():
    return BusinessCalendar()


# --- days ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2025, 5, 17), True),  # Saturday
        (dt.date(2025, 5, 18), True),  # Sunday
        (dt.date(2025, 5, 13), True),  # Tuesday
        (dt.date(2025, 5, 14), True),  # Wednesday
        (dt.date(2025, 5, 15), True),  # Thursday (half day)
        (dt.date(2025, 5, 16), False),  # Friday
        (dt.date(2025, 3, 18), True),  # last working day of 1403
        (dt.date(2025, 3, 19), False),  # oil nationalisation day
        (dt.date(2025, 3, 20), False),  # 1403/12/30
        (dt.date(2025, 3, 21), False),  # Nowruz 1404, also a Friday
        (dt.date(2025, 3, 22), False),  # Nowruz, Saturday
        (dt.date(2025, 3, 24), False),  # Nowruz holiday, Monday
        (dt.date(2025, 3, 25), True),  # 1404/01/05
        (dt.date(2025, 4, 1), False),  # Islamic Republic Day (1404/01/12)
        (dt.date(2025, 4, 2), False),  # Nature's Day (1404/01/13)
        (dt.date(2026, 3, 19), True),  # Thursday before Nowruz 1405
        (dt.date(2026, 3, 21), False),  # Nowruz 1405, Saturday
        (dt.date(2026, 3, 24), False),  # Nowruz holiday, Tuesday
        (dt.date(2026, 3, 25), True),  # Wednesday after
    ],
)
def test_is_working_day(iran, day, working):
    assert iran.is_working_day(day) is working


def test_opening_hours_full_half_and_off(iran):
    assert iran.opening_hours(dt.date(2025, 5, 14)) == (tehran(2025, 5, 14, 8), tehran(2025, 5, 14, 17))
    assert iran.opening_hours(dt.date(2025, 5, 15)) == (tehran(2025, 5, 15, 8), tehran(2025, 5, 15, 13))
    assert iran.opening_hours(dt.date(2025, 5, 16)) is None  # Friday
    assert iran.opening_hours(dt.date(2025, 3, 22)) is None  # Nowruz
    start, end = iran.opening_hours(dt.date(2025, 5, 14))
    assert start.tzinfo == TEHRAN and end.tzinfo == TEHRAN


def test_official_holidays_can_be_ignored():
    calendar = BusinessCalendar(observe_official_holidays=False)
    assert calendar.is_working_day(dt.date(2025, 3, 22))  # Nowruz on a Saturday
    assert not calendar.is_working_day(dt.date(2025, 3, 21))  # still a Friday


def test_workspace_day_off():
    calendar = BusinessCalendar(days_off={dt.date(2025, 5, 13): "Inventory"})
    assert not calendar.is_working_day(dt.date(2025, 5, 13))
    assert calendar.opening_hours(dt.date(2025, 5, 13)) is None
    assert calendar.is_working_day(dt.date(2025, 5, 14))


# --- moments ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (tehran(2025, 5, 14, 8, 0), True),  # opening minute counts
        (tehran(2025, 5, 14, 7, 59), False),
        (tehran(2025, 5, 14, 16, 59), True),
        (tehran(2025, 5, 14, 17, 0), False),  # closing minute does not
        (tehran(2025, 5, 15, 12, 59), True),  # Thursday
        (tehran(2025, 5, 15, 13, 0), False),
        (tehran(2025, 5, 16, 10, 0), False),  # Friday
        (tehran(2025, 3, 23, 10, 0), False),  # Nowruz
        (dt.datetime(2025, 5, 14, 6, 0, tzinfo=UTC), True),  # 09:30 in Tehran
        (dt.datetime(2025, 5, 14, 4, 0, tzinfo=UTC), False),  # 07:30 in Tehran
    ],
)
def test_is_open(iran, at, open_):
    assert iran.is_open(at) is open_


def test_naive_datetimes_are_refused(iran):
    with pytest.raises(ValueError):
        iran.is_open(dt.datetime(2025, 5, 14, 10, 0))
    with pytest.raises(ValueError):
        iran.add_business_time(dt.datetime(2025, 5, 14, 10, 0), H)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (tehran(2025, 5, 14, 10, 0), tehran(2025, 5, 14, 10, 0)),  # open: now
        (tehran(2025, 5, 14, 6, 0), tehran(2025, 5, 14, 8, 0)),  # before opening
        (tehran(2025, 5, 14, 17, 0), tehran(2025, 5, 15, 8, 0)),  # after closing
        (tehran(2025, 5, 15, 13, 0), tehran(2025, 5, 17, 8, 0)),  # Thursday afternoon: Saturday
        (tehran(2025, 5, 16, 9, 0), tehran(2025, 5, 17, 8, 0)),  # Friday
        (tehran(2025, 3, 18, 17, 30), tehran(2025, 3, 25, 8, 0)),  # before Nowruz 1404
        (tehran(2026, 3, 19, 14, 0), tehran(2026, 3, 25, 8, 0)),  # before Nowruz 1405
    ],
)
def test_next_opening(iran, at, expected):
    result = iran.next_opening(at)
    assert result == expected
    assert result.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (tehran(2025, 5, 14, 9, 0), 2 * H, tehran(2025, 5, 14, 11, 0)),  # within one day
        (tehran(2025, 5, 14, 16, 0), 3 * H, tehran(2025, 5, 15, 10, 0)),  # Wednesday into Thursday
        (tehran(2025, 5, 15, 12, 0), 2 * H, tehran(2025, 5, 17, 9, 0)),  # Thursday half day, Friday off
        (tehran(2025, 5, 16, 12, 0), 1 * H, tehran(2025, 5, 17, 9, 0)),  # from a Friday
        (tehran(2025, 5, 14, 6, 0), 1 * H, tehran(2025, 5, 14, 9, 0)),  # before opening
        (tehran(2025, 5, 14, 16, 0), 1 * H, tehran(2025, 5, 14, 17, 0)),  # ends exactly at closing
        (tehran(2025, 5, 14, 20, 0), dt.timedelta(0), tehran(2025, 5, 14, 20, 0)),  # zero: start itself
        (tehran(2025, 5, 17, 8, 0), 9 * H * 5 + 5 * H, tehran(2025, 5, 22, 13, 0)),  # a whole week: Thu 13:00
        (tehran(2025, 3, 18, 16, 0), 2 * H, tehran(2025, 3, 25, 9, 0)),  # across Nowruz 1404
        (tehran(2026, 3, 19, 12, 0), 2 * H, tehran(2026, 3, 25, 9, 0)),  # across Nowruz 1405
        (tehran(2025, 5, 14, 16, 30), dt.timedelta(minutes=45), tehran(2025, 5, 15, 8, 15)),
        # summer 2021: Iran was still on daylight saving time (UTC+04:30)
        (tehran(2021, 6, 19, 8, 0), 1 * H, dt.datetime(2021, 6, 19, 4, 30, tzinfo=UTC)),
    ],
)
def test_add_business_time(iran, start, duration, expected):
    result = iran.add_business_time(start, duration)
    assert result == expected
    assert result.utcoffset() == dt.timedelta(0)


def test_add_business_time_skips_a_workspace_day_off():
    calendar = BusinessCalendar(days_off={dt.date(2025, 3, 25): "Moving office"})
    assert calendar.add_business_time(tehran(2025, 3, 18, 16, 0), 2 * H) == tehran(2025, 3, 26, 9, 0)


def test_add_business_time_refuses_negative_and_never_open():
    with pytest.raises(ValueError):
        BusinessCalendar().add_business_time(tehran(2025, 5, 14, 9), -H)
    closed = BusinessCalendar(week={})
    with pytest.raises(ValueError):
        closed.add_business_time(tehran(2025, 5, 14, 9), H)
    with pytest.raises(ValueError):
        closed.next_opening(tehran(2025, 5, 14, 9))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (tehran(2025, 5, 14, 9), tehran(2025, 5, 14, 11), 2 * H),
        (tehran(2025, 5, 13, 10), tehran(2025, 5, 17, 10), 23 * H),  # 7 + 9 + 5 (Thu) + 0 (Fri) + 2
        (tehran(2025, 5, 16, 0), tehran(2025, 5, 16, 23), dt.timedelta(0)),  # Friday
        (tehran(2025, 5, 14, 18), tehran(2025, 5, 15, 7), dt.timedelta(0)),  # overnight
        (tehran(2025, 3, 18, 16), tehran(2025, 3, 25, 9), 2 * H),  # across Nowruz 1404
        (tehran(2025, 5, 14, 11), tehran(2025, 5, 14, 9), -2 * H),  # backwards is negative
    ],
)
def test_business_time_between(iran, a, b, expected):
    assert iran.business_time_between(a, b) == expected


def test_custom_week_and_midnight_close():
    calendar = BusinessCalendar(week=parse_week({"5": ["20:00", "24:00"], "6": ["00:00", "02:00"]}))
    friday = dt.date(2025, 5, 16)
    assert calendar.opening_hours(friday) == (tehran(2025, 5, 16, 20), tehran(2025, 5, 17, 0))
    assert calendar.add_business_time(tehran(2025, 5, 16, 23), 2 * H) == tehran(2025, 5, 17, 1)
    assert calendar.is_open(tehran(2025, 5, 17, 0, 30))
    assert not calendar.is_working_day(dt.date(2025, 5, 14))  # Wednesday is missing: off


# --- the week JSON ---------------------------------------------------------------------------------------


def test_parse_week_default_matches_the_model_default():
    from mehvar.core.models import default_working_hours

    assert parse_week(default_working_hours()) == default_week()


@pytest.mark.parametrize(
    "week",
    [
        {"8": ["08:00", "17:00"]},
        {"monday": ["08:00", "17:00"]},
        {"1": ["08:00"]},
        {"1": "08:00-17:00"},
        {"1": ["8am", "5pm"]},
        {"1": ["17:00", "08:00"]},
        {"1": ["08:00", "08:00"]},
        {"1": ["08:61", "17:00"]},
        {"1": ["08:00", "24:30"]},
    ],
)
def test_parse_week_rejects(week):
    with translation.override("en"), pytest.raises(ValueError) as caught:
        parse_week(week)
    assert str(caught.value)


def test_parse_week_days_off():
    assert parse_week({"1": None, "2": [], "3": ["09:00", "12:30"]}) == {3: (540, 750)}
    assert parse_week(None) == {}


# --- holidays --------------------------------------------------------------------------------------------


def test_holidays_between_in_english():
    calendar = BusinessCalendar(days_off={dt.date(2025, 3, 25): "Moving office"})
    with translation.override("en"):
        found = calendar.holidays_between(dt.date(2025, 3, 18), dt.date(2025, 3, 25))
    dates = [h.date for h in found]
    assert dates == sorted(dates)
    assert dt.date(2025, 3, 18) not in dates
    assert {dt.date(2025, 3, d) for d in (19, 20, 21, 22, 23, 24, 25)} <= set(dates)
    by_date = {h.date: h for h in found if h.official}
    assert "Nowruz" in by_date[dt.date(2025, 3, 21)].name
    own = [h for h in found if not h.official]
    assert [(h.date, h.name) for h in own] == [(dt.date(2025, 3, 25), "Moving office")]


def test_holidays_between_in_persian():
    with translation.override("fa"):
        found = BusinessCalendar().holidays_between(dt.date(2026, 3, 21), dt.date(2026, 3, 24))
    assert [h.date for h in found] == [dt.date(2026, 3, d) for d in (21, 22, 23, 24)]
    assert "نوروز" in found[0].name


def test_holidays_between_spans_years_and_respects_the_flag():
    found = BusinessCalendar().holidays_between(dt.date(2025, 11, 20), dt.date(2026, 1, 5))
    # Martyrdom of Fatima (2025-11-24) and the birthday of Imam Ali (2026-01-03)
    assert [h.date for h in found] == [dt.date(2025, 11, 24), dt.date(2026, 1, 3)]
    assert (
        BusinessCalendar(observe_official_holidays=False).holidays_between(
            dt.date(2025, 3, 18), dt.date(2025, 3, 25)
        )
        == []
    )


def test_official_holidays_table_has_nowruz():
    assert {dt.date(2025, 3, d) for d in (21, 22, 23, 24)} <= set(official_holidays(2025))
    assert {dt.date(2026, 3, d) for d in (21, 22, 23, 24)} <= set(official_holidays(2026))


# --- from the database -----------------------------------------------------------------------------------


@pytest.fixture
def workspace(db):
    workspace = Workspace.objects.create(name="فروشگاه", slug="calendar-shop")
    BusinessHours.objects.create(workspace=workspace)
    return workspace


def test_calendar_for_workspace_reads_once(workspace, django_assert_num_queries):
    DayOff.objects.create(workspace=workspace, date=dt.date(2025, 3, 25), title="Moving office")
    other = Workspace.objects.create(name="other", slug="other-shop")
    DayOff.objects.create(workspace=other, date=dt.date(2025, 5, 14), title="Not ours")
    with django_assert_num_queries(2):
        calendar = calendar_for_workspace(workspace)
    with django_assert_num_queries(0):
        assert calendar.add_business_time(tehran(2025, 3, 18, 16), 2 * H) == tehran(2025, 3, 26, 9)
        assert calendar.is_working_day(dt.date(2025, 5, 14))  # the other workspace's day off
        assert not calendar.is_working_day(dt.date(2025, 5, 16))


def test_calendar_for_workspace_uses_its_week_and_flag(workspace):
    hours = workspace.business_hours
    hours.week = {"5": ["10:00", "14:00"]}
    hours.observe_official_holidays = False
    hours.save()
    calendar = calendar_for_workspace(workspace)
    assert calendar.is_working_day(dt.date(2025, 5, 16))  # Friday now works
    assert not calendar.is_working_day(dt.date(2025, 5, 17))  # Saturday does not
    assert calendar.opening_hours(dt.date(2025, 3, 21)) == (tehran(2025, 3, 21, 10), tehran(2025, 3, 21, 14))


def test_calendar_for_workspace_without_business_hours(db):
    bare = Workspace.objects.create(name="bare", slug="bare-shop")
    calendar = calendar_for_workspace(bare)
    assert calendar.week == default_week()
    assert calendar.observe_official_holidays


# --- properties ------------------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(TEHRAN)
)


@settings(max_examples=150, deadline=None)
@given(moments, st.integers(min_value=0, max_value=60 * 200))
def test_add_then_measure_round_trips(start, minutes):
    calendar = BusinessCalendar(days_off={dt.date(2025, 3, 25): "x"})
    duration = dt.timedelta(minutes=minutes)
    end = calendar.add_business_time(start, duration)
    assert end >= start
    assert calendar.business_time_between(start, end) == duration
    if minutes:
        assert calendar.is_open(end - dt.timedelta(microseconds=1))
