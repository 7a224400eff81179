"""How a workspace runs its inbox: teams, agents' skills and capacity, SLA policies, canned replies,
automation rules and the inbox settings."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace


class Team(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=80)
    members = models.ManyToManyField(Membership, blank=True, related_name="teams", verbose_name=_("members"))
    supervisor = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervisor"),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """What routing knows of a member who answers customers."""

    class Presence(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="agent_profile")
    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.OFFLINE
    )
    presence_changed_at = models.DateTimeField(default=timezone.now)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text=_("How many open conversations at once."),
    )
    skills = models.JSONField(_("categories"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    senior = models.BooleanField(_("senior (takes VIP customers)"), default=False)
    shift = models.JSONField(
        _("shift"),
        default=dict,
        blank=True,
        help_text="Weekday (0 = Saturday) → [start, end] as HH:MM; empty: the workspace's business hours.",
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True, help_text="For round-robin fallback.")

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")
        indexes = [models.Index(fields=["workspace", "presence"], name="agent_ws_presence")]

    def __str__(self) -> str:
        return str(self.membership_id)


class SlaPolicy(models.Model):
    """Targets in business minutes for matching conversations; the first match by position wins."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sla_policies")
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    priority = models.CharField(_("priority"), max_length=8, blank=True, help_text=_("Empty: any."))
    channel_kind = models.CharField(_("channel"), max_length=16, blank=True, help_text=_("Empty: any."))
    customer_tag = models.CharField(_("customer tag"), max_length=60, blank=True, help_text=_("Empty: any."))
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"), null=True)
    next_response_minutes = models.PositiveIntegerField(
        _("next response (business minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"), null=True, blank=True
    )
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the target)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        indexes = [models.Index(fields=["workspace", "position"], name="sla_ws_position")]

    def __str__(self) -> str:
        return self.name


class CannedReply(models.Model):
    """A reply template with variables ({{ first_name }}, {{ number }}, Jalali dates): see templating."""

    class Purpose(models.TextChoices):
        GENERAL = "general", _("General")
        APOLOGY = "apology", _("Apology")
        FOLLOW_UP = "follow_up", _("Follow-up")
        RESOLVED = "resolved", _("Case resolved")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="canned_replies")
    title = models.CharField(_("title"), max_length=120)
    shortcut = models.CharField(_("shortcut"), max_length=40, blank=True)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.GENERAL)
    language = models.CharField(_("language"), max_length=8, default="fa")
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        constraints = [models.UniqueConstraint(fields=["workspace", "title"], name="canned_unique_title")]

    def __str__(self) -> str:
        return self.title


class AutomationRule(models.Model):
    """When <event>, if <all conditions>, then <actions>; see conversations.automations."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="automation_rules")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    event = models.CharField(_("when"), max_length=24)
    conditions = models.JSONField(_("if"), default=list, blank=True)
    actions = models.JSONField(_("then"), default=list)
    runs = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["workspace", "event", "position"], name="automation_ws_event")]

    def __str__(self) -> str:
        return self.name


class InboxSettings(models.Model):
    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="inbox_settings")
    reopen_days = models.PositiveSmallIntegerField(
        _("reopen window (days)"),
        default=7,
        validators=[MaxValueValidator(365)],
        help_text=_("A resolved conversation reopens when the customer writes again within this many days."),
    )
    auto_assign = models.BooleanField(_("assign new conversations automatically"), default=True)
    attachment_max_mb = models.PositiveSmallIntegerField(
        _("largest attachment (MB)"), default=20, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    notify_on_resolve = models.BooleanField(_("tell the customer when their case is resolved"), default=True)
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("inbox settings")
        verbose_name_plural = _("inbox settings")

    def __str__(self) -> str:
        return str(self.workspace_id)
