"""SLA clocks in business time: a Thursday afternoon, a Friday and an Iranian holiday (Eid al-Ghadir, Saturday
14 June 2025) stand between a customer's message and its deadline; waiting on the customer pauses the
resolution clock; the minute sweep warns, breaches and escalates once per target."""

import datetime as dt

import pytest
import time_machine

from mehvar.conversations import services, sla
from mehvar.conversations.models import AutomationRule, Conversation, Event, Priority, SlaPolicy, Status, Team
from mehvar.conversations.sla_sweep import _breach, sla_sweep
from mehvar.conversations.tests.logic_support import make_channel, receive, tehran
from mehvar.core.business_calendar import calendar_for_workspace
from mehvar.core.models import DayOff
from mehvar.core.roles import Role
from mehvar.customers.models import Tag

pytestmark = pytest.mark.django_db

THURSDAY_NOON = tehran(2025, 6, 12, 12, 0)  # Thursday: open 08:00-13:00
FRIDAY = tehran(2025, 6, 13, 10, 0)  # the weekend
GHADIR = tehran(2025, 6, 14, 10, 0)  # Saturday, an official holiday
SUNDAY = dt.date(2025, 6, 15)  # the next working day, 08:00-17:00
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def channel(tenants):
    return make_channel(tenants.ws_a, "api")


@pytest.fixture
def policy(tenants):
    return SlaPolicy.objects.create(
        workspace=tenants.ws_a,
        name="Standard",
        position=10,
        first_response_minutes=120,
        next_response_minutes=60,
        resolution_minutes=480,
        warn_percent=80,
    )


def at(moment):
    return time_machine.travel(moment, tick=False)


def fresh(conversation):
    return Conversation.objects.get(pk=conversation.pk)


def test_the_calendar_knows_the_days_this_file_relies_on(tenants):
    calendar = calendar_for_workspace(tenants.ws_a)
    assert calendar.is_official_holiday(GHADIR.date())
    assert not calendar.is_working_day(FRIDAY.date())
    assert calendar.opening_hours(THURSDAY_NOON.date())[1] == tehran(2025, 6, 12, 13, 0)
    assert calendar.is_working_day(SUNDAY)


def test_deadlines_skip_thursday_afternoon_friday_and_the_holiday(tenants, channel, policy):
    with at(THURSDAY_NOON):
        conversation = receive(channel).conversation
    conversation = fresh(conversation)
    assert conversation.sla_policy_id == policy.pk
    # 60 minutes on Thursday (12:00-13:00), the other 60 on Sunday morning.
    assert conversation.first_response_due_at == tehran(2025, 6, 15, 9, 0)
    # 60 minutes on Thursday, 420 on Sunday.
    assert conversation.resolution_due_at == tehran(2025, 6, 15, 15, 0)
    assert conversation.next_response_due_at is None
    assert conversation.sla_due_at == conversation.first_response_due_at


def test_first_response_is_measured_in_business_seconds(tenants, channel, policy):
    with at(THURSDAY_NOON):
        conversation = receive(channel).conversation
    with at(tehran(2025, 6, 15, 8, 30)):
        services.message_send(conversation=conversation, acting=tenants.agent_a, text="سلام، بررسی می‌کنیم.")
    conversation = fresh(conversation)
    assert conversation.first_response_seconds == 90 * 60  # 60 on Thursday + 30 on Sunday
    assert conversation.sla_breaches == []
    assert conversation.sla_due_at == conversation.resolution_due_at  # first response no longer running
    assert sla.sla_attainment(conversation)["first"].state == sla.MET


