"""Recovery tasks: the closed loop after a detractor, a low CSAT or a negative comment."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace
from mehvar.customers.models import Customer
from mehvar.surveys.models.responses import Invitation, Response
from mehvar.surveys.models.surveys import Survey


class RecoveryReason(models.TextChoices):
    DETRACTOR = "detractor", _("Detractor (NPS 0 to 6)")
    LOW_CSAT = "low_csat", _("Low satisfaction (CSAT 1 or 2)")
    NEGATIVE_COMMENT = "negative_comment", _("Negative comment")


class OwnerReason(models.TextChoices):
    AGENT = "agent", _("The agent of the conversation the survey followed")
    ACCOUNT_MANAGER = "account_manager", _("The customer's account manager")
    TEAM = "team", _("The workspace's recovery team")
    NOBODY = "nobody", _("Nobody yet: a supervisor assigns it")
    ASSIGNED = "assigned", _("Assigned by a supervisor")


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class RecoveryTask(models.Model):
    """Someone must get back to an unhappy customer by ``due_at``. One task per response.

    The owner is the agent of the conversation the survey followed, else the customer's account manager,
    else nobody and ``team`` (the workspace's recovery team) takes it; ``owner_reason`` says which.
    ``apology`` is prefilled from the workspace's apology reply; closing records what was done
    (``resolution``), what the customer was told (``customer_message``, sent on their channel) and the
    re-survey invitation scheduled for later.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="recovery_tasks")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=RecoveryReason.choices)
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    owner = models.ForeignKey(
        Membership,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recovery_tasks",
    )
    team = models.ForeignKey(
        "conversations.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_reason = models.CharField(
        _("why this owner"), max_length=16, choices=OwnerReason.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=8, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN
    )
    apology = models.TextField(_("apology"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("deadline"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(_("what was done"), blank=True)
    customer_message = models.TextField(_("what the customer was told"), blank=True)
    resurvey = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("recovery task")
        verbose_name_plural = _("recovery tasks")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "response"], name="recovery_once_per_response")
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "due_at"], name="recovery_ws_status"),
            models.Index(fields=["workspace", "owner", "status", "due_at"], name="recovery_ws_owner"),
            models.Index(fields=["workspace", "-created_at"], name="recovery_ws_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == RecoveryStatus.OPEN
