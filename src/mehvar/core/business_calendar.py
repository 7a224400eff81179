"""When a workspace is at work: its working week, Iran's official holidays and its own days off.

The SLA clock, reminders and "we are closed" answers ask this module, never the models directly.

* The working week is ``BusinessHours.week``: ISO weekday ("1" Monday .. "7" Sunday) → ["HH:MM", "HH:MM"].
  A missing day is a day off; "24:00" may close a day at midnight. The default is Iran's: Saturday to
  Wednesday 08:00-17:00, Thursday 08:00-13:00, Friday off.
* Official holidays come from ``holidays.Iran`` (names in Persian or English by the active language) and are
  days off while ``observe_official_holidays`` is on. The workspace's ``DayOff`` rows are always days off.
* Hours are wall-clock hours in the workspace's time zone (Asia/Tehran by default). Times passed in must be
  aware; times returned are aware, in UTC unless said otherwise.

``calendar_for_workspace(workspace)`` reads the database once (two small queries) and returns a
``BusinessCalendar`` that answers every question from memory.
"""

import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.utils import translation
from django.utils.translation import gettext as _

TEHRAN = ZoneInfo("Asia/Tehran")
DAY = dt.timedelta(days=1)
MAX_CLOSED_DAYS = 400  # more closed days in a row than this means the calendar never opens
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


def default_week() -> dict[int, tuple[int, int]]:
    """Saturday-Wednesday 08:00-17:00, Thursday 08:00-13:00, Friday off (minutes since midnight)."""
    full, half = (8 * 60, 17 * 60), (8 * 60, 13 * 60)
    return {6: full, 7: full, 1: full, 2: full, 3: full, 4: half}


def _minutes(value: Any) -> int:
    match = _HHMM.fullmatch(str(value).strip())
    if match is None:
        raise ValueError(_("“%(value)s” is not a time; write HH:MM, for example 08:30.") % {"value": value})
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(_("“%(value)s” is not a time of day.") % {"value": value})
    return hours * 60 + minutes


def parse_week(week: Mapping[str, Any] | None) -> dict[int, tuple[int, int]]:
    """``BusinessHours.week`` JSON → {ISO weekday: (opening minute, closing minute)}. Raises ValueError.

    A missing day, an empty value or ``null`` is a day off.
    """
    if week is None:
        return {}
    parsed: dict[int, tuple[int, int]] = {}
    for key, hours in week.items():
        if str(key) not in {"1", "2", "3", "4", "5", "6", "7"}:
            raise ValueError(_("“%(key)s” is not a weekday number from 1 to 7.") % {"key": key})
        if not hours:
            continue
        if not isinstance(hours, list | tuple) or len(hours) != 2:
            raise ValueError(_("Working hours are an opening and a closing time, like 08:00-17:00."))
        start, end = _minutes(hours[0]), _minutes(hours[1])
        if start >= end:
            raise ValueError(
                _("Closing time %(end)s is not after opening time %(start)s.")
                % {"start": hours[0], "end": hours[1]}
            )
        parsed[int(key)] = (start, end)
    return parsed


def _holiday_language() -> str:
    return "fa_IR" if (translation.get_language() or "fa").startswith("fa") else "en_US"


@functools.lru_cache(maxsize=256)
def official_holidays(year: int, language: str = "en_US") -> Mapping[dt.date, str]:
    """Iran's official holidays in a Gregorian year: date → name (several names joined by "; ")."""
    return dict(holidays.Iran(years=year, language=language).items())


@dataclass(frozen=True)
class Holiday:
    date: dt.date
    name: str
    official: bool  # True: Iran's official calendar; False: the workspace's own day off


