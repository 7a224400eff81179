"""What the widget shows, sent with the session: the channel's look and every text, already translated.

The widget script has no strings of its own: they go through gettext here, in the language the embed tag
asked for (Persian unless ``data-lang="en"``), so the catalogues hold the widget's words like any page's.
"""

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from mehvar.channels.models import Channel
from mehvar.channels.webchat.schemas import WebchatConfig


def readable_on(color: str) -> str:
    """Black or white, whichever reads better on ``color`` (#rrggbb), by WCAG relative luminance."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#111827" if luminance > 0.36 else "#ffffff"


def _strings() -> dict[str, str]:
    return {
        "open": _("Chat with us"),
        "close": _("Close the chat"),
        "log": _("Messages"),
        "placeholder": _("Write your message…"),
        "message_label": _("Your message"),
        "send": _("Send"),
        "sending": _("Sending…"),
        "failed": _("Not sent."),
        "retry": _("Try again"),
        "you": _("You"),
        "support": _("Support team"),
        "unread": _("New reply"),
        "offline": _("No connection. Trying again…"),
        "contact_intro": _(
            "Leave your e-mail or mobile number so that we can answer you even after you leave."
        ),
        "contact_required": _("Leave your e-mail or mobile number so that we can answer you."),
        "name_label": _("Your name"),
        "email_label": _("E-mail"),
        "phone_label": _("Mobile number"),
        "contact_save": _("Start the chat"),
        "contact_skip": _("Skip"),
        "contact_missing": _("Write an e-mail address or a mobile number."),
        "contact_thanks": _("Thank you; we will answer you here and by your contact details."),
    }


def widget_settings(channel: Channel, config: WebchatConfig) -> dict[str, Any]:
    language = translation.get_language() or "fa"
    welcome = config.welcome_text_en if language == "en" else config.welcome_text
    return {
        "language": language,
        "dir": "ltr" if language == "en" else "rtl",
        "title": config.title or channel.workspace.name,
        "welcome": welcome or _("Hello! How can we help you?"),
        "color": config.color,
        "text_color": readable_on(config.color),
        "ask_contact": config.ask_contact,
        "strings": _strings(),
    }
