"""Triggers: a resolved conversation (through the real conversation services), deliveries and first purchases
from the timeline, and the periodic relationship survey."""

import datetime as dt

import pytest

from mehvar.channels.models import OutboxMessage
from mehvar.conversations import services as conversation_services
from mehvar.conversations.tests.inbox_helpers import receive
from mehvar.conversations.tests.inbox_helpers import sms_channel as inbox_sms_channel
from mehvar.customers import services as customer_services
from mehvar.customers.timeline import activity_record
from mehvar.surveys import authoring, triggers
from mehvar.surveys.models import Invitation, Survey
from mehvar.surveys.tests.support import customer, nps_survey, tehran

pytestmark = pytest.mark.django_db


def resolved(tenants, channel, *, text="سفارشم نرسیده", phone="09121234567", now=None):
    message = receive(channel, text, phone=phone)
    conversation = message.conversation
    conversation_services.conversation_assign(
        conversation=conversation, assignee=tenants.agent_a, acting=tenants.agent_a
    )
    conversation_services.message_send(
        conversation=conversation, acting=tenants.agent_a, text="پیگیری شد، ببخشید."
    )
    conversation_services.conversation_status_set(
        conversation=conversation, status="resolved", acting=tenants.agent_a, now=now or tehran()
    )
    return conversation


def test_resolving_a_conversation_invites_the_customer_on_its_channel(tenants):
    channel = inbox_sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a)
    conversation = resolved(tenants, channel)
    invitation = Invitation.objects.get(survey=survey)
    assert invitation.conversation_id == conversation.pk
    assert (invitation.channel_id, invitation.address) == (channel.pk, "+989121234567")
    assert invitation.agent_id == tenants.agent_a.pk
    assert invitation.sent_at is not None
    assert OutboxMessage.objects.filter(idempotency_key=f"survey:{invitation.pk}:invite").count() == 1
    # Reopened and resolved again: not asked twice.
    receive(channel, "هنوز نرسیده!", phone="09121234567")
    conversation.refresh_from_db()
    assert conversation.status == "open"
    conversation_services.conversation_status_set(
        conversation=conversation, status="resolved", acting=tenants.agent_a, now=tehran(hour=12)
    )
    assert Invitation.objects.filter(survey=survey).count() == 1


def test_no_active_survey_no_invitation_and_a_survey_failure_never_blocks_the_resolve(tenants, monkeypatch):
    channel = inbox_sms_channel(tenants.ws_a)
    resolved(tenants, channel)
    assert not Invitation.objects.exists()
    nps_survey(tenants.owner_a)

    def broken(**kwargs):
        raise RuntimeError("surveys are down")

    monkeypatch.setattr(triggers, "invitation_create", broken)
    conversation = resolved(tenants, channel, phone="09350001122")
    conversation.refresh_from_db()
    assert conversation.status == "resolved"
    assert not Invitation.objects.exists()


def test_resolving_during_quiet_hours_schedules_the_invitation(tenants):
    channel = inbox_sms_channel(tenants.ws_a)
    nps_survey(tenants.owner_a)
    resolved(tenants, channel, now=tehran(hour=22, minute=45))
    invitation = Invitation.objects.get()
    assert invitation.sent_at is None and invitation.send_at == tehran(day=25, hour=8)


def _activity(tenants, person, kind, when, ref):
    return activity_record(
        workspace=tenants.ws_a, customer=person, kind=kind, occurred_at=when, source="shop", external_id=ref
    )


def test_deliveries_on_the_timeline_are_surveyed_once_after_the_delay(tenants):
    from mehvar.surveys.tests.support import sms_channel

    sms_channel(tenants.ws_a)
    survey = authoring.survey_create(
        acting=tenants.owner_a, kind="csat", title_fa="ارسال", trigger="delivery", delay_days=1, active=True
    )
    ali, sara = customer(tenants.owner_a), customer(tenants.owner_a, first_name="سارا")
    now = tehran(day=24, hour=12)
    _activity(tenants, ali, "delivery", now - dt.timedelta(days=1, hours=2), "d1")
    _activity(tenants, sara, "delivery", now - dt.timedelta(hours=3), "d2")  # not a day old yet
    _activity(tenants, sara, "order", now - dt.timedelta(days=2), "o1")  # an order is not a delivery
    assert triggers.activity_triggers_scan(now=now) == 1
    assert triggers.activity_triggers_scan(now=now) == 0  # a rescan asks nobody twice
    survey.refresh_from_db()
    assert survey.scanned_until == now - dt.timedelta(days=1)
    assert triggers.activity_triggers_scan(now=now + dt.timedelta(days=1)) == 1
    assert set(Invitation.objects.values_list("customer_id", flat=True)) == {ali.pk, sara.pk}
    assert Invitation.objects.filter(activity__isnull=False).count() == 2


def test_only_the_first_purchase_is_surveyed_n_days_later(tenants):
    from mehvar.surveys.tests.support import sms_channel

    sms_channel(tenants.ws_a)
    authoring.survey_create(
        acting=tenants.owner_a,
        kind="nps",
        title_fa="اولین خرید",
        trigger="first_purchase",
        delay_days=7,
        active=True,
    )
    authoring.survey_settings_update(acting=tenants.owner_a, throttle_days=0)
    new, old = customer(tenants.owner_a), customer(tenants.owner_a, first_name="قدیمی")
    now = tehran(day=24, hour=12)
    _activity(tenants, new, "order", now - dt.timedelta(days=7, hours=1), "o-new")
    _activity(tenants, old, "order", now - dt.timedelta(days=60), "o-old-1")
    _activity(tenants, old, "order", now - dt.timedelta(days=7, hours=2), "o-old-2")
    assert triggers.activity_triggers_scan(now=now) == 1
    assert Invitation.objects.get().customer_id == new.pk


def test_the_relationship_survey_walks_consenting_customers_in_batches(tenants):
    from mehvar.surveys.tests.support import sms_channel

    sms_channel(tenants.ws_a)
    survey = authoring.survey_create(
        acting=tenants.owner_a,
        kind="nps",
        title_fa="رابطه",
        trigger="relationship",
        delay_days=90,
        active=True,
    )
    people = [customer(tenants.owner_a, first_name=f"مشتری {i}") for i in range(5)]
    for person in people[:4]:
        customer_services.consent_record(
            acting=tenants.owner_a, customer=person, channel="sms", granted=True, source="فرم"
        )
    now = tehran()
    assert triggers.relationship_survey_scan(survey=survey, now=now, batch=3) == 3
    survey.refresh_from_db()
    assert survey.scan_cursor == people[2].pk
    assert triggers.relationship_survey_scan(survey=survey, now=now, batch=3) == 1  # the fifth has no consent
    survey.refresh_from_db()
    assert survey.scan_cursor == 0  # from the start again next time
    assert triggers.relationship_survey_scan(survey=survey, now=now + dt.timedelta(days=30), batch=10) == 0
    assert Survey.objects.get(pk=survey.pk).scan_cursor == 0
    assert Invitation.objects.filter(survey=survey).count() == 4
