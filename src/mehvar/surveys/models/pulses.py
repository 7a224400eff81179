"""eNPS pulses: anonymous surveys sent to the workspace's own members (docs/enps.md).

A pulse is sent in **rounds**: each time an owner or admin sends an eNPS survey, every member asked gets one
``PulseInvitation`` of round ``n`` (1, 2, 3… per survey). Its ``team`` is the group the member's answer
counts in, fixed when it is sent. The answer itself is an ordinary ``Response`` that points at no member,
no invitation and no time of day; ``PulseResponse`` only says which round it belongs to.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace
from mehvar.surveys.models.responses import Response
from mehvar.surveys.models.surveys import Survey


class PulseInvitation(models.Model):
    """One member's link to answer one round of an eNPS pulse.

    The link is ``/s/p/<workspace id in base 36>.<token>/``; the token (96 random bits) is the secret and the
    row is found through the (workspace, token) unique index. ``answered_at`` is claimed once with a
    conditional UPDATE (a double submit stores one answer) and keeps only the day, like the response."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="pulse_invitations")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "conversations.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member's team when the round was sent: where the answer counts (none: no team).",
    )
    token = models.CharField(max_length=32)
    language = models.CharField(_("language"), max_length=8, default="fa")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("pulse invitation")
        verbose_name_plural = _("pulse invitations")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "token"], name="pulse_unique_token"),
            models.UniqueConstraint(
                fields=["workspace", "survey", "round", "membership"], name="pulse_once_per_round"
            ),
        ]
        indexes = [models.Index(fields=["workspace", "survey", "round", "team"], name="pulse_ws_round")]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.round}"


class PulseResponse(models.Model):
    """Which pulse round an anonymous eNPS response counts in. It names no member."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    round = models.PositiveSmallIntegerField(_("round"))
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="pulse")

    class Meta:
        verbose_name = _("pulse response")
        verbose_name_plural = _("pulse responses")
        indexes = [models.Index(fields=["workspace", "survey", "round"], name="pulse_response_ws_round")]

    def __str__(self) -> str:
        return f"{self.survey_id}#{self.round}:{self.response_id}"
