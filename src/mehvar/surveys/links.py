"""The customer's links: the survey page ``/s/<key>/`` and one-tap answers
``/s/<key>/a/<question>/<value>/<signature>/``.

``key`` is ``<workspace id in base 36>.<token>``: the invitation is found by its (workspace, token) unique
index without any other lookup, and the token (96 random bits) is the secret. A one-tap link carries the
answer itself, signed with the site's secret (``django.core.signing.TimestampSigner``, its own salt): a
changed question, value or key breaks the signature, and a signature older than ``ONE_TAP_MAX_AGE`` (or an
invitation past ``expires_at``) is expired.
"""

import datetime as dt
import secrets
from typing import Literal

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import base36_to_int, int_to_base36

from mehvar.surveys.models import Invitation

KEY_SEP = "."
ONE_TAP_SALT = "mehvar.surveys.one-tap"
ONE_TAP_MAX_AGE = dt.timedelta(days=90)
_signer = signing.TimestampSigner(salt=ONE_TAP_SALT, sep=".")


def new_token() -> str:
    return secrets.token_urlsafe(12)


def invitation_key(invitation: Invitation) -> str:
    return f"{int_to_base36(invitation.workspace_id)}{KEY_SEP}{invitation.token}"


def parse_key(key: str) -> tuple[int, str] | None:
    workspace_part, sep, token = (key or "").partition(KEY_SEP)
    if not sep or not token or len(token) > 32 or not workspace_part.isalnum() or len(workspace_part) > 12:
        return None
    try:
        return base36_to_int(workspace_part.lower()), token
    except ValueError:
        return None


def invitation_by_key(key: str) -> Invitation | None:
    parsed = parse_key(key)
    if parsed is None:
        return None
    workspace_id, token = parsed
    return (
        Invitation.objects.select_related("survey", "workspace", "channel")
        .filter(workspace_id=workspace_id, token=token)
        .first()
    )


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def survey_path(invitation: Invitation) -> str:
    return reverse("survey_public:page", args=[invitation_key(invitation)])


def _payload(key: str, question_id: int, value: str) -> str:
    return f"{key}/{question_id}/{value}"


def one_tap_signature(*, key: str, question_id: int, value: str | int) -> str:
    payload = _payload(key, question_id, str(value))
    return _signer.sign(payload)[len(payload) + 1 :]


def one_tap_path(invitation: Invitation, question_id: int, value: str | int) -> str:
    key = invitation_key(invitation)
    signature = one_tap_signature(key=key, question_id=question_id, value=value)
    return reverse("survey_public:one_tap", args=[key, question_id, str(value), signature])


def one_tap_check(
    *, key: str, question_id: int, value: str, signature: str
) -> Literal["ok", "tampered", "expired"]:
    try:
        _signer.unsign(f"{_payload(key, question_id, value)}.{signature}", max_age=ONE_TAP_MAX_AGE)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "tampered"
    return "ok"
