"""Reads for workspaces and members: always inside one workspace."""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from mehvar.accounts.models import ApiToken
from mehvar.core import jalali
from mehvar.core.business_calendar import Holiday, official_holidays
from mehvar.core.models import AuditEntry, BusinessHours, DayOff, Invitation, Membership, Workspace

AUDIT_PAGE_SIZE = 50


def workspaces_of_user(*, user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, user__is_active=True)
        .select_related("workspace")
        .order_by("workspace__name")
    )


def members_of(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at", "pk")


def open_invitations_of(*, workspace: Workspace) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        workspace=workspace, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def api_tokens_of(*, membership: Membership) -> QuerySet[ApiToken]:
    """The member's own tokens, newest first (revoked ones too, so the history stays visible)."""
    return ApiToken.objects.filter(workspace=membership.workspace, membership=membership).order_by(
        "-created_at", "-pk"
    )


def audit_entries_of(*, workspace: Workspace) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(workspace=workspace).order_by("-created_at", "-pk")


# --- The audit log, a page at a time ---------------------------------------------------------------------


@dataclass(frozen=True)
class TimeCursor:
    """Where a newest-first keyset page starts: just after this (created_at, pk), going back in time.
    The audit log uses it, and any list ordered by (created_at, id) descending."""

    created_at: dt.datetime
    pk: int

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.pk}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> "TimeCursor":
        """Raises ValueError for anything that is not a cursor this function wrote."""
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            stamp, pk = raw.split("|")
            created_at = dt.datetime.fromisoformat(stamp)
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise ValueError("not an audit cursor") from error
        if created_at.tzinfo is None:
            raise ValueError("not an audit cursor")
        return cls(created_at=created_at, pk=int(pk))


AuditCursor = TimeCursor


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None


def audit_page(
    *,
    workspace: Workspace,
    action: str = "",
    object_type: str = "",
    cursor: AuditCursor | None = None,
    limit: int = AUDIT_PAGE_SIZE,
) -> AuditPage:
    """One page of the workspace's audit log, newest first, by keyset (an index range, never OFFSET)."""
    entries = audit_entries_of(workspace=workspace)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if cursor is not None:
        entries = entries.filter(
            Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, pk__lt=cursor.pk)
        )
    rows = list(entries[: limit + 1])
    if len(rows) <= limit:
        return AuditPage(entries=rows, next_cursor=None)
    last = rows[limit - 1]
    return AuditPage(entries=rows[:limit], next_cursor=AuditCursor(last.created_at, last.pk).encode())


def audit_object_types_of(*, workspace: Workspace) -> list[str]:
    """The kinds of record this workspace's log mentions, for the filter."""
    return sorted(
        AuditEntry.objects.filter(workspace=workspace)
        .order_by()
        .values_list("object_type", flat=True)
        .distinct()
    )


def object_type_label(object_type: str) -> str:
    """'core.membership' -> the model's translated name ('member'); unknown types as they are."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


@dataclass(frozen=True)
class AuditChange:
    field: str
    before: Any
    after: Any


# Keys that services record in an entry's summary rather than as model fields.
SUMMARY_KEYS = {"count": gettext_lazy("number of records")}


def audit_changes(entry: AuditEntry) -> list[AuditChange]:
    """Every field an entry mentions, with its translated name and readable values, in a stable order."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    try:
        model = apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        model = None
    changes = []
    for key in dict.fromkeys([*before, *after]):
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(key)
            except FieldDoesNotExist:  # a summary key such as {"count": 300}, not a model field
                field = None
        label = str(getattr(field, "verbose_name", None) or SUMMARY_KEYS.get(key, key))
        changes.append(
            AuditChange(
                field=label, before=_shown(before.get(key), field), after=_shown(after.get(key), field)
            )
        )
    return changes


def _shown(value: Any, field: Any) -> Any:
    """A stored value as people read it: a choice's label, a Jalali date, yes/no, JSON for structures."""
    choices = {choice: str(text) for choice, text in getattr(field, "flatchoices", None) or []}
    if isinstance(value, str | int | bool) and value in choices:
        return choices[value]
    if isinstance(value, str) and isinstance(field, models.DateField):
        try:
            if isinstance(field, models.DateTimeField):
                return jalali.format_datetime(dt.datetime.fromisoformat(value))
            return jalali.format_date(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            return value
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


# --- The business calendar -------------------------------------------------------------------------------


def business_hours_of(*, workspace: Workspace) -> BusinessHours:
    """The workspace's working week (the default week when none was saved yet)."""
    return BusinessHours.objects.filter(workspace=workspace).first() or BusinessHours(workspace=workspace)


def days_off_of(*, workspace: Workspace) -> QuerySet[DayOff]:
    return DayOff.objects.filter(workspace=workspace).order_by("date")


def upcoming_official_holidays(*, today: dt.date, count: int = 5) -> list[Holiday]:
    """Iran's next official holidays from ``today`` on, named in the active language."""
    language = "fa_IR" if (translation.get_language() or "fa").startswith("fa") else "en_US"
    found = [
        Holiday(day, name, official=True)
        for year in (today.year, today.year + 1)
        for day, name in sorted(official_holidays(year, language).items())
        if day >= today
    ]
    return found[:count]