def test_waiting_on_the_customer_pauses_the_resolution_clock_and_shifts_its_deadline(
    tenants, channel, policy
):
    with at(THURSDAY_NOON):
        conversation = receive(channel).conversation
    with at(tehran(2025, 6, 15, 8, 30)):
        services.message_send(
            conversation=conversation, acting=tenants.agent_a, text="شماره سفارش؟", status=Status.WAITING
        )
    waiting = fresh(conversation)
    assert waiting.status == Status.WAITING
    assert waiting.sla_due_at is None  # nothing runs while we wait on the customer
    assert sla.sla_attainment(waiting)["resolution"].state == sla.PAUSED

    with at(tehran(2025, 6, 16, 10, 0)):  # Monday: the customer answers
        receive(channel, "شماره سفارش ۱۲۳۴۵ است", now=tehran(2025, 6, 16, 10, 0))
    resumed = fresh(conversation)
    assert resumed.status == Status.OPEN
    # Paused from Sunday 08:30 to Monday 10:00: 8.5 business hours on Sunday and 2 on Monday.
    assert resumed.sla_paused_seconds == 630 * 60
    # The 390 minutes left at the pause now run from Monday 10:00.
    assert resumed.resolution_due_at == tehran(2025, 6, 16, 16, 30)
    # The customer's message starts a next-response cycle of 60 business minutes.
    assert resumed.next_response_due_at == tehran(2025, 6, 16, 11, 0)
    assert resumed.sla_due_at == resumed.next_response_due_at

    with at(tehran(2025, 6, 16, 10, 30)):
        services.message_send(conversation=resumed, acting=tenants.agent_a, text="ارسال شد.")
    with at(tehran(2025, 6, 16, 12, 0)):
        services.conversation_status_set(conversation=resumed, status=Status.RESOLVED, acting=tenants.agent_a)
    done = fresh(conversation)
    # Thursday 60 + Sunday 540 + Monday 240 business minutes, less the 630 spent waiting.
    assert done.resolution_seconds == 210 * 60
    assert done.sla_breaches == []
    assert done.sla_due_at is None
    states = {t: a.state for t, a in sla.sla_attainment(done).items()}
    assert states == {"first": sla.MET, "next": sla.MET, "resolution": sla.MET}


def test_resolution_counts_to_the_last_resolve(tenants, channel, policy):
    with at(tehran(2025, 6, 15, 8, 0)):
        conversation = receive(channel).conversation
    with at(tehran(2025, 6, 15, 9, 0)):
        services.conversation_status_set(
            conversation=conversation, status=Status.RESOLVED, acting=tenants.agent_a
        )
    assert fresh(conversation).resolution_seconds == 3600
    with at(tehran(2025, 6, 15, 10, 0)):  # the customer writes again: it reopens
        receive(channel, "هنوز نرسیده!", now=tehran(2025, 6, 15, 10, 0))
    reopened = fresh(conversation)
    assert reopened.status == Status.OPEN and reopened.reopened_count == 1
    assert reopened.sla_due_at is not None  # resolution runs again, with its original deadline
    assert reopened.resolution_due_at == tehran(2025, 6, 15, 16, 0)
    with at(tehran(2025, 6, 15, 11, 30)):
        services.conversation_status_set(
            conversation=reopened, status=Status.RESOLVED, acting=tenants.agent_a
        )
    assert fresh(conversation).resolution_seconds == 3.5 * 3600


def test_a_late_reply_and_a_late_resolve_are_recorded_as_breaches(tenants, channel, policy):
    with at(tehran(2025, 6, 15, 8, 0)):
        conversation = receive(channel).conversation
    with at(tehran(2025, 6, 15, 10, 30)):  # due 10:00
        services.message_send(conversation=conversation, acting=tenants.agent_a, text="ببخشید دیر شد")
    with at(tehran(2025, 6, 16, 9, 0)):  # resolution was due Sunday 16:00
        services.conversation_status_set(
            conversation=conversation, status=Status.RESOLVED, acting=tenants.agent_a
        )
    done = fresh(conversation)
    assert [b["target"] for b in done.sla_breaches] == ["first", "resolution"]
    states = {t: a.state for t, a in sla.sla_attainment(done).items()}
    assert states["first"] == sla.MISSED and states["resolution"] == sla.MISSED


