"""The customer: one person a workspace serves. Identities, matching and the timeline come later."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Workspace


class Customer(models.Model):
    """A person as the workspace knows them. Duplicates are allowed here: matching and merging find them."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="customers")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +989121234567"))
    email = models.EmailField(_("email"), max_length=254, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="customer_ws_created"),
            models.Index(fields=["workspace", "phone"], name="customer_ws_phone"),
            models.Index(fields=["workspace", "email"], name="customer_ws_email"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.phone or self.email or f"#{self.pk}"
