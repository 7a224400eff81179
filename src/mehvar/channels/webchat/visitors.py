"""Who is who on the web chat: the channel's public id, visitor ids and the visitor's signed token.

* The **public id** a business pastes into its embed tag is ``<channel pk>-<20 hex of an HMAC>`` (keyed by
  the project's SECRET_KEY). It is stable, needs nothing stored, and cannot be guessed from the pk, so
  nobody can walk other workspaces' chat endpoints. Rotating SECRET_KEY changes every public id; the old
  ones keep working while the old key is in SECRET_KEY_FALLBACKS.
* A **visitor id** (``wv_`` + 24 random characters) is made by the server when a browser first opens the
  widget. It is the conversation's ``thread_key`` and the customer identity ``("web_visitor", id)``.
* The **visitor token** is the visitor id signed for one channel (``django.core.signing``). The browser
  keeps it in localStorage and sends it as ``X-Visitor-Token``; only its holder reads that visitor's
  conversations. A token of another channel (or workspace) is refused.
"""

import hmac
import secrets

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

from mehvar.channels.models import Channel, ChannelKind

_PUBLIC_SALT = "mehvar.webchat.public-id"
VISITOR_PREFIX = "wv_"


def _public_mac(pk: int, secret: str) -> str:
    return salted_hmac(_PUBLIC_SALT, str(pk), secret=secret, algorithm="sha256").hexdigest()[:20]


def public_id(channel: Channel) -> str:
    return f"{channel.pk}-{_public_mac(channel.pk, settings.SECRET_KEY)}"


def channel_by_public_id(value: str) -> Channel | None:
    """The enabled web chat channel a public id names, or None (unknown, forged, disabled)."""
    pk_text, _dash, mac = (value or "").partition("-")
    if not pk_text.isdigit() or len(mac) != 20 or len(pk_text) > 18:
        return None
    pk = int(pk_text)
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(mac, _public_mac(pk, key)) for key in keys):
        return None
    return (
        Channel.objects.select_related("workspace")
        .filter(pk=pk, kind=ChannelKind.WEBCHAT, enabled=True)
        .first()
    )


def _signer(channel: Channel) -> signing.Signer:
    return signing.Signer(salt=f"mehvar.webchat.visitor.{channel.pk}")


def visitor_new() -> str:
    return VISITOR_PREFIX + secrets.token_urlsafe(18)


def visitor_token(channel: Channel, visitor: str) -> str:
    return _signer(channel).sign(visitor)


def visitor_from_token(channel: Channel, token: str) -> str | None:
    """The visitor id inside a token signed for this channel, or None."""
    if not token or len(token) > 200:
        return None
    try:
        visitor = _signer(channel).unsign(token)
    except signing.BadSignature:
        return None
    return visitor if visitor.startswith(VISITOR_PREFIX) else None
