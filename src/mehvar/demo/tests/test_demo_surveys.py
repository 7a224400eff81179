"""The demo's surveys (demo/surveys.py, demo/survey_loop.py): a year of answers that follow the demo's inbox,
comments read by the feedback engine, recovery tasks, roll-ups, nothing sent, loaded once."""

import datetime as dt
import io
import re
from collections import Counter, defaultdict

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Avg
from django.utils import timezone

from mehvar.channels.models import OutboxMessage
from mehvar.conversations.models import Conversation
from mehvar.core.models import Membership, Workspace
from mehvar.customers.models import Activity, Customer
from mehvar.demo.registry import DemoContext
from mehvar.demo.survey_plans import COURIER_DIP
from mehvar.demo.surveys import load_surveys
from mehvar.surveys.invitations import invitations_remind_due, invitations_send_due
from mehvar.surveys.models import (
    Answer,
    Invitation,
    RecoveryStatus,
    RecoveryTask,
    Response,
    ScoreMonth,
    Survey,
    SurveySettings,
)
from mehvar.surveys.reports.rollups import month_of, month_previous

pytestmark = pytest.mark.django_db
PERSIAN = re.compile("[\u0600-\u06ff]")


@pytest.fixture(autouse=True)
def feedback_rules(settings, tmp_path):
    """No model is built during the test: the feedback engine answers by its keyword rules."""
    from mehvar.feedback.analysis import feedback_models_forget

    settings.FEEDBACK_MODEL_DIR = str(tmp_path / "feedback")
    settings.FEEDBACK_MODEL_BUILD = "off"
    feedback_models_forget()
    yield
    feedback_models_forget()


def load(*args: str) -> Workspace:
    call_command("demo", "load", "--small", *args, stdout=io.StringIO())
    return Workspace.objects.get(slug="demo")


def nps(scores: list[int]) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def counts(workspace: Workspace) -> dict[str, int]:
    return {
        model.__name__: model.objects.filter(workspace=workspace).count()
        for model in (Survey, Invitation, Response, Answer, RecoveryTask, ScoreMonth)
    } | {"activities": Activity.objects.filter(workspace=workspace, source="surveys").count()}