def test_policies_match_by_priority_channel_and_customer_tag_first_by_position(tenants, channel, policy):
    telegram = make_channel(tenants.ws_a, "telegram")
    vip = SlaPolicy.objects.create(
        workspace=tenants.ws_a, name="VIP", position=1, customer_tag="VIP", first_response_minutes=15
    )
    urgent = SlaPolicy.objects.create(
        workspace=tenants.ws_a, name="Urgent", position=2, priority=Priority.URGENT, first_response_minutes=30
    )
    chat = SlaPolicy.objects.create(
        workspace=tenants.ws_a,
        name="Telegram",
        position=3,
        channel_kind="telegram",
        first_response_minutes=45,
    )
    SlaPolicy.objects.create(
        workspace=tenants.ws_a, name="Off", position=0, enabled=False, first_response_minutes=1
    )
    with at(tehran(2025, 6, 15, 9, 0)):
        plain = receive(channel, phone="09120000001").conversation
        by_channel = receive(telegram, phone="09120000002").conversation
        tagged = receive(channel, phone="09120000003").conversation
    assert fresh(plain).sla_policy_id == policy.pk
    assert fresh(by_channel).sla_policy_id == chat.pk
    assert fresh(by_channel).first_response_due_at == tehran(2025, 6, 15, 9, 45)

    customer = tagged.customer
    customer.tags.add(Tag.objects.create(workspace=tenants.ws_a, name="vip", key="vip"))
    with at(tehran(2025, 6, 15, 9, 0)):
        again = receive(channel, phone="09120000003", thread="new-thread").conversation
    # Same open conversation: the policy is matched when it opens, or when the priority changes.
    assert again.pk == tagged.pk and fresh(tagged).sla_policy_id == policy.pk
    with at(tehran(2025, 6, 15, 9, 10)):
        services.conversation_update(conversation=plain, acting=tenants.agent_a, priority=Priority.URGENT)
        services.conversation_update(conversation=tagged, acting=tenants.agent_a, priority=Priority.HIGH)
    plain, tagged = fresh(plain), fresh(tagged)
    assert plain.sla_policy_id == urgent.pk
    assert plain.first_response_due_at == tehran(2025, 6, 15, 9, 30)  # from the opening, not the change
    assert tagged.sla_policy_id == vip.pk
    assert tagged.first_response_due_at == tehran(2025, 6, 15, 9, 15)


def test_no_policy_no_deadlines_but_metrics_are_kept(tenants, channel):
    with at(tehran(2025, 6, 15, 8, 0)):
        conversation = receive(channel).conversation
    with at(tehran(2025, 6, 15, 8, 20)):
        services.message_send(conversation=conversation, acting=tenants.agent_a, text="سلام")
    conversation = fresh(conversation)
    assert conversation.sla_policy_id is None and conversation.sla_due_at is None
    assert conversation.first_response_seconds == 20 * 60
    assert {a.state for a in sla.sla_attainment(conversation).values()} == {sla.NONE}


def test_the_workspace_s_own_day_off_and_hours_count(tenants, channel, policy):
    DayOff.objects.create(workspace=tenants.ws_a, date=SUNDAY, title="تعطیلی شرکت")
    hours = tenants.ws_a.business_hours
    hours.week = {**hours.week, "4": ["08:00", "12:30"]}  # Thursday closes at 12:30 here
    hours.save()
    with at(THURSDAY_NOON):
        conversation = receive(channel).conversation
    # 30 minutes on Thursday; Friday, the holiday and the company's day off pass; Monday 08:00 + 90.
    assert fresh(conversation).first_response_due_at == tehran(2025, 6, 16, 9, 30)


@pytest.fixture
def warned_rule(tenants):
    return AutomationRule.objects.create(
        workspace=tenants.ws_a,
        name="Flag the risky ones",
        event="sla_warning",
        conditions=[{"field": "sla_target", "op": "eq", "value": "first"}],
        actions=[{"type": "add_tag", "value": "در خطر"}],
    )


