"""The timeline: an append-only stream of what happened with a customer, each item pointing at its record."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace
from mehvar.customers.models.profile import Customer


class Activity(models.Model):
    """One thing that happened. ``kind`` comes from the kinds registry (``mehvar.customers.timeline``); other
    modules add kinds there. Ingested items are idempotent by (source, external_id)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=32)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    occurred_at = models.DateTimeField(_("when"))
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    source = models.CharField(_("source"), max_length=64, blank=True)
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    actor = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    record_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    record_id = models.CharField(max_length=64, blank=True)
    record = GenericForeignKey("record_type", "record_id")
    merge = models.ForeignKey(
        "customers.Merge", on_delete=models.SET_NULL, null=True, blank=True, related_name="moved_activities"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["workspace", "customer", "-occurred_at", "-id"], name="activity_timeline"),
            models.Index(fields=["workspace", "kind", "-occurred_at"], name="activity_ws_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="activity_unique_external",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d}"
