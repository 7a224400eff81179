"""The demo's surveys: a year of invitations, answers and comments consistent with the demo's inbox.

Four surveys, as a shop would run them: CSAT after resolved conversations, a relationship NPS every 90 days,
CES a day after deliveries (all three active), and an anonymous eNPS for the staff (manual). Each answer
follows from what happened:

* **CSAT**: about 60% of the resolved conversations were followed by an invitation on the conversation's
  channel (``addressing.reach``, as the trigger does), the assignee kept as its agent; about 45% were
  answered. The score leans on the conversation: a breached SLA, a reopen or a slow first reply pull it
  down, a quick first reply lifts it, and each agent has their own effect, so CSAT by agent differs.
* **NPS**: every customer who consented to marketing on a channel is asked every 90 days (the hourly walk),
  on that channel, from a random start. Five Jalali months ago the shop changed its courier: NPS dips for a
  month and recovers over the next two, and the comments of that month are about delivery.
* **CES**: about a third of the deliveries were followed, a day later, by an invitation by SMS (else
  e-mail); the courier month shows there too.
* **eNPS**: four anonymous pulses answered by most of the staff; responses keep their team and only the day.

The workspace's rules hold: at most one invitation per customer every 30 days, consent as of the moment
(marketing consent for NPS, no refusal for the others), quiet hours, expiry, one reminder. Nothing is sent:
invitations are written as sent in the past, without outbox rows; invitations left unanswered have had their
reminder, and none is left unanswered in the last three days, so the worker's reminder sweep finds nothing
due. Comments (about 40% of the answers, ``survey_texts``) are cleaned and flagged with
``surveys.comments.text_clean`` and read in one batch by the feedback engine (its model is built before the
demo loads, ``demo.services``; keyword rules only where ``FEEDBACK_MODEL_BUILD`` is "off").
``survey_plans`` decides who was asked when; ``survey_loop`` writes the timeline, last NPS, recovery tasks
and eNPS; then the monthly roll-ups are built. Everything but the link tokens (secrets)
depends only on the seed, the load time and the data of the steps before.
"""

import datetime as dt
import math
import random

from django.utils import timezone

from mehvar.demo import survey_loop
from mehvar.demo import survey_texts as texts
from mehvar.demo.registry import DemoContext, demo_step
from mehvar.demo.survey_plans import (
    CES_ANSWERED,
    COMMENTED,
    CSAT_ANSWERED,
    NPS_ANSWERED,
    NPS_INTERVAL,
    QUIET_GAP,
    Plan,
    Shop,
    ces_plans,
    csat_plans,
    nps_plans,
    throttled,
)
from mehvar.surveys import comments, scales
from mehvar.surveys.authoring import survey_create
from mehvar.surveys.links import new_token
from mehvar.surveys.models import (
    Answer,
    Invitation,
    Question,
    QuestionType,
    Response,
    Survey,
    SurveyKind,
    SurveySettings,
    Trigger,
)
from mehvar.surveys.questions import questions_of
from mehvar.surveys.reports.rollups import workspace_rollup
from mehvar.surveys.timing import after_quiet_hours


