"""A workspace's corrections of the feedback analysis, and the state of its own model."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mehvar.core.models import Membership, Workspace


class FeedbackCorrection(models.Model):
    """A member's correction of what the analysis said about one text.

    Only the labels the member set are corrections: an empty ``sentiment``/``urgency`` and a null
    ``topics``/``abusive`` mean "not corrected". ``topics`` is the whole list for the text and may name the
    workspace's own topics (slugs such as ``parking``).
    """

    class Sentiment(models.TextChoices):
        NEGATIVE = "negative", _("negative")
        NEUTRAL = "neutral", _("neutral")
        POSITIVE = "positive", _("positive")

    class Urgency(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="feedback_corrections")
    text = models.TextField(_("text"))
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    topics = models.JSONField(_("topics"), null=True, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    abusive = models.BooleanField(_("abusive"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        Membership, verbose_name=_("corrected by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("corrected at"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback correction")
        verbose_name_plural = _("feedback corrections")
        indexes = [models.Index(fields=["workspace", "id"], name="feedback_correction_ws_id")]

    def __str__(self) -> str:
        return self.text[:60]


class WorkspaceModel(models.Model):
    """The workspace's own feedback model: when it was trained, on what, and how well it did.

    ``held_out_accuracy`` is the share of corrected labels that a model trained without them got right
    (every fifth correction is held back, once there are five); ``base_held_out_accuracy`` is the base
    model's share on the same ones, for comparison. The model file itself is under the var directory.
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="feedback_model")
    trained_at = models.DateTimeField(_("trained at"), null=True, blank=True)
    examples = models.PositiveIntegerField(_("training examples"), default=0)
    corrections = models.PositiveIntegerField(_("corrections used"), default=0)
    last_correction_id = models.BigIntegerField(default=0)
    held_out = models.PositiveIntegerField(_("held-back corrections"), default=0)
    held_out_accuracy = models.FloatField(_("accuracy on held-back corrections"), null=True, blank=True)
    base_held_out_accuracy = models.FloatField(null=True, blank=True)
    topics = models.JSONField(_("own topics"), default=list, blank=True)
    base_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("workspace feedback model")
        verbose_name_plural = _("workspace feedback models")

    def __str__(self) -> str:
        return f"{self.workspace} ({self.trained_at})"


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class Urgency(models.TextChoices):
    LOW = "low", _("Low urgency")
    NORMAL = "normal", _("Normal urgency")
    HIGH = "high", _("High urgency")


class Reading(models.Model):
    """What ``feedback_analyze`` said about one text (abstract: the fields a reading adds to its row)."""

    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices)
    score = models.FloatField(_("score"), help_text="-1 … 1: P(positive) − P(negative)")
    topics = models.JSONField(_("topics"), default=list, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    abusive = models.BooleanField(_("abusive"), default=False)
    model = models.CharField(max_length=10, help_text="workspace, base or rules: which model answered")

    class Meta:
        abstract = True


class MessageReading(Reading):
    """The analysis of one inbound customer message, written by a periodic task off the inbox's hot path
    (``readings.message_readings_run``). One per message; ``created_at`` is when it was read."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="feedback_reading"
    )
    created_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("message reading")
        verbose_name_plural = _("message readings")
        indexes = [
            models.Index(fields=["workspace", "-created_at", "-id"], name="feedback_reading_ws_new"),
            models.Index(  # the rules' readings, read again once a model answers (``readings``)
                fields=["workspace", "id"], condition=models.Q(model="rules"), name="feedback_reading_rules"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.sentiment}"


class Review(Reading):
    """A customer review imported from a marketplace or a map (``POST /api/v1/feedback/reviews/bulk``),
    stored once per (source, external id) and analysed when imported. ``customer`` comes from the item's
    identities through Customer 360 matching; a review without identities has none."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=20, help_text="digikala, snappfood, google…")
    external_id = models.CharField(_("external id"), max_length=100)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rating = models.SmallIntegerField(_("rating"), null=True, blank=True)
    rating_max = models.SmallIntegerField(_("highest rating"), null=True, blank=True)
    text = models.TextField(_("text"))
    written_at = models.DateTimeField(_("written at"))
    created_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "external_id"], name="feedback_review_once"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "-written_at", "-id"], name="feedback_review_ws_new"),
            models.Index(fields=["workspace", "customer"], name="feedback_review_ws_customer"),
            models.Index(  # the rules' readings, read again once a model answers (``readings``)
                fields=["workspace", "id"], condition=models.Q(model="rules"), name="feedback_review_rules"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"
