"""Jalali dates and Persian digits in templates; registered as builtins (no {% load %} needed).

    {{ order.created_at|jdatetime }}   ۱۴۰۳/۱۲/۳۰ ۱۴:۰۵   (en: 1403/12/30 14:05)
    {{ order.created_at|jdate }}       ۱۴۰۳/۱۲/۳۰
    {{ order.created_at|jdate_long }}  ۳۰ اسفند ۱۴۰۳      (en: 30 Esfand 1403)
    {{ count|digits }}                 ۱۲ in Persian, 12 in English

Datetimes are shown in Asia/Tehran; digits and month names follow the active language. None and "" give "".
A value of the wrong type is shown unchanged rather than breaking the page.
"""

import datetime as dt
from typing import Any

from django import template
from django.utils import translation
from django.utils.html import format_html

from mehvar.core import jalali
from mehvar.core.text import localize_digits

register = template.Library()


def _digits() -> str:
    return "fa" if (translation.get_language() or "fa").startswith("fa") else "en"


@register.filter
def jdate(value: Any) -> Any:
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.date):
        return value
    return jalali.format_date(value, digits=_digits())


@register.filter
def jdate_long(value: Any) -> Any:
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.date):
        return value
    return jalali.format_date(value, digits=_digits(), style="long")


@register.filter
def jdatetime(value: Any) -> Any:
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        return jalali.format_datetime(value, digits=_digits())
    if isinstance(value, dt.date):
        return jalali.format_date(value, digits=_digits())
    return value


@register.filter(is_safe=True)
def digits(value: Any) -> str:
    if value is None:
        return ""
    return localize_digits(value, _digits())


@register.filter(is_safe=True)
def ltr(value: Any) -> Any:
    """A number isolated left to right (``<bdi dir="ltr">``), so that a minus sign stays before it in a
    right-to-left page: ``{{ nps|floatformat:1|digits|ltr }}``."""
    if value is None or value == "":
        return ""
    return format_html('<bdi dir="ltr">{}</bdi>', value)
