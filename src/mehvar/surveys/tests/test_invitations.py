"""Invitations: sent through the outbox once, never over-surveying, consent, quiet hours, one reminder."""

import datetime as dt

import pytest

from mehvar.channels.models import OutboxMessage
from mehvar.customers import services as customer_services
from mehvar.surveys import authoring, links
from mehvar.surveys.eligibility import SurveySkipped
from mehvar.surveys.invitations import (
    invitation_send,
    invitations_remind_due,
    invitations_send_due,
)
from mehvar.surveys.models import Invitation
from mehvar.surveys.tests.support import (
    customer,
    email_channel,
    invite,
    nps_survey,
    reload,
    sms_channel,
    tehran,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tenants):
    channel = sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    person = customer(tenants.owner_a, phone="09121112233")
    return tenants, channel, survey, person


def outbox(tenants):
    return list(OutboxMessage.objects.filter(workspace=tenants.ws_a, purpose="survey").order_by("pk"))


def test_an_invitation_goes_out_through_the_outbox_with_its_link(shop):
    tenants, channel, survey, person = shop
    invitation = invite(survey, person)
    [row] = outbox(tenants)
    assert row.idempotency_key == f"survey:{invitation.pk}:invite"
    assert row.channel == channel and row.to == "+989121112233"
    assert "https://mehvar.test" + links.survey_path(invitation) in row.payload["text"]
    assert invitation.token in row.payload["text"]
    assert invitation.sent_at == tehran()
    assert invitation.expires_at == tehran() + dt.timedelta(days=14)
    # Sending again (a retried task, a second worker) writes nothing more.
    assert invitation_send(invitation=reload(invitation), now=tehran(hour=12)) is False
    assert invitations_send_due(now=tehran(hour=12)) == 0
    assert len(outbox(tenants)) == 1


def test_email_invitations_carry_one_tap_links_for_the_first_scale(tenants):
    email_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    person = customer_services.customer_create(
        acting=tenants.owner_a, first_name="سارا", email="sara@example.com"
    )
    invitation = invite(survey, person)
    [row] = outbox(tenants)
    assert row.to == "sara@example.com" and row.payload["subject"] == survey.title_fa
    html = row.payload["html"]
    assert html.count("/a/") == 11 and 'dir="rtl"' in html
    assert invitation.token in html


def test_at_most_one_invitation_per_customer_per_period(shop):
    tenants, _channel, survey, person = shop
    invite(survey, person, now=tehran(day=1))
    other = authoring.survey_create(acting=tenants.owner_a, kind="csat", title_fa="رضایت", active=True)
    with pytest.raises(SurveySkipped) as skipped:
        invite(other, person, now=tehran(day=20))
    assert skipped.value.reason == "throttled"
    assert invite(other, person, now=tehran(month=12, day=2)).pk  # 31 days later
    authoring.survey_settings_update(acting=tenants.owner_a, throttle_days=0)
    authoring.survey_update(acting=tenants.owner_a, survey=survey, throttle_days=90)
    with pytest.raises(SurveySkipped) as skipped:
        invite(survey, person, now=tehran(month=12, day=3))
    assert skipped.value.reason == "survey_throttled"


def test_consent_refusal_stops_surveys_and_relationship_surveys_need_consent(shop):
    tenants, _channel, survey, person = shop
    customer_services.consent_record(
        acting=tenants.owner_a, customer=person, channel="sms", granted=False, source="تماس"
    )
    with pytest.raises(SurveySkipped) as skipped:
        invite(survey, person)
    assert skipped.value.reason == "no_consent"
    relationship = authoring.survey_create(
        acting=tenants.owner_a,
        kind="nps",
        title_fa="رابطه",
        trigger="relationship",
        delay_days=90,
        active=True,
    )
    silent = customer(tenants.owner_a)
    with pytest.raises(SurveySkipped) as skipped:
        invite(relationship, silent)
    assert skipped.value.reason == "no_consent"
    customer_services.consent_record(
        acting=tenants.owner_a, customer=silent, channel="sms", granted=True, source="فرم"
    )
    assert invite(relationship, silent).sent_at is not None


def test_quiet_hours_move_the_invitation_to_the_morning(shop):
    tenants, _channel, survey, person = shop
    invitation = invite(survey, person, now=tehran(hour=23, minute=10))
    assert invitation.sent_at is None and outbox(tenants) == []
    assert invitation.send_at == tehran(day=25, hour=8)
    assert invitation.expires_at == tehran(day=25, hour=8) + dt.timedelta(days=14)
    assert invitations_send_due(now=tehran(day=25, hour=7, minute=59)) == 0
    assert invitations_send_due(now=tehran(day=25, hour=8, minute=1)) == 1
    assert reload(invitation).sent_at == tehran(day=25, hour=8, minute=1)
    assert len(outbox(tenants)) == 1
    early = invite(
        nps_survey(tenants.owner_a, trigger="manual", throttle_days=0),
        customer(tenants.owner_a),
        now=tehran(hour=3),
    )
    assert early.send_at == tehran(hour=8)


def test_a_scheduled_invitation_is_cancelled_when_consent_is_withdrawn_before_it_goes(shop):
    tenants, _channel, survey, person = shop
    invitation = invite(survey, person, now=tehran(hour=22, minute=30))
    customer_services.consent_record(
        acting=tenants.owner_a, customer=person, channel="sms", granted=False, source="پیامک"
    )
    assert invitations_send_due(now=tehran(day=25, hour=9)) == 0
    assert reload(invitation).cancelled_reason == "no_consent"
    assert outbox(tenants) == []


def test_one_reminder_after_the_configured_days_unless_answered(shop):
    tenants, _channel, survey, person = shop
    invitation = invite(survey, person, now=tehran(day=1))
    answered = invite(survey, customer(tenants.owner_a), now=tehran(day=1))
    Invitation.objects.filter(pk=answered.pk).update(answered_at=tehran(day=2))
    assert invitations_remind_due(now=tehran(day=3)) == 0
    assert invitations_remind_due(now=tehran(day=4, hour=23)) == 0  # quiet hours
    assert invitations_remind_due(now=tehran(day=4, hour=12)) == 1
    assert invitations_remind_due(now=tehran(day=6, hour=12)) == 0  # once
    keys = [row.idempotency_key for row in outbox(tenants)]
    assert keys.count(f"survey:{invitation.pk}:remind") == 1
    assert reload(invitation).reminded_at == tehran(day=4, hour=12)


def test_nobody_to_reach_means_no_invitation(tenants):
    survey = nps_survey(tenants.owner_a, trigger="manual")
    person = customer_services.customer_create(acting=tenants.owner_a, first_name="بی‌نشانی")
    with pytest.raises(SurveySkipped) as skipped:
        invite(survey, person)
    assert skipped.value.reason == "no_channel"
    sms_channel(tenants.ws_a)
    with pytest.raises(SurveySkipped):  # a phone channel but no phone
        invite(survey, person)
