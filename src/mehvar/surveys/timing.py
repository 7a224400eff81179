"""Quiet hours: nothing is sent to a customer between ``quiet_start`` and ``quiet_end`` (22:00-08:00 by
default), wall-clock time in Asia/Tehran. A message due inside them waits for their end."""

import datetime as dt

from mehvar.core.jalali import TEHRAN


def in_quiet_hours(at: dt.datetime, *, start: dt.time, end: dt.time) -> bool:
    if at.tzinfo is None:
        raise ValueError("quiet hours need an aware datetime")
    if start == end:
        return False
    local = at.astimezone(TEHRAN).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(at: dt.datetime, *, start: dt.time, end: dt.time) -> dt.datetime:
    """``at`` itself outside quiet hours, else the moment they end (UTC)."""
    if not in_quiet_hours(at, start=start, end=end):
        return at
    local = at.astimezone(TEHRAN)
    day = local.date()
    if start > end and local.time() >= start:  # evening: they end tomorrow morning
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=TEHRAN).astimezone(dt.UTC)
