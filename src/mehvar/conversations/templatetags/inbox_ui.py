"""Small filters of the inbox pages: ``{% load inbox_ui %}``.

{{ message|note_html }}         the text, escaped, with @mentions of the mentioned members marked
{{ message|masked }}            an abusive message's text as agents see it before they ask for it
{{ conversation|sla_state:now }}  "overdue", "soon" or "" (for the badge's colour)
{{ attachment.size|file_size }}  ۱٫۲ MB in the reader's digits
"""

import datetime as dt
import re
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from mehvar.conversations.selectors import BREACHING_WINDOW
from mehvar.core.text import localize_digits

register = template.Library()


def _digits() -> str:
    return "fa" if (translation.get_language() or "fa").startswith("fa") else "en"


@register.filter
def note_html(message: Any) -> SafeString:
    """A note's text with the mentions (``@Full Name`` or ``@mailbox``) of its mentioned members marked."""
    text = escape(message.text or "")
    names: set[str] = set()
    for member in message.mentions.all():
        names.update(n for n in (member.user.get_full_name(), member.user.email.split("@")[0]) if n)
    if names:
        tokens = sorted((re.escape(escape(f"@{name}")) for name in names), key=len, reverse=True)
        text = re.sub("|".join(tokens), lambda m: f'<mark class="mention">{m.group(0)}</mark>', text)
    return mark_safe(text)  # noqa: S308 - built from escaped text and escaped names only


@register.filter
def masked(message: Any) -> str:
    """An abusive message's text as agents see it until they ask for the original: the flagged words masked
    (``conversations.abuse``)."""
    from mehvar.conversations import abuse

    return abuse.message_masked_text(message)


@register.filter
def abuse_reasons(message: Any) -> str:
    """Why a message was flagged, in words: «توهین، ناسزا»."""
    from mehvar.conversations import abuse

    separator = "، " if (translation.get_language() or "fa").startswith("fa") else ", "
    return separator.join(abuse.abuse_reasons(message))


@register.filter
def sla_state(conversation: Any, now: dt.datetime) -> str:
    due = getattr(conversation, "sla_due_at", None)
    if due is None or conversation.status not in ("new", "open", "waiting"):
        return ""
    if due <= now:
        return "overdue"
    if due <= now + BREACHING_WINDOW:
        return "soon"
    return "running"


@register.filter
def file_size(value: Any) -> str:
    return localize_digits(filesizeformat(value), _digits())


@register.filter
def activity_label(activity: Any) -> str:
    """An activity's kind as the customer's timeline names it."""
    from mehvar.customers.timeline import kind_of

    kind = kind_of(activity.kind)
    return str(kind.label) if kind else activity.kind


def _reasons() -> dict[str, str]:
    from django.utils.translation import gettext as _

    return {
        "customer_wrote": _("the customer wrote"),
        "reopen_window_passed": _("the reopen window had passed"),
    }


@register.filter
def reason_label(value: Any) -> str:
    """A reason the system wrote as a code («customer_wrote»), in words; anything else as it is."""
    text = str(value or "")
    return _reasons().get(text, text)