def test_the_sweep_warns_then_breaches_and_escalates_once_per_target(
    tenants, channel, warned_rule, mailoutbox, django_capture_on_commit_callbacks
):
    SlaPolicy.objects.create(workspace=tenants.ws_a, name="Fast", first_response_minutes=60, warn_percent=80)
    with at(tehran(2025, 6, 12, 12, 30)):
        conversation = receive(channel).conversation
    conversation = fresh(conversation)
    # 30 minutes on Thursday, 30 on Sunday; 80% (48 minutes) is used up at Sunday 08:18.
    assert conversation.first_response_due_at == tehran(2025, 6, 15, 8, 30)

    for moment in (tehran(2025, 6, 12, 12, 55), FRIDAY, GHADIR, tehran(2025, 6, 15, 8, 17)):
        with at(moment):
            assert sla_sweep() == {"warned": 0, "breached": 0}
    assert fresh(conversation).sla_warned_at is None

    with at(tehran(2025, 6, 15, 8, 18)):
        assert sla_sweep() == {"warned": 1, "breached": 0}
    with at(tehran(2025, 6, 15, 8, 20)):
        assert sla_sweep() == {"warned": 0, "breached": 0}
    warned = fresh(conversation)
    assert warned.sla_warned_at == tehran(2025, 6, 15, 8, 18)
    assert [e.data["target"] for e in warned.events.filter(kind=Event.Kind.SLA_WARNING)] == ["first"]
    assert [t.name for t in warned.tags.all()] == ["در خطر"]  # the automation event "sla_warning" ran
    assert warned.events.filter(kind=Event.Kind.AUTOMATION, data__name=warned_rule.name).count() == 1

    with at(tehran(2025, 6, 15, 8, 30)), django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep() == {"warned": 0, "breached": 1}
    with at(tehran(2025, 6, 15, 8, 45)), django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep() == {"warned": 0, "breached": 0}
    breached = fresh(conversation)
    assert [b["target"] for b in breached.sla_breaches] == ["first"]
    assert breached.events.filter(kind=Event.Kind.SLA_BREACH).count() == 1
    escalation = breached.events.get(kind=Event.Kind.ESCALATED)
    supervisors = {tenants.by_role[Role.SUPERVISOR].pk, tenants.by_role[Role.ADMIN].pk}
    assert set(escalation.data["to"]) == supervisors
    assert set(breached.participants.values_list("pk", flat=True)) == supervisors
    assert sorted(m.to[0] for m in mailoutbox) == ["admin@a.test", "supervisor@a.test"]
    assert f"#{breached.number}" in mailoutbox[0].subject
    assert breached.sla_due_at == breached.first_response_due_at  # still unanswered: "overdue" queue
    assert sla.sla_attainment(breached)["first"].state == sla.MISSED


def test_escalation_goes_to_the_team_s_supervisor(
    tenants, channel, mailoutbox, django_capture_on_commit_callbacks
):
    SlaPolicy.objects.create(workspace=tenants.ws_a, name="Fast", first_response_minutes=10)
    team = Team.objects.create(workspace=tenants.ws_a, name="ارسال", supervisor=tenants.owner_a)
    with at(tehran(2025, 6, 15, 9, 0)):
        conversation = receive(channel).conversation
        services.conversation_assign(conversation=conversation, assignee=None, acting=None, team=team)
    with at(tehran(2025, 6, 15, 9, 11)), django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep()["breached"] == 1
    event = Event.objects.get(conversation=conversation, kind=Event.Kind.ESCALATED)
    assert event.data["to"] == [tenants.owner_a.pk]
    assert [m.to for m in mailoutbox] == [["owner@a.test"]]


def test_breach_is_claimed_once_even_by_two_sweeps(tenants, channel):
    SlaPolicy.objects.create(workspace=tenants.ws_a, name="Fast", first_response_minutes=10)
    with at(tehran(2025, 6, 15, 9, 0)):
        conversation = receive(channel).conversation
    now = tehran(2025, 6, 15, 9, 30)
    assert _breach(tenants.ws_a, conversation.pk, now) == 1
    assert _breach(tenants.ws_a, conversation.pk, now) == 0  # the second sweep's claim finds nothing
    assert Event.objects.filter(conversation=conversation, kind=Event.Kind.ESCALATED).count() == 1


