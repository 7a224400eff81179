"""eNPS reminders: one per link of the open round, to members who have not answered after the workspace's
``reminder_after_days``, outside quiet hours, never twice."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from mehvar.surveys import authoring, pulses
from mehvar.surveys.models import PulseInvitation, SurveySettings
from mehvar.surveys.tests.support import questions
from mehvar.surveys.tests.test_pulses import enps_survey, keys, team_of

pytestmark = pytest.mark.django_db
TEHRAN = ZoneInfo("Asia/Tehran")


def at(day, hour):
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=TEHRAN)


@pytest.fixture
def sent_round(tenants):
    team_of(tenants.ws_a, "پشتیبانی", 6, prefix="support")
    survey = enps_survey(tenants.owner_a)
    pulses.pulse_send(survey=survey, by=tenants.owner_a, now=at(1, 10))
    return survey


def test_unanswered_members_are_reminded_once_after_the_set_days(
    tenants, sent_round, django_capture_on_commit_callbacks
):
    survey = sent_round
    settings = authoring.survey_settings(tenants.ws_a)
    links = keys(survey)
    main = questions(survey)[0]
    assert pulses.pulse_answer(key=links[0], answers={main.pk: 9}, now=at(1, 12)).status == "stored"
    answered = PulseInvitation.objects.get(answered_at__isnull=False)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert pulses.pulse_reminders_due(now=at(1 + settings.reminder_after_days, 9)) == 0  # not yet due
    with django_capture_on_commit_callbacks(execute=True):
        reminded = pulses.pulse_reminders_due(now=at(2 + settings.reminder_after_days, 11))
    assert reminded == len(links) - 1
    assert len(mail.outbox) == len(links) - 1
    assert answered.membership.user.email not in {m.to[0] for m in mail.outbox}
    message = mail.outbox[0]
    pulse = PulseInvitation.objects.get(membership__user__email=message.to[0])
    assert pulses.pulse_url(pulse) in message.body  # the same personal link
    assert "یادآوری" in message.subject + message.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert pulses.pulse_reminders_due(now=at(3 + settings.reminder_after_days, 11)) == 0
    assert mail.outbox == []


def test_no_reminder_in_quiet_hours_after_the_round_closed_or_when_turned_off(tenants, sent_round):
    survey = sent_round
    settings = authoring.survey_settings(tenants.ws_a)
    due_day = 2 + settings.reminder_after_days
    assert pulses.pulse_reminders_due(now=at(due_day, 23)) == 0  # 23:00 Tehran: quiet hours

    SurveySettings.objects.filter(pk=settings.pk).update(reminder_after_days=0)
    assert pulses.pulse_reminders_due(now=at(due_day, 11)) == 0

    SurveySettings.objects.filter(pk=settings.pk).update(reminder_after_days=3)
    pulses.pulse_close(survey=survey, by=tenants.owner_a, now=at(2, 10))
    assert pulses.pulse_reminders_due(now=at(due_day, 11)) == 0
    assert not PulseInvitation.objects.filter(reminded_at__isnull=False).exists()


def test_another_workspace_is_reminded_on_its_own_settings(tenants, sent_round):
    other = enps_survey(tenants.outsider_b)
    team_of(tenants.ws_b, "فروش", 5, prefix="b-sales")
    pulses.pulse_send(survey=other, by=tenants.outsider_b, now=at(1, 10))
    SurveySettings.objects.filter(workspace=tenants.ws_b).update(reminder_after_days=0)
    reminded = pulses.pulse_reminders_due(now=at(10, 11))
    assert reminded == PulseInvitation.objects.filter(workspace=tenants.ws_a).count()
    assert not PulseInvitation.objects.filter(workspace=tenants.ws_b, reminded_at__isnull=False).exists()
