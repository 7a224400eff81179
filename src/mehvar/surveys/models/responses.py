"""Invitations (one customer, one channel, one link), responses and their answers."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.channels.models import Channel
from mehvar.core.models import Membership, Workspace
from mehvar.customers.models import Activity, Customer
from mehvar.surveys.models.surveys import Question, Survey


class Origin(models.TextChoices):
    TRIGGER = "trigger", _("Trigger")
    MANUAL = "manual", _("By hand")
    RESURVEY = "resurvey", _("Asked again after a recovery")


class Invitation(models.Model):
    """An invitation to answer one survey, sent to one customer on one channel.

    The public link is ``/s/<workspace id in base 36>.<token>/`` (``links.invitation_key``), so the row is
    found through the (workspace, token) unique index. ``send_at`` is when it goes out (later than its
    creation during quiet hours); ``sent_at`` is set when its outbox row is written. ``conversation`` or
    ``activity`` is the interaction it follows.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="survey_invitations")
    channel = models.ForeignKey(Channel, on_delete=models.RESTRICT, related_name="+")
    address = models.CharField(
        _("address"), max_length=254, help_text="Where on the channel: e-mail, E.164, chat id"
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activity = models.ForeignKey(Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    agent = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who handled the interaction (the conversation's assignee), for recovery and reports.",
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.TRIGGER)
    token = models.CharField(max_length=32)
    language = models.CharField(_("language"), max_length=8, default="fa")
    created_at = models.DateTimeField(default=timezone.now)
    send_at = models.DateTimeField(_("to be sent at"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    cancelled_reason = models.CharField(
        max_length=20,
        blank=True,
        help_text="Why a scheduled invitation was never sent (consent withdrawn, expired).",
    )

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "token"], name="invitation_unique_token"),
            # A trigger that fires twice for one interaction (a rescan, a resolve after a reopen) asks once.
            models.UniqueConstraint(
                fields=["workspace", "survey", "conversation"],
                condition=models.Q(conversation__isnull=False, origin="trigger"),
                name="invitation_once_per_conversation",
            ),
            models.UniqueConstraint(
                fields=["workspace", "survey", "activity"],
                condition=models.Q(activity__isnull=False, origin="trigger"),
                name="invitation_once_per_activity",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "customer", "-created_at"], name="invitation_ws_customer"),
            models.Index(fields=["workspace", "survey", "-created_at"], name="invitation_ws_survey"),
            models.Index(  # the sender's sweep: scheduled invitations that are due
                fields=["workspace", "send_at"],
                condition=models.Q(sent_at__isnull=True, cancelled_reason=""),
                name="invitation_due",
            ),
            models.Index(  # reports: invitations sent in a range (rates), index-only on PostgreSQL
                fields=["workspace", "sent_at"],
                include=["survey", "channel", "answered_at"],
                name="invitation_ws_sent",
            ),
            models.Index(  # the reminder sweep: sent, not answered, not reminded
                fields=["workspace", "sent_at"],
                condition=models.Q(reminded_at__isnull=True, answered_at__isnull=True, sent_at__isnull=False),
                name="invitation_remind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} → {self.customer_id}"


class Response(models.Model):
    """One person's answers to one survey. Identified responses point at their invitation (one response per
    invitation: a unique constraint); anonymous ones point at nothing that names the person.

    ``score`` repeats the first NPS/CSAT/CES answer for reports; ``submitted_at`` is set when the whole form
    was sent (a one-tap answer alone leaves it empty)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_responses"
    )
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    team = models.ForeignKey(
        "conversations.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The conversation's team (customer surveys) or the member's team (eNPS), for reports.",
    )
    channel_kind = models.CharField(max_length=16, blank=True)
    language = models.CharField(_("language"), max_length=8, default="fa")
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    external_id = models.CharField(
        _("external id"),
        max_length=128,
        blank=True,
        help_text="Its id in the system it was imported from (surveys.imports); unique per survey.",
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "invitation"],
                condition=models.Q(invitation__isnull=False),
                name="response_once_per_invitation",
            ),
            models.UniqueConstraint(  # an import sent twice stores each response once
                fields=["workspace", "survey", "external_id"],
                condition=~models.Q(external_id=""),
                name="response_unique_external",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "survey", "-created_at"], name="response_ws_survey"),
            models.Index(fields=["workspace", "customer", "-created_at"], name="response_ws_customer"),
            # Reports read the current month live: an index-only scan on PostgreSQL (include is ignored
            # elsewhere); the drill-down walks it newest first.
            models.Index(
                fields=["workspace", "created_at", "id"],
                include=["survey", "score", "agent", "team", "channel_kind"],
                name="response_ws_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.pk}"


class Answer(models.Model):
    """The answer to one question: a number (scales), choice keys, or text (capped; ``flags`` say why it was
    flagged: abuse reasons, ``truncated``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)
    flags = models.JSONField(default=list, blank=True)
    sentiment = models.CharField(
        max_length=10, blank=True, help_text="negative, neutral or positive (feedback engine)"
    )
    sentiment_score = models.FloatField(null=True, blank=True, help_text="-1 … 1")
    topics = models.JSONField(default=list, blank=True, help_text="topics found by the feedback engine")
    via = models.CharField(max_length=8, default="form", help_text="form or link (one tap)")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "response", "question"], name="answer_once_per_question"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "question", "value"], name="answer_ws_question"),
            models.Index(  # the comments feed: newest free-text answers first
                fields=["workspace", "-created_at", "-id"],
                condition=~models.Q(text=""),
                name="answer_ws_comments",
            ),
            models.Index(  # the comments feed filtered by sentiment
                fields=["workspace", "sentiment", "-created_at", "-id"],
                condition=~models.Q(text=""),
                name="answer_ws_sentiment",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.question_id}={self.value if self.value is not None else self.choices or self.text[:20]}"
        )

    @property
    def is_flagged(self) -> bool:
        return bool(self.flags)
