"""API schemas of the workspace: its settings, members, invitations, calendar and audit log."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from mehvar.api.schemas import Email, InputSchema, Text
from mehvar.core.jalali import JalaliDate, format_date
from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.core.text import to_ascii_digits

RoleName = Literal[tuple(Role.values)]  # type: ignore[valid-type]
AuditAction = Literal[tuple(AuditEntry.Action.values)]  # type: ignore[valid-type]


# --- Workspace ------------------------------------------------------------------------------------------


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    persian_digits: bool
    time_zone: str
    created_at: dt.datetime


class WorkspacePatchIn(InputSchema):
    name: Text = Field(None, min_length=1, max_length=120, examples=["فروشگاه محور"])
    persian_digits: bool = Field(None, description="Show Persian digits in the interface")


# --- Members and invitations ----------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    role: str
    email: str
    full_name: str
    created_at: dt.datetime

    @staticmethod
    def resolve_email(obj: Any) -> str:
        return obj.user.email

    @staticmethod
    def resolve_full_name(obj: Any) -> str:
        return obj.user.full_name


class MemberRoleIn(InputSchema):
    role: RoleName = Field(examples=["supervisor"])


class InvitationIn(InputSchema):
    email: Email = Field(examples=["sara@example.com"])
    role: RoleName = Field(examples=["agent"])


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    created_at: dt.datetime
    expires_at: dt.datetime


# --- Business calendar ----------------------------------------------------------------------------------


def _ascii_digits(value: Any) -> Any:
    return to_ascii_digits(value).strip() if isinstance(value, str) else value


def _ordered(hours: list[str]) -> list[str]:
    start, end = hours
    if start >= end:
        raise PydanticCustomError(
            "time_order",
            _("The day must end after it starts (%(start)s–%(end)s).") % {"start": start, "end": end},
        )
    return hours


ClockTime = Annotated[str, BeforeValidator(_ascii_digits), Field(pattern=r"^(?:[01]\d|2[0-3]):[0-5]\d$")]
WorkingHours = Annotated[list[ClockTime], Field(min_length=2, max_length=2), AfterValidator(_ordered)]
Weekday = Annotated[str, Field(pattern=r"^[1-7]$")]

WEEK_EXAMPLE = {
    "6": ["08:00", "17:00"],
    "7": ["08:00", "17:00"],
    "1": ["08:00", "17:00"],
    "2": ["08:00", "17:00"],
    "3": ["08:00", "17:00"],
    "4": ["08:00", "13:00"],
}


class BusinessHoursIO(Schema):
    week: dict[Weekday, WorkingHours] = Field(
        description='ISO weekdays ("1" Monday … "6" Saturday, "7" Sunday) → [start, end] in HH:MM, '
        "Tehran time. A day left out is a day off.",
        examples=[WEEK_EXAMPLE],
    )
    observe_official_holidays: bool = Field(description="Iranian official holidays are days off")


class BusinessHoursIn(BusinessHoursIO, InputSchema):
    pass


class DayOffIn(InputSchema):
    date: JalaliDate = Field(examples=["1404/01/12"])
    title: Text = Field(min_length=1, max_length=120, examples=["تعطیلی نوروزی شرکت"])


class DayOffOut(Schema):
    id: int
    date: dt.date
    date_jalali: str = Field(examples=["1404/01/12"])
    title: str

    @staticmethod
    def resolve_date_jalali(obj: Any) -> str:
        return format_date(obj.date, digits="en")


# --- Audit log ------------------------------------------------------------------------------------------


class AuditFilter(Schema):
    object_type: str | None = Field(None, max_length=64, examples=["core.membership"])
    action: AuditAction | None = None


class AuditEntryOut(Schema):
    id: int
    created_at: dt.datetime
    actor: str
    via: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    before: Any = None
    after: Any = None

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return obj.actor_label