def test_next_response_breaches_once_per_cycle_and_resolved_ones_are_left_alone(tenants, channel, policy):
    with at(tehran(2025, 6, 15, 8, 0)):
        conversation = receive(channel).conversation
    with at(tehran(2025, 6, 15, 8, 10)):
        services.message_send(conversation=conversation, acting=tenants.agent_a, text="سلام")
    for hour in (9, 12):  # two cycles, both missed
        with at(tehran(2025, 6, 15, hour, 0)):
            receive(channel, "جواب بدید", now=tehran(2025, 6, 15, hour, 0))
        with at(tehran(2025, 6, 15, hour + 1, 5)):
            assert sla_sweep()["breached"] == 1
        with at(tehran(2025, 6, 15, hour + 1, 30)):
            services.message_send(conversation=conversation, acting=tenants.agent_a, text="ببخشید")
    missed = fresh(conversation)
    assert [b["target"] for b in missed.sla_breaches] == ["next", "next"]
    with at(tehran(2025, 6, 15, 14, 0)):
        services.conversation_status_set(conversation=missed, status=Status.RESOLVED, acting=tenants.agent_a)
    with at(tehran(2025, 6, 20, 12, 0)):
        assert sla_sweep() == {"warned": 0, "breached": 0}


def test_attainment_summary_for_dashboards(tenants, channel, policy):
    with at(tehran(2025, 6, 15, 8, 0)):
        met = receive(channel, phone="09120000001").conversation
        late = receive(channel, phone="09120000002").conversation
    with at(tehran(2025, 6, 15, 8, 30)):
        services.message_send(conversation=met, acting=tenants.agent_a, text="سلام")
    with at(tehran(2025, 6, 15, 11, 0)):
        services.message_send(conversation=late, acting=tenants.agent_a, text="سلام")
    summary = sla.sla_attainment_summary(
        workspace=tenants.ws_a,
        since=tehran(2025, 6, 15, 0, 0),
        until=tehran(2025, 6, 16, 0, 0),
        now=tehran(2025, 6, 15, 11, 0),
    )
    assert summary["first"]["met"] == 1 and summary["first"]["missed"] == 1
    assert summary["resolution"]["running"] == 2


def test_a_later_target_is_escalated_even_while_an_earlier_one_stays_overdue(
    tenants, channel, policy, mailoutbox, django_capture_on_commit_callbacks
):
    with at(tehran(2025, 6, 15, 8, 0)):
        conversation = receive(channel).conversation
    with at(tehran(2025, 6, 15, 10, 1)), django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep()["breached"] == 1  # first response, due 10:00
    with at(tehran(2025, 6, 15, 12, 0)), django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep()["breached"] == 0
    with at(tehran(2025, 6, 15, 16, 1)), django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep()["breached"] == 1  # resolution, due 16:00, while the first is still unanswered
    late = fresh(conversation)
    assert [b["target"] for b in late.sla_breaches] == ["first", "resolution"]
    assert [e.data["targets"] for e in late.events.filter(kind=Event.Kind.ESCALATED).order_by("pk")] == [
        ["first"],
        ["resolution"],
    ]
    assert len(mailoutbox) == 4  # the supervisor and the admin, twice


def test_the_sweeps_run_every_minute_as_periodic_tasks(tenants, channel):
    from mehvar.conversations.tasks import routing_queue_task, sla_sweep_task
    from mehvar.ops.schedule import periodic_jobs

    jobs = periodic_jobs()
    for task in (sla_sweep_task, routing_queue_task):
        assert jobs[task.module_path].every == dt.timedelta(minutes=1)
    SlaPolicy.objects.create(workspace=tenants.ws_a, name="Fast", first_response_minutes=10)
    with at(tehran(2025, 6, 15, 9, 0)):
        receive(channel)
    with at(tehran(2025, 6, 15, 9, 30)):
        assert sla_sweep_task.call() == {"warned": 0, "breached": 1}
        assert routing_queue_task.call() == 0
