"""Small helpers for page tests: what a message reads in a language, and whether a page shows it."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.html import escape

import mehvar

PERSIAN_CATALOGUE = Path(mehvar.__file__).parent / "locale" / "fa" / "LC_MESSAGES" / "django.mo"


def in_language(language: str, message: str, **values: Any) -> str:
    """``message`` (an English msgid) as the page shows it in ``language``."""
    with translation.override(language):
        text = translation.gettext(message)
    return text % values if values else text


def in_language_plural(language: str, singular: str, plural: str, count: int, **values: Any) -> str:
    with translation.override(language):
        return translation.ngettext(singular, plural, count) % values


def too_long(language: str, limit: int, length: int) -> str:
    """Django's own max_length message, as a page in ``language`` shows it."""
    return in_language_plural(
        language,
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        limit,
        limit_value=limit,
        show_value=length,
    )


def html(response: Any) -> str:
    return response.content.decode()


def shows(response: Any, text: str) -> bool:
    return escape(text) in html(response)


def is_persian(text: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in text)


def mehvar_catalogue_missing() -> bool:
    """True until the coordinator compiles Mehvar's own Persian messages (Django's are always there)."""
    return not PERSIAN_CATALOGUE.exists() or settings.LANGUAGE_CODE != "fa"
