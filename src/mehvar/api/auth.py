"""Bearer-token authentication: the token fixes the member and the workspace of the request.

``Authorization: Bearer mhv_...``. A valid token sets ``request.api_token``, ``request.user``,
``request.membership`` and ``request.workspace``; everything a handler touches is then looked up inside that
workspace. A session cookie is not an API credential.
"""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from mehvar.accounts.models import ApiToken
from mehvar.accounts.services import api_token_authenticate

_CACHE_ATTR = "_mehvar_bearer"


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret after "Bearer " in the Authorization header, or None."""
    scheme, _sep, secret = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def authenticate_bearer(request: HttpRequest) -> ApiToken | None:
    """The request's active token (looked up once per request, shared by middleware and handlers)."""
    secret = bearer_secret(request)
    if secret is None:
        return None
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None and cached[0] == secret:
        return cached[1]
    token = api_token_authenticate(secret=secret)
    setattr(request, _CACHE_ATTR, (secret, token))
    return token


class TokenAuth(HttpBearer):
    """Ninja's auth for every route except /version and the documentation."""

    def __call__(self, request: HttpRequest) -> Any:
        token = authenticate_bearer(request)
        if token is None:
            return None
        request.api_token = token  # type: ignore[attr-defined]
        request.user = token.membership.user  # the token's user, whatever a session cookie says
        request.membership = token.membership  # type: ignore[attr-defined]
        request.workspace = token.membership.workspace  # type: ignore[attr-defined]
        return token

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover - see __call__
        return authenticate_bearer(request)
