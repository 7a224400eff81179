"""What opening a recovery task reads of its workspace is kept in the process for a few seconds
(``recovery_context``): read once for many tasks, dropped at once when this process changes it, and read
again by a process that did not once the seconds are over."""

import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mehvar.conversations.models import CannedReply
from mehvar.core.models import BusinessHours
from mehvar.core.services import business_hours_update
from mehvar.surveys import authoring, recovery_context
from mehvar.surveys.models import RecoveryTask, SurveySettings
from mehvar.surveys.responses import answer_one_tap
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, reload, sms_channel, tehran

pytestmark = pytest.mark.django_db

CONTEXT_TABLES = ("surveys_surveysettings", "core_businesshours", "core_dayoff", "conversations_cannedreply")


@pytest.fixture
def kept(settings):
    settings.MEHVAR_RECOVERY_CONTEXT_SECONDS = 60
    recovery_context._kept.clear()
    yield
    recovery_context._kept.clear()


@pytest.fixture
def clock():
    with time_machine.travel(tehran(), tick=False) as traveller:
        yield traveller


def _detractor(tenants, survey, name):
    person = customer(tenants.owner_a, first_name=name)
    invitation = reload(invite(survey, person))
    with CaptureQueriesContext(connection) as queries:
        answer_one_tap(invitation=invitation, question=questions(survey)[0], raw_value="2", now=tehran())
    task = RecoveryTask.objects.get(customer=person)
    read = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in CONTEXT_TABLES)]
    return task, [sql for sql in read if sql.lstrip().upper().startswith("SELECT")]


def _apology(tenants, body):
    return CannedReply.objects.create(workspace=tenants.ws_a, title="پوزش", purpose="apology", body=body)


def test_many_tasks_read_the_workspace_rows_once(tenants, clock, kept):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    _apology(tenants, "{{ first_name }} عزیز، پوزش.")
    first, reads = _detractor(tenants, survey, "اول")
    assert len(reads) == 4  # settings, hours, days off, apology replies
    second, reads = _detractor(tenants, survey, "دوم")
    assert reads == []
    assert second.apology == "دوم عزیز، پوزش." and first.apology == "اول عزیز، پوزش."
    assert second.due_at == first.due_at


def test_a_change_made_in_this_process_is_seen_at_once(tenants, clock, kept):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    before, _ = _detractor(tenants, survey, "اول")
    authoring.survey_settings_update(acting=tenants.owner_a, recovery_deadline_hours=40)
    later, reads = _detractor(tenants, survey, "دوم")
    assert reads and later.due_at > before.due_at
    _apology(tenants, "{{ first_name }} جان، ببخشید.")
    templated, _ = _detractor(tenants, survey, "سوم")
    assert templated.apology == "سوم جان، ببخشید."
    week = {str(day): ["08:00", "20:00"] for day in range(1, 8)}
    business_hours_update(acting=tenants.owner_a, week=week, observe_official_holidays=False)
    longer, _ = _detractor(tenants, survey, "چهارم")
    assert longer.due_at < templated.due_at  # longer days: the same 40 business hours end sooner


def test_another_process_change_is_seen_once_the_seconds_are_over(tenants, clock, kept, monkeypatch):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    before, _ = _detractor(tenants, survey, "اول")
    # As another process would: straight to the rows, no signal here.
    SurveySettings.objects.filter(workspace=tenants.ws_a).update(recovery_deadline_hours=40)
    BusinessHours.objects.filter(workspace=tenants.ws_a).update(observe_official_holidays=False)
    same, reads = _detractor(tenants, survey, "دوم")
    assert reads == [] and same.due_at == before.due_at
    started = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: started + 61)  # the kept copy's clock
    after, reads = _detractor(tenants, survey, "سوم")
    assert reads and after.due_at > before.due_at


def test_zero_seconds_reads_every_time(tenants, clock, settings):
    settings.MEHVAR_RECOVERY_CONTEXT_SECONDS = 0
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    _detractor(tenants, survey, "اول")
    _task, reads = _detractor(tenants, survey, "دوم")
    assert len(reads) == 4
