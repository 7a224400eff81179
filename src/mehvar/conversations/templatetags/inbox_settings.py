"""Filters of the inbox settings pages: business minutes with hours beside them, choice labels."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from mehvar.channels.models import ChannelKind
from mehvar.conversations.models import Priority
from mehvar.core.text import localize_digits
from mehvar.web.templatetags.jalali import _digits

register = template.Library()


@register.filter
def minutes_and_hours(value: Any) -> str:
    """90 → «۹۰ دقیقه (۱٫۵ ساعت)»; empty → —."""
    if value in (None, ""):
        return "—"
    hours = f"{value / 60:.1f}".rstrip("0").rstrip(".")
    text = _("%(minutes)s min (%(hours)s h)") % {"minutes": value, "hours": hours}
    return localize_digits(text, _digits())


@register.filter
def priority_label(value: str) -> str:
    return str(Priority(value).label) if value in Priority.values else value


@register.filter
def channel_label(value: str) -> str:
    return str(ChannelKind(value).label) if value in ChannelKind.values else value


@register.filter
def may(membership: Any, perm: str) -> bool:
    """``{% if current_membership|may:"conversations.reply" %}``: whether the member's role has ``perm``."""
    from mehvar.core.roles import role_has

    return membership is not None and role_has(membership.role, perm)  # type: ignore[arg-type]
