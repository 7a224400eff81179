"""Cursor pagination for every list: ``?cursor=&limit=`` → ``{"items": [...], "next": cursor | null}``.

Keyset, never OFFSET: the queryset is put in a stable order (for example ``("-created_at", "-id")``, the
last field unique) and a page starts after the last row of the previous one, so a page costs the same at
row 10 and at row 10 million and rows added meanwhile do not shift it. The cursor is opaque to clients (the
last row's ordering values, base64url JSON). Use it on a Ninja route::

    @router.get("/things", response=list[ThingOut])
    @paginate(KeysetPagination, ordering=("-created_at", "-id"))
    def thing_list(request): return things_of(workspace=request.workspace)

or call :func:`keyset_page` directly.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PaginationBase, paginate

__all__ = ["KeysetPagination", "Page", "keyset_page", "paginate"]

DEFAULT_LIMIT = 50


def max_limit() -> int:
    return int(getattr(settings, "NINJA_PAGINATION_MAX_LIMIT", 200))


@dataclass
class Page:
    items: list[Any]
    next: str | None


def _bad_cursor() -> DjangoValidationError:
    return DjangoValidationError(
        {"cursor": DjangoValidationError(_("This cursor is not valid."), code="invalid")}
    )


def _order_fields(model: type[Model], ordering: tuple[str, ...]) -> list[tuple[str, bool, Any]]:
    """[(attname, descending, model field)] for each ordering entry; "pk" means the primary key."""
    fields = []
    for entry in ordering:
        descending = entry.startswith("-")
        name = entry.lstrip("-")
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        fields.append((field.attname, descending, field))
    return fields


def _encode(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, fields: list[tuple[str, bool, Any]]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _bad_cursor() from None
    if not isinstance(values, list) or len(values) != len(fields):
        raise _bad_cursor()
    try:
        return [field.to_python(value) for value, (_name, _desc, field) in zip(values, fields, strict=True)]
    except (DjangoValidationError, TypeError, ValueError):
        raise _bad_cursor() from None


def _after(fields: list[tuple[str, bool, Any]], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in this ordering: (a > x) or (a = x and b > y) or ..."""
    condition = Q()
    for index, (name, descending, _field) in enumerate(fields):
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[index]})
        for earlier in range(index):
            step &= Q(**{fields[earlier][0]: values[earlier]})
        condition |= step
    return condition


def _cursor_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def keyset_page(
    queryset: QuerySet[Any], *, ordering: tuple[str, ...], cursor: str | None, limit: int
) -> Page:
    """One page of ``queryset`` in ``ordering`` (non-null fields, the last one unique)."""
    try:
        fields = _order_fields(queryset.model, ordering)
    except FieldDoesNotExist as error:  # a programming error, not the client's
        raise ValueError(f"cannot paginate on {ordering}: {error}") from error
    queryset = queryset.order_by(*ordering)
    if cursor:
        queryset = queryset.filter(_after(fields, _decode(cursor, fields)))
    rows = list(queryset[: limit + 1])
    items, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more and items:
        last = items[-1]
        next_cursor = _encode([_cursor_value(getattr(last, name)) for name, _d, _f in fields])
    return Page(items=items, next=next_cursor)


class KeysetPagination(PaginationBase):
    """Ninja pagination class: ``@paginate(KeysetPagination, ordering=(...))``."""

    class Input(Schema):
        cursor: str | None = Field(
            None, max_length=1000, description="The `next` value of the previous page; empty for the first."
        )
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=max_limit(), description="Items per page.")

    class Output(Schema):
        items: list[Any]
        next: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")

    items_attribute = "items"

    def __init__(self, *, ordering: tuple[str, ...] = ("-id",), **kwargs: Any) -> None:
        self.ordering = ordering
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        page = keyset_page(queryset, ordering=self.ordering, cursor=pagination.cursor, limit=pagination.limit)
        return {"items": page.items, "next": page.next}
