"""Problem details (RFC 9457): the one shape of every API error.

``{"type", "title", "status", "detail", "errors": [{"field", "code", "message"}]}`` served as
``application/problem+json``. Titles and details are translated into the request's language.
"""

import json
from dataclasses import asdict, dataclass
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

CONTENT_TYPE = "application/problem+json"
NON_FIELD = "__all__"


@dataclass(frozen=True)
class FieldError:
    """One reason a request was refused; ``field`` is a dotted path (``items.3.phone``) or a param name."""

    field: str
    code: str
    message: str


def _type_uri(slug: str) -> str:
    return f"urn:mehvar:problem:{slug}"


def _standard(status: int) -> tuple[str, str, str]:
    """The problem type, title and detail of a status when the caller has nothing more specific."""
    standard = {
        400: ("malformed-request", _("Malformed request"), _("The request body is not valid JSON.")),
        401: (
            "not-authenticated",
            _("Not authenticated"),
            _("Send a valid API token in the Authorization header: Bearer <token>."),
        ),
        403: ("forbidden", _("Forbidden"), _("Your role does not allow this action.")),
        404: ("not-found", _("Not found"), _("There is nothing here, or it is not yours to see.")),
        405: ("method-not-allowed", _("Method not allowed"), _("This address does not accept this method.")),
        409: ("conflict", _("Conflict"), _("The request conflicts with another one in progress.")),
        422: ("validation", _("Invalid data"), _("Some fields are not valid; see errors.")),
        429: ("throttled", _("Too many requests"), _("Slow down and try again later.")),
        500: ("server-error", _("Server error"), _("Something went wrong on our side; it has been logged.")),
    }
    if status in standard:
        return standard[status]
    return ("error", _("Error"), _("The request could not be completed."))


def problem_response(
    status: int,
    *,
    detail: str | None = None,
    title: str | None = None,
    type_slug: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    slug, default_title, default_detail = _standard(status)
    body: dict[str, Any] = {
        "type": _type_uri(type_slug or slug),
        "title": title or default_title,
        "status": status,
        "detail": detail or default_detail,
        "errors": [asdict(error) for error in errors or []],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=f"{CONTENT_TYPE}; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def is_problem(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(CONTENT_TYPE)
