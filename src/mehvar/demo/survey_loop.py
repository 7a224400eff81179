"""What follows the demo's survey answers: the customers' timelines and last NPS, the recovery tasks of the
last two months, and the staff's anonymous eNPS pulses (``demo/surveys.py`` runs these).

* Each identified response is one ``survey_response`` activity (source ``surveys``, external id
  ``response:<id>``, pointing at the response), written with ``timeline.activities_ingest`` as the rest of
  the demo's activities, summary as ``surveys/responses.py`` writes it (``NPS 3 · the comment``); NPS answers
  fill ``Customer.last_nps``.
* Recovery tasks follow ``surveys/recovery.py``'s rules (a detractor, a CSAT of 1 or 2, a clearly negative
  comment; owner: the conversation's agent, else the account manager, else the recovery team; deadline in
  business hours; the workspace's apology) for the answers of the last two months, when the shop turned the
  closed loop on. They are written as rows rather than through ``recovery_consider``, which e-mails the
  owner. Most older ones are closed with a note (``survey_recovery`` on the timeline); the newest are open,
  a few past their deadline. Closing asked nobody again (no re-survey invitations: nothing to send).
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType

from mehvar.conversations.models import CannedReply, Conversation, Team
from mehvar.core.business_calendar import calendar_for_workspace
from mehvar.core.roles import Perm, Role, role_has
from mehvar.customers.models import Customer
from mehvar.customers.timeline import MAX_INGEST_ITEMS, activities_ingest, activity_record
from mehvar.demo import survey_texts as texts
from mehvar.demo.registry import DemoContext
from mehvar.surveys import comments, scales
from mehvar.surveys.authoring import survey_settings, survey_settings_update
from mehvar.surveys.models import (
    Answer,
    OwnerReason,
    Question,
    QuestionType,
    RecoveryReason,
    RecoveryStatus,
    RecoveryTask,
    Response,
    Survey,
    SurveyKind,
    SurveySettings,
)

RECOVERY_DAYS = 60  # the closed loop runs for the last two months of the demo
ENPS_DAYS_AGO = (330, 240, 150, 60)  # one pulse a season
ENPS_ANSWERED = 0.75


def staff_of(context: DemoContext) -> list[int]:
    """Who takes conversations (the demo's inbox assigns agents and supervisors), in a stable order."""
    return [m.pk for role in (Role.AGENT, Role.SUPERVISOR) for m in context.members.get(role, [])]


def settings_for(context: DemoContext) -> SurveySettings:
    """The defaults, with the support team taking the recovery tasks nobody owns."""
    support = Team.objects.filter(workspace=context.workspace, name="پشتیبانی").first()
    if support is not None:
        return survey_settings_update(acting=context.owner, recovery_team=support, via="system")
    return survey_settings(context.workspace)


def text_question(questions: list[Question], score_question: Question, score: int) -> Question | None:
    """The follow-up this score shows (the survey's conditions decide, as on the public page)."""
    given = {score_question.pk: score}
    for question in questions:
        if question.type == QuestionType.TEXT and scales.condition_met(question, given):
            return question
    return None


def comment_answer(workspace_id: int, response: Response, plan, moment: dt.datetime) -> Answer:
    reading = plan.reading
    return Answer(
        workspace_id=workspace_id,
        response=response,
        question=plan.comment_question,
        text=plan.comment,
        flags=list(plan.flags),
        sentiment=reading.sentiment if reading else "",
        sentiment_score=reading.score if reading else None,
        topics=list(reading.topics) if reading else [],
        via="form",
        created_at=moment,
    )


# --- eNPS -------------------------------------------------------------------------------------------------


@dataclass
class Pulse:
    """One anonymous staff answer: its team and day only."""

    day: dt.datetime
    score: int
    team_id: int | None
    comment: str = ""
    comment_question: Question | None = None
    flags: tuple[str, ...] = ()
    reading: Any = None
    response: Response | None = field(default=None, repr=False)


def enps_plans(
    context: DemoContext, survey: Survey, questions: list[Question], rng: random.Random, now: dt.datetime
) -> list[Pulse]:
    team_of: dict[int, int] = {}
    for team in Team.objects.filter(workspace=context.workspace).order_by("pk").prefetch_related("members"):
        for member in team.members.all():
            team_of.setdefault(member.pk, team.pk)
    members = sorted(m.pk for group in context.members.values() for m in group)
    pulses = []
    for round_number, days_ago in enumerate(ENPS_DAYS_AGO):
        day = (now - dt.timedelta(days=days_ago)).replace(hour=0, minute=0, second=0, microsecond=0)
        for member in members:
            if rng.random() >= ENPS_ANSWERED:
                continue
            score = max(0, min(10, round(rng.gauss(6.8 + 0.35 * round_number, 1.9))))
            pulse = Pulse(day=day, score=score, team_id=team_of.get(member))
            if rng.random() < 0.4:
                pulse.comment_question = text_question(questions, questions[0], score)
                if pulse.comment_question is not None:
                    pulse.comment = texts.comment_for("enps", texts.mood_of("enps", score, rng), "", rng)
            pulses.append(pulse)
    return pulses


def enps_store(workspace_id: int, survey: Survey, questions: list[Question], pulses: list[Pulse]) -> None:
    for pulse in pulses:
        pulse.response = Response(
            workspace_id=workspace_id,
            survey=survey,
            team_id=pulse.team_id,
            score=pulse.score,
            created_at=pulse.day,
            submitted_at=pulse.day,
        )
    Response.objects.bulk_create([pulse.response for pulse in pulses])
    answers = []
    for pulse in pulses:
        answers.append(
            Answer(
                workspace_id=workspace_id,
                response=pulse.response,
                question=questions[0],
                value=pulse.score,
                created_at=pulse.day,
            )
        )
        if pulse.comment:
            answers.append(comment_answer(workspace_id, pulse.response, pulse, pulse.day))
    Answer.objects.bulk_create(answers)


# --- Timeline and last NPS --------------------------------------------------------------------------------


def _summary(plan: Any) -> str:
    parts = [f"{plan.survey.kind.upper()} {plan.score}", *([plan.comment] if plan.comment else [])]
    return " · ".join(parts)[:500]


def timeline_write(workspace: Any, answered: list[Any]) -> None:
    items = [
        {
            "source": "surveys",
            "external_id": f"response:{plan.response.pk}",
            "kind": "survey_response",
            "channel": plan.channel.kind,
            "occurred_at": plan.response.created_at,
            "summary": _summary(plan),
            "data": {"survey": plan.survey.pk, "kind": plan.survey.kind, "score": plan.score},
            "customer": {"id": plan.customer_id},
        }
        for plan in answered
    ]
    response_type = ContentType.objects.get_for_model(Response)
    for start in range(0, len(items), MAX_INGEST_ITEMS):
        batch = answered[start : start + MAX_INGEST_ITEMS]
        result = activities_ingest(
            workspace=workspace, items=items[start : start + MAX_INGEST_ITEMS], via="system"
        )
        for activity, plan in zip(result.activities, batch, strict=True):
            activity.record_type, activity.record_id = response_type, str(plan.response.pk)
        type(result.activities[0]).objects.bulk_update(
            result.activities, ["record_type", "record_id"], batch_size=500
        )
    last_nps: dict[int, int] = {}
    for plan in sorted(answered, key=lambda plan: plan.response.created_at):
        if plan.survey.kind == SurveyKind.NPS:
            last_nps[plan.customer_id] = plan.score
    for score in sorted(set(last_nps.values())):
        ids = [pk for pk, value in last_nps.items() if value == score]
        Customer.objects.filter(workspace=workspace, pk__in=ids).update(last_nps=score)


# --- Recovery tasks ---------------------------------------------------------------------------------------


def _reason(plan: Any) -> str:
    kind = plan.survey.kind
    if kind == SurveyKind.NPS and plan.score <= scales.DETRACTOR_MAX:
        return RecoveryReason.DETRACTOR
    if kind == SurveyKind.CSAT and plan.score <= scales.LOW_CSAT_MAX:
        return RecoveryReason.LOW_CSAT
    reading = plan.reading
    if reading is not None and comments.is_negative(reading.sentiment, reading.score):
        return RecoveryReason.NEGATIVE_COMMENT
    return ""


class _Apology:
    """The workspace's first Persian apology reply, filled in as ``recovery._apology`` does."""

    def __init__(self, workspace: Any) -> None:
        reply = (
            CannedReply.objects.filter(
                workspace=workspace, purpose=CannedReply.Purpose.APOLOGY, language="fa"
            )
            .order_by("pk")
            .first()
        )
        self.body = reply.body if reply is not None else ""

    def for_task(self, customer: Customer, conversation: Conversation | None) -> str:
        from mehvar.conversations.templating import render_reply

        if not self.body:
            return ""
        if conversation is not None:
            return render_reply(self.body, conversation=conversation)
        name = customer.first_name or customer.display_name or ""
        return self.body.replace("{{ first_name }}", name).replace("{{ customer_name }}", str(customer))


def recovery_write(
    context: DemoContext, answered: list[Any], settings: SurveySettings, rng: random.Random, now: dt.datetime
) -> int:
    """Recovery tasks for the last two months' unhappy answers; most older ones closed. How many."""
    since = now - dt.timedelta(days=RECOVERY_DAYS)
    unhappy = [(plan, _reason(plan)) for plan in answered if plan.response.created_at >= since]
    unhappy = [(plan, reason) for plan, reason in unhappy if reason]
    if not unhappy:
        return 0
    workspace = context.workspace
    roles = {m.pk: m for group in context.members.values() for m in group}
    customers = Customer.objects.filter(workspace=workspace).in_bulk(
        [plan.customer_id for plan, _ in unhappy]
    )
    conversations = Conversation.objects.select_related("customer", "channel", "workspace").in_bulk(
        [plan.conversation_id for plan, _ in unhappy if plan.conversation_id]
    )
    calendar = calendar_for_workspace(workspace)
    apology = _Apology(workspace)
    team = settings.recovery_team
    supervisor = (context.members.get(Role.SUPERVISOR) or [context.owner])[0]
    tasks = []
    for plan, reason in unhappy:
        customer = customers[plan.customer_id]
        owner, owner_reason = None, OwnerReason.TEAM if team is not None else OwnerReason.NOBODY
        for candidate, why in (
            (plan.agent_id, OwnerReason.AGENT),
            (customer.owner_id, OwnerReason.ACCOUNT_MANAGER),
        ):
            member = roles.get(candidate)
            if member is not None and role_has(member.role, Perm.RECOVERY_WORK):
                owner, owner_reason = member, why
                break
        created = plan.response.submitted_at or plan.response.created_at
        task = RecoveryTask(
            workspace=workspace,
            survey=plan.survey,
            response=plan.response,
            customer=customer,
            conversation_id=plan.conversation_id,
            reason=reason,
            score=plan.score,
            comment=plan.comment,
            owner=owner,
            team=team if owner is None else None,
            owner_reason=owner_reason,
            apology=apology.for_task(customer, conversations.get(plan.conversation_id)),
            created_at=created,
            due_at=calendar.add_business_time(created, dt.timedelta(hours=settings.recovery_deadline_hours)),
        )
        age = now - created
        closing = 0.8 if age > dt.timedelta(days=14) else 0.4 if age > dt.timedelta(days=2) else 0.1
        closed_at = created + dt.timedelta(hours=rng.choice((1, 2, 4, 7, 20, 26, 50)))
        if rng.random() < closing and closed_at < now:
            task.status, task.closed_at = RecoveryStatus.DONE, closed_at
            task.closed_by = owner or supervisor
            task.resolution = rng.choice(texts.RESOLUTIONS)
            task.customer_message = task.apology if rng.random() < 0.7 else ""
        tasks.append(task)
    RecoveryTask.objects.bulk_create(tasks)
    for task in tasks:
        if task.status == RecoveryStatus.DONE:
            activity_record(
                workspace=workspace,
                customer=task.customer,
                kind="survey_recovery",
                occurred_at=task.closed_at,
                summary=task.resolution[:500],
                data={"task": task.pk, "reason": task.reason, "told": bool(task.customer_message)},
                actor=task.closed_by,
                record=task,
            )
    return len(tasks)