@dataclass(frozen=True)
class BusinessCalendar:
    """A working week, official holidays and a workspace's own days off, in one time zone."""

    week: Mapping[int, tuple[int, int]] = field(default_factory=default_week)
    days_off: Mapping[dt.date, str] = field(default_factory=dict)
    observe_official_holidays: bool = True
    tz: ZoneInfo = TEHRAN

    # --- days -------------------------------------------------------------------------------------------
    def is_official_holiday(self, day: dt.date) -> bool:
        return self.observe_official_holidays and day in official_holidays(day.year)

    def is_working_day(self, day: dt.date) -> bool:
        """A day with working hours that is neither an observed official holiday nor a day off."""
        return (
            day.isoweekday() in self.week and day not in self.days_off and not self.is_official_holiday(day)
        )

    def opening_hours(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """(opening, closing) on ``day`` as aware datetimes in the calendar's zone; None on a day off."""
        if not self.is_working_day(day):
            return None
        start, end = self.week[day.isoweekday()]
        return self._at(day, start), self._at(day, end)

    def _at(self, day: dt.date, minute: int) -> dt.datetime:
        day, minute = (day + DAY, 0) if minute == 24 * 60 else (day, minute)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)

    def _utc_hours(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        hours = self.opening_hours(day)
        if hours is None:
            return None
        return hours[0].astimezone(dt.UTC), hours[1].astimezone(dt.UTC)

    def _local_day(self, at: dt.datetime) -> dt.date:
        return _aware(at).astimezone(self.tz).date()

    def _days_from(self, first: dt.date) -> Iterator[tuple[dt.date, tuple[dt.datetime, dt.datetime]]]:
        """Working days from ``first`` on, with their UTC hours; stops after MAX_CLOSED_DAYS closed days."""
        day, closed = first, 0
        while closed <= MAX_CLOSED_DAYS:
            hours = self._utc_hours(day)
            if hours is None:
                closed += 1
            else:
                closed = 0
                yield day, hours
            day += DAY

    # --- moments ----------------------------------------------------------------------------------------
    def is_open(self, at: dt.datetime) -> bool:
        """Within working hours at ``at`` (opening time included, closing time excluded)."""
        at = _aware(at).astimezone(dt.UTC)
        hours = self._utc_hours(self._local_day(at))
        return hours is not None and hours[0] <= at < hours[1]

    def next_opening(self, at: dt.datetime) -> dt.datetime:
        """``at`` itself when open, else the next opening time (UTC). Raises ValueError if it never opens."""
        at = _aware(at).astimezone(dt.UTC)
        for _day, (start, end) in self._days_from(self._local_day(at)):
            if at < end:
                return max(start, at)
        raise ValueError(_("These business hours never open."))

    def add_business_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment (UTC) when ``duration`` of working time has passed since ``start``.

        Time outside working hours does not count. A zero duration gives ``start``; a duration that ends
        exactly at closing time gives the closing time, not the next opening.
        """
        if duration < dt.timedelta(0):
            raise ValueError("duration must not be negative")
        cursor = _aware(start).astimezone(dt.UTC)
        remaining = duration
        if not remaining:
            return cursor
        for _day, (opening, closing) in self._days_from(self._local_day(cursor)):
            begin = max(opening, cursor)
            if begin >= closing:
                continue
            if remaining <= closing - begin:
                return begin + remaining
            remaining -= closing - begin
        raise ValueError(_("These business hours never open."))

    def business_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Working time from ``a`` to ``b``; negative when ``b`` is before ``a``."""
        a, b = _aware(a).astimezone(dt.UTC), _aware(b).astimezone(dt.UTC)
        if b < a:
            return -self.business_time_between(b, a)
        total = dt.timedelta(0)
        day, last = self._local_day(a), self._local_day(b)
        while day <= last:
            hours = self._utc_hours(day)
            if hours is not None:
                overlap = min(hours[1], b) - max(hours[0], a)
                if overlap > dt.timedelta(0):
                    total += overlap
            day += DAY
        return total

    # --- listing ----------------------------------------------------------------------------------------
    def holidays_between(self, first: dt.date, last: dt.date) -> list[Holiday]:
        """Observed official holidays and the workspace's days off from ``first`` to ``last`` inclusive.

        Official names are in Persian when the active language is Persian, else English. A date that is
        both appears twice (once for each).
        """
        language = _holiday_language()
        found: list[Holiday] = []
        if self.observe_official_holidays:
            for year in range(first.year, last.year + 1):
                for day, name in official_holidays(year, language).items():
                    if first <= day <= last:
                        found.append(Holiday(day, name, official=True))
        found.extend(
            Holiday(day, title, official=False)
            for day, title in self.days_off.items()
            if first <= day <= last
        )
        return sorted(found, key=lambda h: (h.date, not h.official, h.name))


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("business calendar times must be aware datetimes")
    return value


CALENDAR_MEMO = "business_calendar"


def calendar_for_workspace(workspace: Any) -> BusinessCalendar:
    """The workspace's calendar (read once per ``core.memo`` scope)."""
    from mehvar.core.memo import workspace_memo

    return workspace_memo(workspace, CALENDAR_MEMO, lambda: _calendar_read(workspace))


def _calendar_read(workspace: Any) -> BusinessCalendar:
    """Business hours, then days off: two queries."""
    from mehvar.core.models import BusinessHours, DayOff

    hours = (
        BusinessHours.objects.filter(workspace=workspace).only("week", "observe_official_holidays").first()
    )
    days_off = dict(DayOff.objects.filter(workspace=workspace).values_list("date", "title"))
    try:
        tz = ZoneInfo(workspace.time_zone or "Asia/Tehran")
    except (ZoneInfoNotFoundError, ValueError):
        tz = TEHRAN
    if hours is None:
        return BusinessCalendar(days_off=days_off, tz=tz)
    return BusinessCalendar(
        week=parse_week(hours.week),
        days_off=days_off,
        observe_official_holidays=hours.observe_official_holidays,
        tz=tz,
    )
