"""API of the workspace: settings, members, invitations, business calendar, audit log.

Thin handlers: check the permission, look the object up inside the token's workspace, call one service or
selector. Writes are recorded in the audit log with ``via="api"``.
"""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from mehvar.api.pagination import KeysetPagination, paginate
from mehvar.api.permissions import require, workspace_of
from mehvar.api.schemas import ObjectId, error_responses
from mehvar.core import selectors, services
from mehvar.core.models import DayOff, Invitation, Membership
from mehvar.core.roles import Perm
from mehvar.core.schemas import (
    AuditEntryOut,
    AuditFilter,
    BusinessHoursIn,
    BusinessHoursIO,
    DayOffIn,
    DayOffOut,
    InvitationIn,
    InvitationOut,
    MemberOut,
    MemberRoleIn,
    WorkspaceOut,
    WorkspacePatchIn,
)
from mehvar.core.tenancy import get_in_workspace

router = Router()

WORKSPACE = "فضای کاری"
MEMBERS = "اعضا و دعوت‌ها"
CALENDAR = "تقویم کاری"
AUDIT = "گزارش رویدادها"


# --- Workspace ------------------------------------------------------------------------------------------


@router.get(
    "/workspace", response={200: WorkspaceOut, **error_responses()}, tags=[WORKSPACE], summary="فضای کاری"
)
def workspace_detail(request: HttpRequest) -> Any:
    return workspace_of(request)


@router.patch(
    "/workspace",
    response={200: WorkspaceOut, **error_responses(403, 422)},
    tags=[WORKSPACE],
    summary="تغییر نام و تنظیمات فضای کاری",
)
def workspace_update(request: HttpRequest, payload: WorkspacePatchIn) -> Any:
    acting = require(request, Perm.WORKSPACE_MANAGE)
    workspace = acting.workspace
    changes = payload.model_dump(exclude_unset=True)
    return services.workspace_update(
        acting=acting,
        name=changes.get("name", workspace.name),
        persian_digits=changes.get("persian_digits", workspace.persian_digits),
        via="api",
    )


# --- Members --------------------------------------------------------------------------------------------


@router.get(
    "/members", response={200: list[MemberOut], **error_responses(422)}, tags=[MEMBERS], summary="اعضا"
)
@paginate(KeysetPagination, ordering=("created_at", "id"))
def member_list(request: HttpRequest) -> Any:
    require(request, Perm.MEMBERS_VIEW)
    return selectors.members_of(workspace=workspace_of(request))


@router.patch(
    "/members/{member_id}",
    response={200: MemberOut, **error_responses(403, 404, 422)},
    tags=[MEMBERS],
    summary="تغییر نقش یک عضو",
)
def member_update(request: HttpRequest, member_id: ObjectId, payload: MemberRoleIn) -> Any:
    acting = require(request, Perm.MEMBERS_MANAGE)
    member = get_in_workspace(Membership.objects.select_related("user"), acting.workspace, pk=member_id)
    return services.membership_change_role(acting=acting, membership=member, role=payload.role, via="api")


@router.delete(
    "/members/{member_id}",
    response={204: None, **error_responses(403, 404, 422)},
    tags=[MEMBERS],
    summary="حذف یک عضو از فضای کاری",
)
def member_delete(request: HttpRequest, member_id: ObjectId) -> Any:
    acting = require(request, Perm.MEMBERS_MANAGE)
    member = get_in_workspace(Membership.objects.select_related("user"), acting.workspace, pk=member_id)
    services.membership_remove(acting=acting, membership=member, via="api")
    return Status(204, None)


# --- Invitations ----------------------------------------------------------------------------------------


@router.get(
    "/invitations",
    response={200: list[InvitationOut], **error_responses(403, 422)},
    tags=[MEMBERS],
    summary="دعوت‌های باز",
)
@paginate(KeysetPagination, ordering=("-created_at", "-id"))
def invitation_list(request: HttpRequest) -> Any:
    require(request, Perm.MEMBERS_MANAGE)
    return selectors.open_invitations_of(workspace=workspace_of(request))


