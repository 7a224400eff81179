"""Filters of the feedback page: a label's name in the page's language, and a share as a percentage."""

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from mehvar.feedback.models import Sentiment, Urgency

register = template.Library()

_MODELS = {
    "workspace": _("This workspace's own model"),
    "base": _("The base model"),
    "rules": _("Keyword rules"),
}


@register.filter
def sentiment_name(key: str) -> str:
    return str(Sentiment(key).label) if key in Sentiment.values else ""


@register.filter
def urgency_name(key: str) -> str:
    return str(Urgency(key).label) if key in Urgency.values else ""


@register.filter
def model_name(key: str) -> str:
    return str(_MODELS.get(key, key))


@register.filter
def percent(share: Any) -> str:
    """0.8234 → "82" (the template adds the sign and the digits)."""
    if share is None:
        return ""
    return str(round(float(share) * 100))
