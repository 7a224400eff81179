"""The operators' admin for people (e-mail users) and their API tokens.

Tokens are read-only: only their hash is stored and the secret is never shown. An operator can revoke
tokens (a leaked one, say); each revocation is written to the token's workspace audit log.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mehvar.accounts.models import ApiToken, User
from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."), code="unique")
        return email


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipOfUserInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("workspace", "role", "created_at")
    readonly_fields = ("workspace", "role", "created_at")
    can_delete = False
    verbose_name = _("workspace membership")
    verbose_name_plural = _("workspace memberships")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # members join by invitation, or from the workspace's page in this admin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("email", "full_name", "language", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser", "language")
    search_fields = ("email", "full_name", "phone")
    ordering = ("email",)
    readonly_fields = ("date_joined", "last_login")
    inlines = (MembershipOfUserInline,)

    def get_inlines(self, request: HttpRequest, obj: Any) -> tuple[type[admin.TabularInline], ...]:
        return self.inlines if obj is not None else ()  # a user being created has no memberships yet

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal details"), {"fields": ("full_name", "phone", "language")}),
        (
            _("Access"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "workspace", "owner", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "membership__user__email", "workspace__slug")
    list_select_related = ("workspace", "membership__user")
    fields = (
        "name",
        "workspace",
        "membership",
        "prefix",
        "token_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ("revoke_tokens",)

    @admin.display(description=_("member"), ordering="membership__user__email")
    def owner(self, obj: ApiToken) -> str:
        return obj.membership.user.email

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a member creates their own token and sees its secret once

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the history stays

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        now = timezone.now()
        revoked = 0
        with transaction.atomic():
            for token in queryset.filter(revoked_at=None).select_related("workspace"):
                token.revoked_at = now
                token.save(update_fields=["revoked_at"])
                audit_record(
                    workspace=token.workspace,
                    actor=request.user,
                    action=AuditEntry.Action.UPDATE,
                    obj=token,
                    before={"revoked_at": None},
                    after={"revoked_at": now},
                    via="admin",
                )
                revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )
