"""Channel identities, merges (undoable for 30 days) and duplicate suggestions."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace
from mehvar.customers.models.profile import Customer


class IdentityKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")
    BALE = "bale", _("Bale")
    EITAA = "eitaa", _("Eitaa")
    WEB_VISITOR = "web_visitor", _("Website visitor")
    SHOP_ACCOUNT = "shop_account", _("Shop account")


class Identity(models.Model):
    """One way to reach or recognise a customer on a channel.

    ``value`` is normalised (``mehvar.customers.matching.normalize_identity``); one identity belongs to one
    customer in a workspace.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=254)
    written_as = models.CharField(_("as written"), max_length=254, blank=True)
    merge = models.ForeignKey(
        "customers.Merge", on_delete=models.SET_NULL, null=True, blank=True, related_name="moved_identities"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "value"], name="identity_unique_value")
        ]
        indexes = [models.Index(fields=["workspace", "customer"], name="identity_ws_customer")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Merge(models.Model):
    """``merged`` was folded into ``survivor``. What moved points back here, so undo can move it back."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survivor = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_won")
    merged = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_lost")
    survivor_before = models.JSONField(help_text="The survivor's fields before the merge, restored by undo.")
    choices = models.JSONField(
        default=dict, help_text="Field → 'survivor' | 'merged', as chosen per conflict."
    )
    automatic = models.BooleanField(default=False)
    performed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    performed_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        indexes = [
            models.Index(fields=["workspace", "-performed_at"], name="merge_ws_performed"),
            models.Index(fields=["workspace", "survivor"], name="merge_ws_survivor"),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


class DuplicateSuggestion(models.Model):
    """Two customers who may be one person, with the evidence; a person reviews it, it never merges itself."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    customer_a = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    customer_b = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    evidence = models.JSONField(
        default=list, help_text="[{signal, a, b, weight}]: why they may be one person"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "customer_a", "customer_b"], name="duplicate_unique_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(customer_a__lt=models.F("customer_b")), name="duplicate_ordered"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "status", "-score"], name="duplicate_ws_queue")]

    def __str__(self) -> str:
        return f"{self.customer_a_id} ~ {self.customer_b_id} ({self.score:.2f})"
