"""Saved views of the customer list, and imports."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace


class SavedView(models.Model):
    """A named filter of the customer list; private to its owner or shared with the workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    filters = models.JSONField(default=dict)
    shared = models.BooleanField(_("shared with the workspace"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        indexes = [models.Index(fields=["workspace", "owner"], name="savedview_ws_owner")]

    def __str__(self) -> str:
        return self.name


class Import(models.Model):
    """One uploaded file of customers: mapped, validated, then applied wholly or not at all."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Ready to apply")
        APPLYING = "applying", _("Applying")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500)
    file_format = models.CharField(max_length=8)  # csv | xlsx
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, help_text="Column header → customer field")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{row, field, message}] for every bad row")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["workspace", "-created_at"], name="import_ws_created")]

    def __str__(self) -> str:
        return self.file_name


class ImportMapping(models.Model):
    """The column mapping last used for a given set of headers, offered again next time."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    headers_key = models.CharField(max_length=64, help_text="sha256 of the normalised header row")
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "headers_key"], name="importmapping_unique")
        ]

    def __str__(self) -> str:
        return self.headers_key[:12]
