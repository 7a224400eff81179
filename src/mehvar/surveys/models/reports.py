"""Monthly roll-ups that the survey reports read instead of a million responses.

Reports count in Jalali months (``month`` is ``yyyymm`` of the Jalali calendar, Tehran time: 140409).
``ScoreMonth`` holds responses per (month, survey, score) once for the whole survey (``dimension`` "all")
and once per agent, team and channel (``dimension`` names which, ``key`` which one), so a breakdown or a
one-dimension filter reads a few thousand rows. ``InvitationMonth`` counts invitations sent and answered,
``TopicMonth`` comments per topic, score and sentiment.

``surveys.reports.rollups`` rebuilds whole months (delete, then insert the month's groups); rows are never
updated in place. Months after ``SurveySettings.rolled_month`` (the current one, at least) are read live
from the responses. See docs/survey-reports.md.
"""

from django.db import models

from mehvar.core.models import Workspace
from mehvar.surveys.models.surveys import Survey


class Dimension(models.TextChoices):
    ALL = "all", "all"
    AGENT = "agent", "agent"
    TEAM = "team", "team"
    CHANNEL = "channel", "channel"


class ScoreMonth(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField(help_text="Jalali yyyymm")
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    key = models.CharField(max_length=40, blank=True, help_text="agent or team id, channel kind")
    score = models.SmallIntegerField(null=True, blank=True)
    responses = models.PositiveIntegerField(default=0)
    commented = models.PositiveIntegerField(default=0, help_text="responses with a free-text answer")

    class Meta:
        indexes = [models.Index(fields=["workspace", "dimension", "month"], name="scoremonth_ws_dim")]

    def __str__(self) -> str:
        return f"{self.month} {self.survey_id} {self.dimension}={self.key} {self.score}: {self.responses}"


class InvitationMonth(models.Model):
    """Invitations sent in a month, and how many of those were answered (by the last roll-up)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField(help_text="Jalali yyyymm")
    channel_kind = models.CharField(max_length=16, blank=True)
    sent = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["workspace", "month"], name="invitationmonth_ws")]

    def __str__(self) -> str:
        return f"{self.month} {self.survey_id}: {self.answered}/{self.sent}"


class TopicMonth(models.Model):
    """Comments mentioning a topic in a month, by the response's score and the comment's sentiment."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField(help_text="Jalali yyyymm")
    topic = models.CharField(max_length=40)
    score = models.SmallIntegerField(null=True, blank=True)
    sentiment = models.CharField(max_length=10, blank=True)
    comments = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["workspace", "month"], name="topicmonth_ws")]

    def __str__(self) -> str:
        return f"{self.month} {self.topic}: {self.comments}"