@router.post(
    "/invitations",
    response={201: InvitationOut, **error_responses(403, 409, 422)},
    tags=[MEMBERS],
    summary="دعوت یک نفر با ایمیل",
    description="پیوند پذیرش دعوت با ایمیل فرستاده می‌شود و در پاسخ نمی‌آید.",
)
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Any:
    acting = require(request, Perm.MEMBERS_MANAGE)
    invitation, _secret = services.invitation_create(
        acting=acting, email=payload.email, role=payload.role, via="api"
    )
    return Status(201, invitation)


@router.delete(
    "/invitations/{invitation_id}",
    response={204: None, **error_responses(403, 404)},
    tags=[MEMBERS],
    summary="لغو یک دعوت",
)
def invitation_delete(request: HttpRequest, invitation_id: ObjectId) -> Any:
    acting = require(request, Perm.MEMBERS_MANAGE)
    invitation = get_in_workspace(
        Invitation.objects.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()),
        acting.workspace,
        pk=invitation_id,
    )
    services.invitation_revoke(acting=acting, invitation=invitation, via="api")
    return Status(204, None)


# --- Business calendar ----------------------------------------------------------------------------------


@router.get(
    "/business-hours",
    response={200: BusinessHoursIO, **error_responses()},
    tags=[CALENDAR],
    summary="ساعت‌های کاری هفته",
)
def business_hours_detail(request: HttpRequest) -> Any:
    require(request, Perm.WORKSPACE_VIEW)
    return selectors.business_hours_of(workspace=workspace_of(request))


@router.put(
    "/business-hours",
    response={200: BusinessHoursIO, **error_responses(403, 422)},
    tags=[CALENDAR],
    summary="تعیین ساعت‌های کاری هفته",
    description="روزی که در `week` نیامده تعطیل است. ساعت‌ها به وقت تهران‌اند.",
)
def business_hours_update(request: HttpRequest, payload: BusinessHoursIn) -> Any:
    acting = require(request, Perm.WORKSPACE_MANAGE)
    return services.business_hours_update(
        acting=acting,
        week={day: list(hours) for day, hours in sorted(payload.week.items())},
        observe_official_holidays=payload.observe_official_holidays,
        via="api",
    )


@router.get(
    "/days-off",
    response={200: list[DayOffOut], **error_responses(422)},
    tags=[CALENDAR],
    summary="تعطیلی‌های خود فضای کاری",
)
@paginate(KeysetPagination, ordering=("date", "id"))
def day_off_list(request: HttpRequest) -> Any:
    require(request, Perm.WORKSPACE_VIEW)
    return selectors.days_off_of(workspace=workspace_of(request))


@router.post(
    "/days-off",
    response={201: DayOffOut, **error_responses(403, 409, 422)},
    tags=[CALENDAR],
    summary="افزودن یک روز تعطیل",
    description="تاریخ را شمسی (۱۴۰۴/۰۱/۱۲ یا 1404-01-12) یا میلادی ISO (2025-04-01) بفرستید.",
)
def day_off_create(request: HttpRequest, payload: DayOffIn) -> Any:
    acting = require(request, Perm.WORKSPACE_MANAGE)
    day = services.day_off_create(acting=acting, date=payload.date, title=payload.title, via="api")
    return Status(201, day)


@router.delete(
    "/days-off/{day_off_id}",
    response={204: None, **error_responses(403, 404)},
    tags=[CALENDAR],
    summary="حذف یک روز تعطیل",
)
def day_off_delete(request: HttpRequest, day_off_id: ObjectId) -> Any:
    acting = require(request, Perm.WORKSPACE_MANAGE)
    day = get_in_workspace(DayOff, acting.workspace, pk=day_off_id)
    services.day_off_delete(acting=acting, day=day, via="api")
    return Status(204, None)


# --- Audit log ------------------------------------------------------------------------------------------


@router.get(
    "/audit-log",
    response={200: list[AuditEntryOut], **error_responses(403, 422)},
    tags=[AUDIT],
    summary="گزارش رویدادها (چه کسی چه چیزی را تغییر داد)",
)
@paginate(KeysetPagination, ordering=("-created_at", "-id"))
def audit_log(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    require(request, Perm.AUDIT_VIEW)
    entries = selectors.audit_entries_of(workspace=workspace_of(request))
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.action:
        entries = entries.filter(action=filters.action)
    return entries