def _create_surveys(context: DemoContext, start: dt.datetime) -> dict[str, Survey]:
    def follow_up(fa: str, en: str, op: str, value: int) -> dict:
        condition = {"question": 0, "op": op, "value": value}
        return {"type": QuestionType.TEXT, "text_fa": fa, "text_en": en, "show_if": condition}

    owner = context.owner
    made = {
        "csat": survey_create(
            acting=owner,
            kind=SurveyKind.CSAT,
            title_fa="رضایت از پاسخ پشتیبانی",
            title_en="How did we do?",
            intro_fa="گفتگوی شما با پشتیبانی فروشگاه آوا بسته شد. نظرتان به ما کمک می‌کند بهتر شویم.",
            trigger=Trigger.CONVERSATION_RESOLVED,
            active=True,
            questions=[
                {
                    "type": QuestionType.CSAT,
                    "text_fa": "چقدر از پاسخی که گرفتید راضی هستید؟",
                    "text_en": "How satisfied are you with the help you got?",
                    "required": True,
                },
                follow_up("چه چیزی باید بهتر می‌شد؟", "What should have been better?", "lte", 3),
                follow_up("چه چیزی را پسندیدید؟", "What did you like?", "gte", 4),
            ],
            via="system",
        ),
        "nps": survey_create(
            acting=owner,
            kind=SurveyKind.NPS,
            title_fa="فروشگاه آوا را به دوستانتان پیشنهاد می‌کنید؟",
            title_en="Would you recommend Ava?",
            trigger=Trigger.RELATIONSHIP,
            delay_days=NPS_INTERVAL,
            active=True,
            via="system",
        ),
        "ces": survey_create(
            acting=owner,
            kind=SurveyKind.CES,
            title_fa="خرید و تحویل سفارش چقدر آسان بود؟",
            title_en="How easy was your order?",
            trigger=Trigger.DELIVERY,
            delay_days=1,
            active=True,
            questions=[
                {
                    "type": QuestionType.CES,
                    "text_fa": "از ثبت سفارش تا تحویل، کار چقدر آسان بود؟",
                    "text_en": "From ordering to delivery, how easy was it?",
                    "required": True,
                },
                follow_up("کجای کار سخت بود؟", "What made it hard?", "lte", 3),
                follow_up("چیز دیگری هست که بخواهید بگویید؟", "Anything else to tell us?", "gte", 4),
            ],
            via="system",
        ),
        "enps": survey_create(
            acting=owner,
            kind=SurveyKind.ENPS,
            title_fa="نبض همکاران: کار در آوا",
            title_en="Staff pulse: working at Ava",
            intro_fa="پاسخ‌ها بی‌نام است و فقط روز پاسخ نگه داشته می‌شود.",
            active=True,
            via="system",
        ),
    }
    Survey.objects.filter(workspace=context.workspace, pk__in=[s.pk for s in made.values()]).update(
        created_at=start, updated_at=start
    )
    return made


def _answer(plan: Plan, rng: random.Random, shop: Shop, settings: SurveySettings, questions) -> bool:
    """Decide sending, answering, reminding and the comment; False when the invitation is not written."""
    quiet = {"start": settings.quiet_start, "end": settings.quiet_end}
    plan.send_at = after_quiet_hours(plan.created_at, **quiet)
    expires = plan.expires_at = plan.send_at + dt.timedelta(days=settings.expiry_days)
    kind = plan.survey.kind
    answered = {"csat": CSAT_ANSWERED, "ces": CES_ANSWERED}.get(kind, NPS_ANSWERED)
    delay = dt.timedelta(minutes=min(math.exp(rng.gauss(4.2, 1.5)), 13 * 24 * 60))
    if rng.random() < answered and plan.send_at + delay < shop.now - dt.timedelta(minutes=5):
        plan.answered_at = plan.send_at + delay
    elif plan.send_at > shop.now - QUIET_GAP:
        return False  # its reminder would still be due: not written, so the worker sends nothing
    remind = after_quiet_hours(plan.send_at + dt.timedelta(days=settings.reminder_after_days), **quiet)
    if settings.reminder_after_days and remind < min(plan.answered_at or shop.now, expires):
        plan.reminded_at = remind
    if plan.answered_at is None:
        if rng.random() < 0.15:
            plan.opened_at = plan.send_at + dt.timedelta(minutes=rng.randint(1, 600))
        return True
    plan.opened_at = plan.answered_at - dt.timedelta(seconds=rng.randint(20, 240))
    shift = shop.courier(plan.send_at) * {"nps": 1.0, "ces": 0.7}.get(kind, 0.0)
    if kind == "csat" and plan.topic == "delivery":
        shift = shop.courier(plan.send_at) * 0.5
    spread = {"nps": 1.3, "ces": 1.2}.get(kind, 0.75)
    low, high = scales.SCALES[kind]
    plan.score = max(low, min(high, round(plan.base + shift + rng.gauss(0, spread))))
    plan.one_tap = plan.channel.kind == "email" and rng.random() < 0.55
    if not plan.one_tap or rng.random() < 0.6:
        plan.submitted_at = plan.answered_at + dt.timedelta(
            seconds=rng.randint(40, 240) if plan.one_tap else 0
        )
    if plan.submitted_at is None or plan.submitted_at > shop.now:
        plan.submitted_at = None
        return True
    if kind == "nps" and plan.score <= scales.DETRACTOR_MAX and shop.courier(plan.send_at) <= -1:
        plan.topic = "delivery" if rng.random() < 0.7 else plan.topic  # the courier month
    mood = texts.mood_of(kind, plan.score, rng)
    if rng.random() < COMMENTED[mood]:
        question = survey_loop.text_question(questions, questions[0], plan.score)
        if question is not None:
            plan.comment_question = question
            plan.comment = texts.comment_for(kind, mood, plan.topic, rng)
    return True


