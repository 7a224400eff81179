"""The customer profile: names, contacts, place, company, lifecycle, owner, tags, custom fields, consent."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace


class Lifecycle(models.TextChoices):
    LEAD = "lead", _("Lead")
    NEW = "new", _("New")
    ACTIVE = "active", _("Active")
    LOYAL = "loyal", _("Loyal")
    AT_RISK = "at_risk", _("At risk")
    CHURNED = "churned", _("Churned")


class Customer(models.Model):
    """A person as the workspace knows them. Duplicates may exist until matching and merging find them.

    ``phone`` and ``email`` are the primary contacts, kept equal to one of the customer's identities;
    ``search_text`` holds the normalised names, phones, e-mails and handles that search reads
    (``mehvar.customers.search.search_text_for``). A merged customer keeps its row (``merged_into``) for 30
    days so that the merge can be undone; an erased one keeps only aggregate facts (``erased_at``).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="customers")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    first_name_latin = models.CharField(_("first name (Latin)"), max_length=100, blank=True)
    last_name_latin = models.CharField(_("last name (Latin)"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +989121234567"))
    email = models.EmailField(_("email"), max_length=254, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("role at the company"), max_length=120, blank=True)
    lifecycle = models.CharField(
        _("lifecycle stage"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.NEW
    )
    owner = models.ForeignKey(
        Membership,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
    )
    tags = models.ManyToManyField(
        "customers.Tag", verbose_name=_("tags"), blank=True, related_name="customers"
    )
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    contact_policy = models.TextField(
        _("contact policy"), blank=True, help_text=_("How to deal with this customer, shown to every agent.")
    )
    rights_acknowledged_at = models.DateTimeField(
        _("rights and commitments acknowledged"), null=True, blank=True
    )
    search_text = models.TextField(editable=False, blank=True, default="")
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    lifetime_value = models.BigIntegerField(_("lifetime value (rials)"), default=0)
    last_nps = models.SmallIntegerField(_("last NPS"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from", editable=False
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="customer_ws_created"),
            models.Index(fields=["workspace", "phone"], name="customer_ws_phone"),
            models.Index(fields=["workspace", "email"], name="customer_ws_email"),
            models.Index(fields=["workspace", "lifecycle"], name="customer_ws_lifecycle"),
            models.Index(fields=["workspace", "owner"], name="customer_ws_owner"),
            models.Index(fields=["workspace", "-last_contact_at"], name="customer_ws_last_contact"),
            models.Index(fields=["workspace", "birthday"], name="customer_ws_birthday"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.phone or self.email or f"#{self.pk}"

    @property
    def is_active_record(self) -> bool:
        """Neither merged into another customer nor erased."""
        return self.merged_into_id is None and self.erased_at is None


class Tag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="customer_tags")
    name = models.CharField(_("name"), max_length=60)
    key = models.CharField(max_length=60, editable=False, help_text="search_key(name): one tag per spelling")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="tag_unique_key")]

    def __str__(self) -> str:
        return self.name


class CustomField(models.Model):
    """A typed field a workspace defines for its customers; values live in ``Customer.custom_fields[key]``."""

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date (Jalali)")
        CHOICE = "choice", _("Choice")
        BOOLEAN = "boolean", _("Yes or no")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="customfield_unique_key")]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")
    BALE = "bale", _("Bale")
    EITAA = "eitaa", _("Eitaa")
    PHONE = "phone", _("Phone calls")


class Consent(models.Model):
    """One recorded marketing-consent decision; the newest per (customer, channel) holds. Append-only."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=120, help_text=_("Where it was given: a form, a call…"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["workspace", "customer", "channel", "-recorded_at"], name="consent_current")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel} {'✓' if self.granted else '✗'}"
