"""The Jalali template filters are builtins: templates use them without {% load %}."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

UTC = dt.UTC
MOMENT = dt.datetime(2025, 3, 20, 10, 35, tzinfo=UTC)  # 14:05 on 1403/12/30 in Tehran


def render(source, language, **context):
    with translation.override(language):
        return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("source", "value", "fa", "en"),
    [
        ("{{ v|jdate }}", dt.date(2025, 3, 20), "۱۴۰۳/۱۲/۳۰", "1403/12/30"),
        ("{{ v|jdate }}", MOMENT, "۱۴۰۳/۱۲/۳۰", "1403/12/30"),
        ("{{ v|jdatetime }}", MOMENT, "۱۴۰۳/۱۲/۳۰ ۱۴:۰۵", "1403/12/30 14:05"),
        ("{{ v|jdatetime }}", dt.date(2025, 3, 20), "۱۴۰۳/۱۲/۳۰", "1403/12/30"),
        ("{{ v|jdate_long }}", dt.date(2025, 3, 20), "۳۰ اسفند ۱۴۰۳", "30 Esfand 1403"),
        ("{{ v|jdate_long }}", dt.date(2025, 3, 21), "۱ فروردین ۱۴۰۴", "1 Farvardin 1404"),
        ("{{ v|digits }}", 1403, "۱۴۰۳", "1403"),
        ("{{ v|digits }}", "سفارش ۱۲ و 34", "سفارش ۱۲ و ۳۴", "سفارش 12 و 34"),
        ("{{ v|jdate }}", None, "", ""),
        ("{{ v|jdatetime }}", None, "", ""),
        ("{{ v|jdate_long }}", None, "", ""),
        ("{{ v|digits }}", None, "", ""),
        ("{{ v|jdate }}", "", "", ""),
        ("{{ v|jdate }}", "not a date", "not a date", "not a date"),
    ],
)
def test_filters(source, value, fa, en):
    assert render(source, "fa", v=value) == fa
    assert render(source, "en", v=value) == en


def test_datetimes_are_shown_in_tehran():
    # 21:00 UTC on 2025-03-20 is 00:30 on 1 Farvardin 1404 in Tehran
    late = dt.datetime(2025, 3, 20, 21, 0, tzinfo=UTC)
    assert render("{{ v|jdate }} {{ v|jdatetime }}", "en", v=late) == "1404/01/01 1404/01/01 00:30"
    other_zone = dt.datetime(2025, 3, 20, 12, 35, tzinfo=ZoneInfo("Europe/Berlin"))  # 11:35 UTC
    assert render("{{ v|jdatetime }}", "en", v=other_zone) == "1403/12/30 15:05"


def test_digits_keeps_escaping_right():
    assert render("{{ v|digits }}", "fa", v="<b>1</b>") == "&lt;b&gt;۱&lt;/b&gt;"
    assert render("{{ v|digits }}", "fa", v=mark_safe("<b>1</b>")) == "<b>۱</b>"


def test_filters_follow_the_active_language_per_render():
    template = engines["django"].from_string("{{ v|jdate_long }}")
    with translation.override("fa"):
        assert template.render({"v": dt.date(2025, 3, 20)}) == "۳۰ اسفند ۱۴۰۳"
    with translation.override("en"):
        assert template.render({"v": dt.date(2025, 3, 20)}) == "30 Esfand 1403"