def _read_comments(plans: list, workspace) -> None:
    """Clean and flag every comment as the public page does, then read them all in one batch."""
    written = [plan for plan in plans if plan.comment]
    for plan in written:
        plan.comment, flags = comments.text_clean(plan.comment)
        plan.flags = tuple(flags)
    for plan, reading in zip(
        written, comments.readings([plan.comment for plan in written], workspace=workspace), strict=True
    ):
        plan.reading = reading


def _store(workspace_id: int, plans: list[Plan], questions: dict[int, list[Question]]) -> None:
    """Invitations, responses and answers, a few bulk inserts."""
    for plan in plans:
        plan.invitation = Invitation(
            workspace_id=workspace_id,
            survey=plan.survey,
            customer_id=plan.customer_id,
            channel=plan.channel,
            address=plan.address[:254],
            conversation_id=plan.conversation_id,
            activity_id=plan.activity_id,
            agent_id=plan.agent_id,
            token=new_token(),
            created_at=plan.created_at,
            send_at=plan.send_at,
            sent_at=plan.send_at,
            reminded_at=plan.reminded_at,
            opened_at=plan.opened_at,
            answered_at=plan.answered_at,
            expires_at=plan.expires_at,
        )
    Invitation.objects.bulk_create([plan.invitation for plan in plans], batch_size=1000)
    answered = [plan for plan in plans if plan.answered_at is not None]
    for plan in answered:
        plan.response = Response(
            workspace_id=workspace_id,
            survey=plan.survey,
            invitation=plan.invitation,
            customer_id=plan.customer_id,
            conversation_id=plan.conversation_id,
            agent_id=plan.agent_id,
            team_id=plan.team_id,
            channel_kind=plan.channel.kind,
            score=plan.score,
            created_at=plan.answered_at,
            submitted_at=plan.submitted_at,
        )
    Response.objects.bulk_create([plan.response for plan in answered], batch_size=1000)
    answers = []
    for plan in answered:
        answers.append(
            Answer(
                workspace_id=workspace_id,
                response=plan.response,
                question=questions[plan.survey.pk][0],
                value=plan.score,
                via="link" if plan.one_tap else "form",
                created_at=plan.answered_at,
            )
        )
        if plan.comment and plan.comment_question is not None:
            answers.append(survey_loop.comment_answer(workspace_id, plan.response, plan, plan.submitted_at))
    Answer.objects.bulk_create(answers, batch_size=1000)


@demo_step(order=300, name="surveys")
def load_surveys(context: DemoContext) -> None:
    workspace = context.workspace
    if Survey.objects.filter(workspace=workspace).exists():
        return  # the step runs once, when the demo workspace is made
    rng = random.Random(context.seed + 9)
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - dt.timedelta(days=365)
    made = _create_surveys(context, start - dt.timedelta(days=7))
    questions = {survey.pk: questions_of(survey) for survey in made.values()}
    staff = survey_loop.staff_of(context)
    settings = survey_loop.settings_for(context)
    shop = Shop(context, now)
    candidates = [
        *csat_plans(shop, rng, made["csat"], staff),
        *nps_plans(shop, rng, made["nps"], start),
        *ces_plans(shop, rng, made["ces"], start),
    ]
    plans = [
        plan
        for plan in throttled(candidates, rng, shop)
        if _answer(plan, rng, shop, settings, questions[plan.survey.pk])
    ]
    pulses = survey_loop.enps_plans(context, made["enps"], questions[made["enps"].pk], rng, now)
    _read_comments([*plans, *pulses], workspace)
    _store(workspace.pk, plans, questions)
    survey_loop.enps_store(workspace.pk, made["enps"], questions[made["enps"].pk], pulses)
    answered = [plan for plan in plans if plan.response is not None]
    survey_loop.timeline_write(workspace, answered)
    tasks = survey_loop.recovery_write(context, answered, settings, rng, now)
    Survey.objects.filter(pk=made["ces"].pk).update(scanned_until=now - dt.timedelta(days=1))
    workspace_rollup(workspace_id=workspace.pk, now=now)
    commented = sum(1 for plan in answered if plan.comment)
    context.say(
        f"surveys: {len(plans)} invitations, {len(answered)} responses ({commented} with comments), "
        f"{len(pulses)} eNPS answers, {tasks} recovery tasks"
    )
