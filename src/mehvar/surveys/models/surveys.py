"""Surveys, their questions, and a workspace's survey settings (throttle, quiet hours, expiry, recovery)."""

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace


class SurveyKind(models.TextChoices):
    NPS = "nps", _("NPS (would you recommend us?)")
    CSAT = "csat", _("CSAT (how satisfied were you?)")
    CES = "ces", _("CES (how easy was it?)")
    CUSTOM = "custom", _("Custom questions")
    ENPS = "enps", _("eNPS (employees)")


class Trigger(models.TextChoices):
    MANUAL = "manual", _("Sent by hand or through the API")
    CONVERSATION_RESOLVED = "conversation_resolved", _("After a conversation is resolved")
    DELIVERY = "delivery", _("After a delivery")
    FIRST_PURCHASE = "first_purchase", _("Some days after the first purchase")
    RELATIONSHIP = "relationship", _("Periodically (relationship survey)")


class QuestionType(models.TextChoices):
    NPS = "nps", _("NPS, 0 to 10")
    CSAT = "csat", _("Satisfaction, 1 to 5")
    CES = "ces", _("Effort, 1 to 7")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    RATING = "rating", _("Rating, 1 to 5 stars")
    TEXT = "text", _("Free text")


class ConditionOp(models.TextChoices):
    LTE = "lte", _("at most")
    GTE = "gte", _("at least")
    EQ = "eq", _("equal to")
    IN = "in", _("one of")


class SurveySettings(models.Model):
    """How a workspace surveys its customers. Defaults follow docs/architecture: at most one invitation per
    customer per 30 days, nothing sent between 22:00 and 08:00 Tehran time."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="survey_settings")
    throttle_days = models.PositiveSmallIntegerField(
        _("at most one invitation per customer every (days)"),
        default=30,
        validators=[MaxValueValidator(365)],
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=dt.time(22, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=dt.time(8, 0))
    expiry_days = models.PositiveSmallIntegerField(
        _("invitations expire after (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        _("remind once after (days; 0: never)"), default=3, validators=[MaxValueValidator(60)]
    )
    recovery_deadline_hours = models.PositiveSmallIntegerField(
        _("recovery deadline (business hours)"),
        default=16,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    recovery_team = models.ForeignKey(
        "conversations.Team",
        verbose_name=_("team for recovery tasks without an owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resurvey_after_days = models.PositiveSmallIntegerField(
        _("ask again after a recovery (days)"), default=14, validators=[MaxValueValidator(180)]
    )
    enps_min_group = models.PositiveSmallIntegerField(
        _("eNPS: fewest answers before a group's results are shown"),
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(50)],
    )
    rolled_month = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="Roll-ups complete up to this Jalali month."
    )
    rolled_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Roll-ups count what was given before this moment."
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(self.workspace_id)


class Survey(models.Model):
    """A set of questions sent to customers (or anonymously to staff, eNPS) when its trigger fires.

    ``delay_days`` is the trigger's parameter: days after a delivery or the first purchase, or the interval
    of a relationship survey. ``throttle_days`` keeps one customer from getting this survey again too soon,
    on top of the workspace's rule for all surveys. Scanning triggers remember how far they read the
    timeline in ``scanned_until``, and relationship surveys the last customer they looked at in
    ``scan_cursor``.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="surveys")
    kind = models.CharField(_("kind"), max_length=8, choices=SurveyKind.choices, default=SurveyKind.NPS)
    trigger = models.CharField(
        _("when to send"), max_length=24, choices=Trigger.choices, default=Trigger.MANUAL
    )
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    intro_fa = models.TextField(_("introduction (Persian)"), max_length=1000, blank=True)
    intro_en = models.TextField(_("introduction (English)"), max_length=1000, blank=True)
    active = models.BooleanField(_("active"), default=False)
    anonymous = models.BooleanField(
        _("anonymous"), default=False, help_text=_("Responses are not linked to the person who answered.")
    )
    throttle_days = models.PositiveSmallIntegerField(
        _("do not ask the same customer again within (days)"), default=0, validators=[MaxValueValidator(730)]
    )
    delay_days = models.PositiveSmallIntegerField(
        _("days after the event, or between relationship surveys"),
        default=0,
        validators=[MaxValueValidator(730)],
    )
    scanned_until = models.DateTimeField(null=True, blank=True, editable=False)
    scan_cursor = models.BigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [models.Index(fields=["workspace", "trigger", "active"], name="survey_ws_trigger")]

    def __str__(self) -> str:
        return self.title_fa

    def title(self, language: str) -> str:
        return (self.title_en if language == "en" else "") or self.title_fa

    def intro(self, language: str) -> str:
        return self.intro_en if language == "en" else self.intro_fa


class Question(models.Model):
    """One question. A follow-up shows only when an earlier question's answer meets the condition
    (``show_if_question`` ``show_if_op`` ``show_if_value``: "show only if the NPS answer is at most 6").
    ``choices`` are ``[{"key": "late", "fa": "دیر رسید", "en": "It was late"}, ...]``. A question removed
    after it was answered is kept with ``removed_at`` so that its answers still mean something."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    type = models.CharField(_("type"), max_length=8, choices=QuestionType.choices)
    text_fa = models.CharField(_("question (Persian)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    show_if_question = models.ForeignKey(
        "self",
        verbose_name=_("show only if the answer to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    show_if_op = models.CharField(_("is"), max_length=4, choices=ConditionOp.choices, blank=True)
    show_if_value = models.JSONField(_("value"), null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["workspace", "survey", "position"], name="question_ws_survey")]

    def __str__(self) -> str:
        return self.text_fa

    def text(self, language: str) -> str:
        return (self.text_en if language == "en" else "") or self.text_fa

    def choice_label(self, key: str, language: str) -> str:
        for choice in self.choices or []:
            if choice.get("key") == key:
                return (choice.get("en") if language == "en" else "") or choice.get("fa") or key
        return key
