"""The web chat's typed settings, and the shapes of what a visitor's browser sends.

``WebchatConfig`` is the channel's ``config`` (validated by ``channels.services`` when the channel is saved).
``allowed_origins`` are the sites allowed to embed the widget (CORS): ``https://shop.example`` or
``https://*.shop.example`` for every subdomain. The chat server's own origin is always allowed (the preview
page). Requests with no ``Origin`` header (not from a browser) are not limited by origin: the visitor token
still protects every conversation.
"""

import re
from typing import Literal

import pydantic
from django.utils.translation import gettext as _

TEXT_MAX_LENGTH = 2000
ORIGINS_MAX = 20
_ORIGIN = re.compile(r"^(https?)://(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(:\d{1,5})?$")
_CLIENT_ID = r"^[A-Za-z0-9_-]{8,64}$"


def clean_origin(value: str) -> str:
    """``HTTPS://Shop.Example/`` → ``https://shop.example``; a translated ValueError for a non-origin."""
    origin = str(value).strip().lower().rstrip("/")
    if not _ORIGIN.match(origin):
        raise ValueError(
            _("“%(value)s” is not a site address: write it like https://shop.example (no path).")
            % {"value": str(value)[:80]}
        )
    return origin


class WebchatConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    allowed_origins: list[str] = pydantic.Field(default_factory=list, max_length=ORIGINS_MAX)
    title: str = pydantic.Field(default="", max_length=60)
    welcome_text: str = pydantic.Field(default="", max_length=500)
    welcome_text_en: str = pydantic.Field(default="", max_length=500)
    color: str = pydantic.Field(default="#0f766e", pattern=r"^#[0-9a-fA-F]{6}$")
    ask_contact: Literal["off", "optional", "required"] = "optional"
    messages_per_minute: int = pydantic.Field(default=12, ge=1, le=120)

    @pydantic.field_validator("allowed_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(clean_origin(value) for value in values))


class SessionIn(pydantic.BaseModel):
    """Opening the widget; the returning visitor's token (if any) comes in the X-Visitor-Token header."""

    model_config = pydantic.ConfigDict(extra="forbid")

    page: str = pydantic.Field(default="", max_length=500)


class MessageIn(pydantic.BaseModel):
    """One message from a visitor. ``client_id`` is made by the browser once per message, so a retried
    POST finds the message already stored. Contact details are optional (the channel may require them)."""

    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)

    client_id: str = pydantic.Field(pattern=_CLIENT_ID)
    text: str = pydantic.Field(min_length=1, max_length=TEXT_MAX_LENGTH)
    name: str = pydantic.Field(default="", max_length=120)
    email: str = pydantic.Field(default="", max_length=254)
    phone: str = pydantic.Field(default="", max_length=40)
    page: str = pydantic.Field(default="", max_length=500)
