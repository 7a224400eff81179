"""The tenant (workspace), its members and invitations, its calendar, and the audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.roles import Role


class Workspace(models.Model):
    """The tenant: one business. Every tenant-owned row points here."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=50, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tehran")
    persian_digits = models.BooleanField(_("show Persian digits"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in a workspace, with one role."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")]
        indexes = [models.Index(fields=["workspace", "role"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.get_role_display()})"


class Invitation(models.Model):
    """An invitation by e-mail to join a workspace with a role; accepted once, before it expires."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["workspace", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


def default_working_hours() -> dict[str, list[str]]:
    """Saturday-Wednesday 08:00-17:00, Thursday 08:00-13:00, Friday off. Keys are ISO weekdays (Mon=1)."""
    full, half = ["08:00", "17:00"], ["08:00", "13:00"]
    return {"6": full, "7": full, "1": full, "2": full, "3": full, "4": half}


class BusinessHours(models.Model):
    """A workspace's working week; official Iranian holidays are off unless switched off here."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="business_hours")
    week = models.JSONField(_("working hours"), default=default_working_hours)
    observe_official_holidays = models.BooleanField(_("official holidays are days off"), default=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")

    def __str__(self) -> str:
        return str(self.workspace)


class DayOff(models.Model):
    """A workspace's own day off (a company holiday), on top of the official calendar."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="days_off")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=120)

    class Meta:
        verbose_name = _("day off")
        verbose_name_plural = _("days off")
        constraints = [models.UniqueConstraint(fields=["workspace", "date"], name="dayoff_unique_date")]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


class AuditEntry(models.Model):
    """Who did what to which record, with the values before and after. Append-only."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        VIEW_PERSONAL = "view_personal", _("viewed personal data")
        EXPORT = "export", _("exported")
        LOGIN = "login", _("signed in")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, help_text="Kept when the actor is deleted.")
    via = models.CharField(max_length=16, default="web", help_text="web, api, task or system")
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=254, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["workspace", "object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type}:{self.object_id}"
