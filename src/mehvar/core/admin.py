"""The operators' admin for workspaces, members, invitations, the business calendar and the audit log.

Operators are staff users, not members of a workspace, so the admin cannot call the member-facing services
(which take the acting member). What it changes is still recorded: every save and delete of a
workspace-owned row writes an audit entry with ``via="admin"`` and the operator as the actor. The audit log
and invitations are read-only here: invitations are created and revoked by the workspace's own admins.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mehvar.core.audit import audit_record, changed, snapshot
from mehvar.core.business_calendar import parse_week
from mehvar.core.models import AuditEntry, BusinessHours, DayOff, Invitation, Membership, Workspace

Action = AuditEntry.Action
VIA = "admin"


def _fields_of(obj: Model, names: Iterable[str] | None = None) -> list[str]:
    concrete = [f.name for f in obj._meta.concrete_fields if f.name != "id"]
    return [name for name in concrete if names is None or name in names]


def record_admin_save(*, request: HttpRequest, obj: Model, before: dict[str, Any] | None) -> None:
    """Audit a row the admin just saved: created (``before`` is None) or changed (only what changed)."""
    workspace = obj if isinstance(obj, Workspace) else obj.workspace  # type: ignore[attr-defined]
    after = snapshot(obj, _fields_of(obj))
    if before is None:
        audit_record(
            workspace=workspace, actor=request.user, action=Action.CREATE, obj=obj, after=after, via=VIA
        )
        return
    before, after = changed(before, after)
    if after:
        audit_record(
            workspace=workspace,
            actor=request.user,
            action=Action.UPDATE,
            obj=obj,
            before=before,
            after=after,
            via=VIA,
        )


def record_admin_delete(*, request: HttpRequest, obj: Model) -> None:
    workspace = obj.workspace  # type: ignore[attr-defined]
    audit_record(
        workspace=workspace,
        actor=request.user,
        action=Action.DELETE,
        obj=obj,
        before=snapshot(obj, _fields_of(obj)),
        via=VIA,
    )


def stored_snapshot(obj: Model) -> dict[str, Any] | None:
    """The row as it is in the database now, before the admin's form is saved over it."""
    if obj.pk is None:
        return None
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(stored, _fields_of(stored)) if stored is not None else None


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit entry (via="admin") for every save and delete of a workspace-owned row."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = stored_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)
        record_admin_save(request=request, obj=obj, before=before)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_admin_delete(request=request, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            record_admin_delete(request=request, obj=obj)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only their own code writes: operators look, they do not edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    verbose_name = _("member")
    verbose_name_plural = _("members")


class BusinessHoursForm(forms.ModelForm):
    """The week is checked as the business calendar reads it, so a typo cannot break every page."""

    class Meta:
        model = BusinessHours
        fields = ("week", "observe_official_holidays")

    def clean_week(self) -> Any:
        week = self.cleaned_data["week"]
        if not isinstance(week, dict):
            raise forms.ValidationError(_('Write the week as {"6": ["08:00", "17:00"], ...}.'))
        try:
            parse_week(week)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        return week


class BusinessHoursInline(admin.StackedInline):
    model = BusinessHours
    form = BusinessHoursForm
    extra = 0
    max_num = 1
    can_delete = False


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "member_count", "time_zone", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("created_at",)
    inlines = (MembershipInline, BusinessHoursInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Workspace]:
        return super().get_queryset(request).annotate(members=Count("memberships"))

    @admin.display(description=_("members"), ordering="members")
    def member_count(self, obj: Workspace) -> int:
        return getattr(obj, "members", 0)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = stored_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)
        record_admin_save(request=request, obj=obj, before=before)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Members and business hours edited inline are audited one row at a time."""
        befores = {
            inline_form.instance.pk: stored_snapshot(inline_form.instance)
            for inline_form in formset.forms
            if inline_form.instance.pk is not None
        }
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record_admin_delete(request=request, obj=obj)
            obj.delete()
        for obj in instances:
            before = befores.get(obj.pk) if obj.pk is not None else None
            obj.save()
            record_admin_save(request=request, obj=obj, before=before)
        formset.save_m2m()


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "workspace", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name", "workspace__name", "workspace__slug")
    list_select_related = ("user", "workspace")
    autocomplete_fields = ("user", "workspace")
    readonly_fields = ("created_at",)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "workspace", "role", "created_at", "expires_at", "state")
    list_filter = ("role",)
    search_fields = ("email", "workspace__name", "workspace__slug")
    list_select_related = ("workspace",)
    exclude = ("token_hash",)  # the link's secret is never shown, not even its hash

    @admin.display(description=_("state"))
    def state(self, obj: Invitation) -> str:
        if obj.accepted_at:
            return str(_("accepted"))
        if obj.revoked_at:
            return str(_("revoked"))
        return str(_("open")) if obj.is_open else str(_("expired"))


@admin.register(DayOff)
class DayOffAdmin(AuditedAdmin):
    list_display = ("date", "title", "workspace")
    list_filter = ("workspace",)
    search_fields = ("title", "workspace__name")
    list_select_related = ("workspace",)
    autocomplete_fields = ("workspace",)
    date_hierarchy = "date"


@admin.register(BusinessHours)
class BusinessHoursAdmin(AuditedAdmin):
    form = BusinessHoursForm
    fields = ("workspace", "week", "observe_official_holidays")
    list_display = ("workspace", "observe_official_holidays")
    list_select_related = ("workspace",)
    autocomplete_fields = ("workspace",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every workspace keeps one row; change the hours instead


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "workspace", "actor_label", "via", "action", "object_type", "object_label")
    list_filter = ("action", "via")
    search_fields = ("actor_label", "object_label", "object_id", "workspace__slug")
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"
    show_full_result_count = False