def test_a_year_of_answers_that_follow_the_inbox():
    workspace = load()
    responses = Response.objects.filter(workspace=workspace)

    surveys = set(Survey.objects.filter(workspace=workspace, active=True).values_list("kind", "trigger"))
    assert surveys == {
        ("csat", "conversation_resolved"),
        ("nps", "relationship"),
        ("ces", "delivery"),
        ("enps", "manual"),
    }
    months = {month_of(moment) for moment in responses.values_list("created_at", flat=True)}
    assert len(months) >= 10

    # CSAT: about 60% of the resolved conversations invited on their channel, the assignee and team kept.
    resolved = Conversation.objects.filter(workspace=workspace, resolved_at__isnull=False)
    invited = Invitation.objects.filter(workspace=workspace, survey__kind="csat")
    assert 0.45 * resolved.count() <= invited.count() <= 0.7 * resolved.count()
    csat = responses.filter(survey__kind="csat").select_related("conversation", "invitation__channel")
    assert csat.count() >= 5
    for response in csat:
        conversation = response.conversation
        assert response.invitation.conversation_id == conversation.pk
        assert (response.agent_id, response.team_id) == (conversation.assignee_id, conversation.team_id)
        assert response.channel_kind == response.invitation.channel.kind
        assert conversation.resolved_at <= response.invitation.sent_at <= response.created_at
        assert response.invitation.answered_at == response.created_at
    by_agent = {row["agent"]: row["mean"] for row in csat.values("agent").annotate(mean=Avg("score"))}
    assert len(by_agent) >= 2 and len(set(by_agent.values())) >= 2

    # Comments: Persian, about 40% of the answers, with the feedback engine's sentiment and topics.
    written = Answer.objects.filter(workspace=workspace).exclude(text="")
    assert 0.3 <= written.count() / responses.count() <= 0.5
    assert all(PERSIAN.search(text) for text in written.values_list("text", flat=True))
    assert written.values("text").distinct().count() >= 40
    assert set(written.values_list("sentiment", flat=True)) == {"negative", "neutral", "positive"}
    assert written.exclude(topics=[]).count() > written.count() / 2
    negative = written.filter(sentiment="negative").aggregate(mean=Avg("response__score"))["mean"]
    positive = written.filter(sentiment="positive").aggregate(mean=Avg("response__score"))["mean"]
    assert negative < positive

    # The relationship NPS: the courier month is the year's worst, and the months after it recover.
    by_month = defaultdict(list)
    for moment, score in responses.filter(survey__kind="nps").values_list("created_at", "score"):
        by_month[month_of(moment)].append(score)
    courier = month_of(timezone.now())
    for _ in range(min(COURIER_DIP, key=COURIER_DIP.get)):  # Jalali months ago
        courier = month_previous(courier)
    busy = {month: nps(scores) for month, scores in by_month.items() if len(scores) >= 8}
    assert min(busy, key=busy.get) == courier
    recovered = [busy[m] for m in busy if m > courier]
    assert max(recovered) > busy[courier] + 50

    # Each identified answer is on the customer's timeline; NPS answers fill last_nps.
    identified = responses.exclude(customer=None)
    timeline = Activity.objects.filter(workspace=workspace, kind="survey_response", source="surveys")
    assert timeline.count() == identified.count()
    assert not timeline.filter(record_id="").exists()
    assert Customer.objects.filter(workspace=workspace, last_nps__isnull=False).exists()

    # eNPS: anonymous, by team, the day only.
    enps = responses.filter(survey__kind="enps")
    assert enps.count() >= 10 and enps.exclude(team=None).exists()
    assert not enps.exclude(customer=None, invitation=None, agent=None, conversation=None).exists()
    assert all(moment.time() == dt.time(0, 0) for moment in enps.values_list("created_at", flat=True))

    # The closed loop of the last two months: open tasks and tasks closed with a note.
    tasks = RecoveryTask.objects.filter(workspace=workspace)
    assert tasks.filter(status=RecoveryStatus.OPEN).exists()
    done = tasks.filter(status=RecoveryStatus.DONE)
    assert done.exists() and not done.filter(resolution="").exists()
    assert Activity.objects.filter(workspace=workspace, kind="survey_recovery").count() == done.count()
    assert not tasks.filter(created_at__lt=timezone.now() - dt.timedelta(days=61)).exists()

    # Reports start from roll-ups.
    assert ScoreMonth.objects.filter(workspace=workspace, dimension="agent").exists()
    # rolled up to the watermark: the current month up to the load
    assert SurveySettings.objects.get(workspace=workspace).rolled_month == month_of(timezone.now())

    # Nothing was sent, and the worker finds nothing to send: no reminder due, nothing scheduled.
    assert not OutboxMessage.objects.filter(workspace=workspace, purpose="survey").exists()
    assert invitations_remind_due() == 0 and invitations_send_due() == 0
    assert not OutboxMessage.objects.filter(workspace=workspace, purpose="survey").exists()


def test_loaded_once_and_the_same_for_the_same_seed():
    # The demo depends on the seed and the load time (its steps round "now" to the minute or the hour):
    # both loads happen at the same moment, else a load that crosses a minute differs at its edges.
    moment = dt.datetime(2026, 10, 7, 10, 30, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        workspace = load("--if-empty")
    first = counts(workspace)
    shape = Counter(Response.objects.filter(workspace=workspace).values_list("survey__kind", "score"))
    assert first["Response"] > 200

    load("--if-empty")
    members: dict[str, list[Membership]] = defaultdict(list)
    for member in Membership.objects.filter(workspace=workspace).order_by("pk"):
        members[member.role].append(member)
    context = DemoContext(
        workspace=workspace, owner=members["owner"][0], members=members, customers=300, seed=1
    )
    load_surveys(context)  # the step itself runs once
    assert counts(workspace) == first

    with time_machine.travel(moment, tick=False):
        workspace = load("--replace")
    assert counts(workspace) == first
    assert Counter(Response.objects.filter(workspace=workspace).values_list("survey__kind", "score")) == shape
