"""The closed loop: who gets the recovery task, its deadline and apology, closing it (the customer is told,
a re-survey is scheduled), and the loop figures."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from mehvar.channels.models import OutboxMessage
from mehvar.conversations.models import CannedReply, Direction, Message, Team
from mehvar.conversations.tests.inbox_helpers import sms_channel as inbox_sms_channel
from mehvar.core.models import AuditEntry
from mehvar.customers.models import Activity
from mehvar.customers.services import customer_update
from mehvar.surveys import authoring, comments, links, recovery, selectors
from mehvar.surveys.models import Invitation, Origin, RecoveryTask
from mehvar.surveys.responses import answer_one_tap, response_submit
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, reload, sms_channel, tehran
from mehvar.surveys.tests.test_triggers import resolved
from mehvar.testing import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(tehran(), tick=False) as traveller:
        yield traveller


def tap(invitation, value, question=None):
    question = question or questions(invitation.survey)[0]
    return answer_one_tap(
        invitation=reload(invitation), question=question, raw_value=str(value), now=tehran()
    )


def test_a_detractor_after_a_conversation_goes_to_its_agent_with_a_deadline_and_an_apology(
    tenants, clock, django_capture_on_commit_callbacks
):
    channel = inbox_sms_channel(tenants.ws_a)
    CannedReply.objects.create(
        workspace=tenants.ws_a,
        title="پوزش",
        purpose="apology",
        body="{{ first_name }} عزیز، از شما پوزش می‌خواهیم.",
    )
    survey = nps_survey(tenants.owner_a)
    resolved(tenants, channel)
    invitation = Invitation.objects.get(survey=survey)
    with django_capture_on_commit_callbacks(execute=True):
        assert tap(invitation, 3).status == "recorded"
    task = RecoveryTask.objects.get()
    assert (task.reason, task.score, task.owner_id, task.owner_reason) == (
        "detractor",
        3,
        tenants.agent_a.pk,
        "agent",
    )
    assert task.conversation_id == invitation.conversation_id
    # 16 business hours from Tuesday 11:00: Tuesday 6 h, Wednesday 9 h, Thursday 1 h.
    assert task.due_at == tehran(day=26, hour=9)
    assert task.apology.endswith("عزیز، از شما پوزش می‌خواهیم.") and "{{" not in task.apology
    assert [m.to for m in mail.outbox] == [[tenants.agent_a.user.email]]


def test_owner_falls_back_to_the_account_manager_then_the_recovery_team(tenants, clock):
    sms_channel(tenants.ws_a)
    survey = authoring.survey_create(acting=tenants.owner_a, kind="csat", title_fa="رضایت", active=True)
    authoring.survey_settings_update(acting=tenants.owner_a, throttle_days=0)
    supervisor = tenants.by_role["supervisor"]
    managed = customer(tenants.owner_a)
    customer_update(acting=tenants.owner_a, customer=managed, owner=supervisor)
    tap(invite(survey, managed), 2)
    task = RecoveryTask.objects.get(customer=managed)
    assert (task.reason, task.owner_id, task.owner_reason) == ("low_csat", supervisor.pk, "account_manager")
    team = Team.objects.create(workspace=tenants.ws_a, name="بازیابی")
    team.members.add(tenants.agent_a)
    authoring.survey_settings_update(acting=tenants.owner_a, recovery_team=team)
    nobody = customer(tenants.owner_a, first_name="بی‌مسئول")
    tap(invite(survey, nobody), 1)
    task = RecoveryTask.objects.get(customer=nobody)
    assert (task.owner_id, task.team_id, task.owner_reason) == (None, team.pk, "team")
    assert list(selectors.recovery_tasks_for(member=tenants.agent_a, scope="team")) == [task]
    happy = customer(tenants.owner_a, first_name="راضی")
    tap(invite(survey, happy), 4)
    assert not RecoveryTask.objects.filter(customer=happy).exists()


def test_a_negative_comment_opens_a_task_even_with_a_passive_score(tenants, clock, monkeypatch):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    invitation = reload(invite(survey, customer(tenants.owner_a)))
    main, _low, high = questions(survey)
    monkeypatch.setattr(comments, "sentiments", lambda texts, workspace: [("negative", -0.8)] * len(texts))
    response_submit(
        invitation=invitation,
        data={main.pk: "7", high.pk: "پشتیبانی جواب نداد و پولم برنگشت"},
        shown={main.pk, high.pk},
        now=tehran(),
    )
    task = RecoveryTask.objects.get()
    assert (task.reason, task.score) == ("negative_comment", 7)
    assert task.comment == "پشتیبانی جواب نداد و پولم برنگشت"


def test_enps_low_scores_open_no_task(tenants, clock):
    sms_channel(tenants.ws_a)
    survey = authoring.survey_create(acting=tenants.owner_a, kind="enps", title_fa="کار", active=True)
    invitation = reload(invite(survey, customer(tenants.owner_a)))
    main = questions(survey)[0]
    response_submit(
        invitation=invitation, data={main.pk: "0"}, shown={q.pk for q in questions(survey)}, now=tehran()
    )
    assert not RecoveryTask.objects.exists()


def test_closing_tells_the_customer_in_the_conversation_and_schedules_a_resurvey(tenants, clock):
    channel = inbox_sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a)
    conversation = resolved(tenants, channel)
    tap(Invitation.objects.get(survey=survey), 2)
    task = RecoveryTask.objects.get()
    with pytest.raises(ValidationError) as error:
        recovery.recovery_close(task=task, acting=tenants.agent_a, resolution="  ")
    assert "resolution" in error.value.message_dict
    other_agent = make_member(workspace=tenants.ws_a, email="agent2@a.test", role="agent")
    with pytest.raises(PermissionDenied):
        recovery.recovery_close(task=task, acting=other_agent, resolution="...")
    with pytest.raises(PermissionDenied):
        recovery.recovery_close(task=task, acting=tenants.outsider_b, resolution="...")
    recovery.recovery_close(
        task=task,
        acting=tenants.agent_a,
        resolution="هزینهٔ ارسال برگشت داده شد و سفارش دوباره فرستاده شد.",
        customer_message="سلام، هزینهٔ ارسال را برگرداندیم و سفارش دوباره فرستاده شد. پوزش می‌خواهیم.",
        now=tehran(hour=12),
    )
    task.refresh_from_db()
    assert (task.status, task.closed_by_id) == ("done", tenants.agent_a.pk)
    told = Message.objects.get(
        conversation=conversation, direction=Direction.OUTBOUND, text__startswith="سلام،"
    )
    assert told.outbox.idempotency_key == f"recovery:{task.pk}:told"
    resurvey = task.resurvey
    assert (resurvey.origin, resurvey.survey_id, resurvey.sent_at) == (Origin.RESURVEY, survey.pk, None)
    assert resurvey.send_at == tehran(hour=12) + dt.timedelta(days=14)
    assert Activity.objects.filter(kind="survey_recovery", customer=task.customer).count() == 1
    assert AuditEntry.objects.filter(object_type="surveys.recoverytask", object_id=str(task.pk)).exists()
    with pytest.raises(ValidationError) as error:
        recovery.recovery_close(task=task, acting=tenants.agent_a, resolution="دوباره")
    assert error.value.error_dict["status"][0].code == "closed"


def test_closing_without_a_conversation_writes_to_the_invitation_address(tenants, clock):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    person = customer(tenants.owner_a, phone="09127778899")
    invitation = invite(survey, person)
    tap(invitation, 0)
    task = RecoveryTask.objects.get()
    assert task.owner is None and task.owner_reason == "nobody"
    recovery.recovery_close(
        task=task,
        acting=tenants.by_role["supervisor"],
        resolution="تماس گرفتیم.",
        customer_message="پوزش!",
        resurvey=False,
        now=tehran(hour=12),
    )
    row = OutboxMessage.objects.get(idempotency_key=f"recovery:{task.pk}:told")
    assert (row.to, row.payload["text"]) == ("+989127778899", "پوزش!")
    assert RecoveryTask.objects.get().resurvey is None


def test_loop_closure_rate_and_time_to_close(tenants, clock):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    authoring.survey_settings_update(acting=tenants.owner_a, throttle_days=0)
    tasks = []
    for i in range(4):
        tap(invite(survey, customer(tenants.owner_a, first_name=f"ناراضی {i}")), 1)
        tasks.append(RecoveryTask.objects.latest("pk"))
    manager = tenants.owner_a
    recovery.recovery_close(
        task=tasks[0], acting=manager, resolution="حل شد", resurvey=False, now=tehran(hour=13)
    )
    recovery.recovery_close(
        task=tasks[1], acting=manager, resolution="حل شد", resurvey=False, now=tehran(day=27)
    )
    figures = selectors.recovery_loop_figures(
        workspace=tenants.ws_a, since=tehran(day=1), until=tehran(day=28)
    )
    assert (figures.opened, figures.closed, figures.closure_rate) == (4, 2, 0.5)
    assert figures.closed_on_time == 1
    assert figures.median_hours_to_close == pytest.approx((2 + 72) / 2, abs=0.01)
    assert selectors.recovery_loop_figures(workspace=tenants.ws_b, since=tehran(day=1)).opened == 0
    assert links  # the module the one-tap links come from is the one the pages use


def test_an_apology_without_a_conversation_fills_what_the_customer_tells_and_closing_refuses_placeholders(
    tenants, clock
):
    """The apology template may name the conversation («{{ number }}»); with none, the customer's variables
    are filled and that one is left for the agent, and no message holding a placeholder reaches a customer."""
    sms_channel(tenants.ws_a)
    CannedReply.objects.create(
        workspace=tenants.ws_a,
        title="پوزش",
        purpose="apology",
        body="{{ first_name }} عزیز، درخواست {{ number }} در {{ today_numeric }} ثبت شد.",
    )
    survey = nps_survey(tenants.owner_a, trigger="manual")
    person = customer(tenants.owner_a, first_name="سارا", phone="09127778800")
    tap(invite(survey, person), 1)
    task = RecoveryTask.objects.get(customer=person)
    assert task.apology.startswith("سارا عزیز، درخواست {{ number }} در ۱۴۰")
    assert "{{ first_name }}" not in task.apology and "{{ today_numeric }}" not in task.apology
    with pytest.raises(ValidationError) as error:
        recovery.recovery_close(
            task=task, acting=tenants.owner_a, resolution="پیگیری شد", customer_message=task.apology
        )
    assert error.value.error_dict["customer_message"][0].code == "placeholder"
    said = " ".join(error.value.messages)
    assert "{{ number }}" in said and "پیام هنوز" in said  # names the placeholder, in Persian by default
    assert not OutboxMessage.objects.filter(idempotency_key=f"recovery:{task.pk}:told").exists()
    recovery.recovery_close(
        task=task,
        acting=tenants.owner_a,
        resolution="پیگیری شد",
        customer_message=task.apology.replace("{{ number }}", "شما"),
    )
    task.refresh_from_db()
    assert task.status == "done"
    assert OutboxMessage.objects.filter(idempotency_key=f"recovery:{task.pk}:told").exists()
