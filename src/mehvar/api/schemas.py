"""Schemas every app's API shares: the input base, e-mail, the problem document, error responses."""

from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from mehvar.core.text import normalize_text


class InputSchema(Schema):
    """Request bodies: unknown fields are refused (a typo is an error, not a silent no-op)."""

    model_config = ConfigDict(extra="forbid")


def _normalize(value: Any) -> Any:
    return normalize_text(value) if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_normalize)]
"""One line of text as people type it, in its canonical spelling (ی/ک, no kashida, spaces collapsed)."""

ObjectId = Annotated[int, Field(ge=1, le=2**63 - 1)]
"""A row id in a path: a positive 64-bit integer."""


def _validate_email(value: str) -> str:
    email = normalize_text(value).lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise PydanticCustomError("email", _("Enter a valid email address.")) from None
    return email


Email = Annotated[
    str,
    Field(max_length=254),
    AfterValidator(_validate_email),
    WithJsonSchema(
        {"type": "string", "format": "email", "examples": ["sara@example.com"]}, mode="validation"
    ),
]
"""An e-mail address, checked with Django's validator and lower-cased."""


class FieldErrorOut(Schema):
    field: str = Field(description="Dotted path of the field (`items.3.phone`) or the query parameter")
    code: str
    message: str = Field(description="In the request's language (Accept-Language)")


class ProblemOut(Schema):
    """application/problem+json (RFC 9457)."""

    type: str = Field(examples=["urn:mehvar:problem:validation"])
    title: str = Field(examples=["داده نامعتبر"])
    status: int = Field(examples=[422])
    detail: str
    errors: list[FieldErrorOut]


def error_responses(*statuses: int) -> dict[int, Any]:
    """``response={200: ThingOut, **error_responses(403, 404, 422)}``: documents the problem bodies."""
    return dict.fromkeys((401, *statuses), ProblemOut)
