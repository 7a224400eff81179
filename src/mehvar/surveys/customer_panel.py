"""The "Feedback" panel on the Customer 360 page: the customer's latest NPS, CSAT and CES with the survey and
the day, their last comments with the feedback engine's sentiment, and the open recovery tasks.

Registered with ``customers.panels`` in ``SurveysConfig.ready`` (slot ``surveys``). It reads in three
queries whatever the customer has (the 360 page's query count is tested): one for the latest score of each
kind (a window function, one row per kind), one for the comments, one for the open tasks.

Who sees it: everyone who may open the customer's page (``customers.view``). The member talking to the
customer should know how the customer felt, in the customer's own words, and whether someone is already
getting back to them. Only the link to the recovery tasks page needs ``recovery.work``; the survey reports
stay behind ``reports.view``.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest
from django.utils import timezone, translation

from mehvar.core.roles import Perm, role_has
from mehvar.customers.models import Customer
from mehvar.surveys import scales
from mehvar.surveys.models import Answer, RecoveryStatus, RecoveryTask, Response, SurveyKind

SCORED_KINDS = (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)
COMMENTS_SHOWN = 3
TASKS_SHOWN = 5


@dataclass
class CustomerFeedback:
    """What the panel shows. ``latest`` maps a survey kind (nps, csat, ces) to its newest scored response
    (with its survey); ``comments`` are the newest free-text answers (with response and survey)."""

    latest: dict[str, Response] = field(default_factory=dict)
    comments: list[Answer] = field(default_factory=list)
    open_tasks: list[RecoveryTask] = field(default_factory=list)
    more_tasks: bool = False

    @property
    def empty(self) -> bool:
        return not (self.latest or self.comments or self.open_tasks)


def customer_feedback(*, workspace_id: int, customer_id: int) -> CustomerFeedback:
    """The customer's latest scores, comments and open recovery tasks, inside the workspace: three queries."""
    ranked = (
        Response.objects.filter(
            workspace_id=workspace_id,
            customer_id=customer_id,
            score__isnull=False,
            survey__kind__in=SCORED_KINDS,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("survey__kind")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .select_related("survey")
        .only("score", "created_at", "channel_kind", "survey__kind", "survey__title_fa", "survey__title_en")
    )
    latest = {response.survey.kind: response for response in ranked}
    comments = list(
        Answer.objects.filter(workspace_id=workspace_id, response__customer_id=customer_id)
        .exclude(text="")
        .select_related("response__survey")
        .only(
            "text",
            "flags",
            "sentiment",
            "created_at",
            "response__score",
            "response__survey__kind",
            "response__survey__title_fa",
            "response__survey__title_en",
        )
        .order_by("-created_at", "-pk")[:COMMENTS_SHOWN]
    )
    tasks = list(
        RecoveryTask.objects.filter(
            workspace_id=workspace_id, customer_id=customer_id, status=RecoveryStatus.OPEN
        )
        .select_related("owner__user", "team")
        .order_by("due_at", "pk")[: TASKS_SHOWN + 1]
    )
    return CustomerFeedback(
        latest=latest,
        comments=comments,
        open_tasks=tasks[:TASKS_SHOWN],
        more_tasks=len(tasks) > TASKS_SHOWN,
    )


def nps_group(score: int | None) -> str:
    """detractor, passive or promoter ("" without a score)."""
    if score is None:
        return ""
    if score <= scales.DETRACTOR_MAX:
        return "detractor"
    return "promoter" if score >= scales.PROMOTER_MIN else "passive"


def feedback_panel(*, request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    """The panel's data for the 360 page (``customers.panels`` loader); None hides it."""
    membership = getattr(request, "membership", None)
    if membership is None or not role_has(membership.role, Perm.CUSTOMERS_VIEW):
        return None
    feedback = customer_feedback(workspace_id=customer.workspace_id, customer_id=customer.pk)
    language = translation.get_language() or "fa"
    scores = []
    for kind in SCORED_KINDS:
        response = feedback.latest.get(kind)
        if response is not None:
            scores.append(
                {
                    "kind": kind,
                    "label": kind.upper(),
                    "response": response,
                    "title": response.survey.title(language),
                    "high": scales.SCALES[kind][1],
                    "group": nps_group(response.score) if kind == SurveyKind.NPS else "",
                }
            )
    comments = [
        {"answer": answer, "title": answer.response.survey.title(language)} for answer in feedback.comments
    ]
    return {
        "feedback": feedback,
        "scores": scores,
        "comments": comments,
        "now": timezone.now(),
        "may_work_recovery": role_has(membership.role, Perm.RECOVERY_WORK),
    }
