"""Small pieces of the web shell's markup: ``{% load mehvar_ui %}``.

{% icon "home" %}                  an inline SVG that takes the text colour (symbols in web/img/icons.svg)
{% icon "logout" class="icon-flip" %}  mirrored in right-to-left pages (arrows)
{{ day|weekday_name }}             شنبه (en: Saturday)
{{ moment|clock }}                 ۰۸:۳۰, the datetime's own wall-clock time (en: 08:30)
"""

import datetime as dt
from typing import Any

from django import template
from django.templatetags.static import static
from django.utils import translation
from django.utils.html import format_html

from mehvar.core import jalali
from mehvar.core.text import localize_digits

register = template.Library()


@register.simple_tag
def icon(name: str, *, label: str = "", **attrs: str) -> str:
    classes = " ".join(filter(None, ["icon", attrs.get("class", "")]))
    sprite = static("web/img/icons.svg")
    if label:
        return format_html(
            '<svg class="{}" role="img" aria-label="{}"><use href="{}#{}"></use></svg>',
            classes,
            label,
            sprite,
            name,
        )
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        classes,
        sprite,
        name,
    )


@register.filter
def weekday_name(value: Any) -> str:
    """The weekday of a date (or of a datetime as given), in the active language: شنبه / Saturday."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return ""
    return jalali.weekday_name(value)


@register.filter
def clock(value: Any) -> str:
    """HH:MM of a time or of a datetime as given (no time-zone change), in the active language's digits."""
    if not isinstance(value, dt.datetime | dt.time):
        return ""
    digits = "fa" if (translation.get_language() or "fa").startswith("fa") else "en"
    return localize_digits(f"{value:%H:%M}", digits)
