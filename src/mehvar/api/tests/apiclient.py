"""Small helpers for API tests: JSON calls with a member's token and the problem+json checks."""

import json
from typing import Any

from django.test import Client

from mehvar.testing import Tenants

API = "/api/v1"


def call(
    client: Client,
    method: str,
    path: str,
    *,
    tenants: Tenants | None = None,
    who: str | None = None,
    body: Any = None,
    raw: str | None = None,
    lang: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """``call(client, "post", "/days-off", tenants=t, who="owner", body={...})``."""
    extra: dict[str, str] = {}
    if who is not None:
        assert tenants is not None
        extra.update(tenants.bearer(who))
    if lang is not None:
        extra["HTTP_ACCEPT_LANGUAGE"] = lang
    for name, value in (headers or {}).items():
        extra["HTTP_" + name.upper().replace("-", "_")] = value
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    kwargs: dict[str, Any] = {"content_type": "application/json"} if data is not None else {}
    if data is not None:
        kwargs["data"] = data
    return getattr(client, method.lower())(API + path, **kwargs, **extra)


def problem(response: Any, status: int) -> dict[str, Any]:
    """Assert a problem+json answer with this status and return its body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) >= {"type", "title", "status", "detail", "errors"}, body
    assert body["status"] == status
    return body


def fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body["errors"]}


def message_of(body: dict[str, Any], field: str) -> str:
    return next(error["message"] for error in body["errors"] if error["field"] == field)
