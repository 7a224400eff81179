"""Routing to the most appropriate agent: presence, shift, capacity, skills, the previous agent, VIP to
seniors, round-robin, the reason in words; sign-off hands conversations over; a fixed number of queries."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mehvar.accounts.models import User
from mehvar.conversations import services
from mehvar.conversations.models import AgentProfile, Conversation, Event, InboxSettings, Status, Team
from mehvar.conversations.routing import AgentPool, routing_decide
from mehvar.conversations.routing_pool import in_shift
from mehvar.conversations.routing_presence import agent_presence_set, routing_queue_sweep
from mehvar.conversations.tests.logic_support import make_agent, make_channel, receive, tehran
from mehvar.core.models import Membership
from mehvar.core.roles import Role
from mehvar.customers.models import Tag

pytestmark = pytest.mark.django_db

SUNDAY_10 = tehran(2025, 6, 15, 10, 0)  # a working day, within business hours
FRIDAY_10 = tehran(2025, 6, 13, 10, 0)  # the weekend


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def channel(tenants):
    return make_channel(tenants.ws_a, "api")


def at(moment):
    return time_machine.travel(moment, tick=False)


def fresh(conversation):
    return Conversation.objects.select_related("assignee").get(pk=conversation.pk)


def arrive(channel, phone="09121234567", moment=SUNDAY_10, text="سلام"):
    with at(moment):
        return fresh(receive(channel, text, phone=phone, now=moment).conversation)


def test_an_arriving_conversation_goes_to_an_online_agent_with_room_and_says_why(tenants, channel):
    make_agent(tenants.ws_a, "Offline", presence=AgentProfile.Presence.OFFLINE)
    make_agent(tenants.ws_a, "Away", presence=AgentProfile.Presence.AWAY)
    full = make_agent(tenants.ws_a, "Full", capacity=1)
    arrive(channel, phone="09120000009")  # gives Full their one conversation... or Sara hers
    sara = make_agent(tenants.ws_a, "Sara")
    Conversation.objects.filter(workspace=tenants.ws_a).update(assignee=full)
    conversation = arrive(channel)
    assert conversation.assignee == sara
    assert conversation.assignment_reason == "the only available agent"
    event = conversation.events.get(kind=Event.Kind.ASSIGNED)
    assert event.actor is None and event.data["reason"] == "the only available agent"
    assert AgentProfile.objects.get(membership=sara).last_assigned_at == SUNDAY_10


def test_round_robin_spreads_new_conversations(tenants, channel):
    agents = [make_agent(tenants.ws_a, name) for name in ("A", "B", "C")]
    given = [arrive(channel, phone=f"0912000000{i}").assignee for i in range(1, 7)]
    # The longest since their last assignment goes first (then the least loaded).
    assert given[:3] == agents and given[3:] == agents
    last = arrive(channel, phone="09120000099")
    assert "round-robin among 3 available agents" in last.assignment_reason


def test_the_customer_s_previous_agent_is_preferred(tenants, channel):
    first, second = make_agent(tenants.ws_a, "First"), make_agent(tenants.ws_a, "Second")
    earlier = arrive(channel)
    assert earlier.assignee == first
    with at(SUNDAY_10):
        services.conversation_status_set(conversation=earlier, status=Status.RESOLVED, acting=tenants.agent_a)
        services.conversation_status_set(conversation=earlier, status=Status.CLOSED, acting=tenants.agent_a)
    arrive(channel, phone="09129999999")  # round-robin would now pick Second ...
    again = arrive(channel, moment=SUNDAY_10 + dt.timedelta(minutes=5))
    assert again.pk != earlier.pk
    assert again.assignee == first  # ... but this customer's previous agent is free
    assert again.assignment_reason == "previous agent of this customer"
    assert second.pk != first.pk


def test_skills_languages_and_channels(tenants, channel):
    make_agent(tenants.ws_a, "Generalist")
    english_only = make_agent(tenants.ws_a, "English", languages=["en"])
    email_only = make_agent(tenants.ws_a, "Mail", channels=["email"])
    courier = make_agent(tenants.ws_a, "Courier", skills=["ارسال", "delivery"])
    with at(SUNDAY_10):
        conversation = receive(channel, now=SUNDAY_10).conversation
    InboxSettings.objects.filter(workspace=tenants.ws_a).update(auto_assign=False)
    Conversation.objects.filter(pk=conversation.pk).update(assignee=None, category="Delivery")
    conversation = Conversation.objects.select_related("workspace", "channel").get(pk=conversation.pk)
    pool = AgentPool.load(workspace=tenants.ws_a, now=SUNDAY_10)
    decision = routing_decide(conversation=conversation, pool=pool)
    assert decision.membership == courier and decision.reason == "skill: Delivery"
    others = routing_decide(conversation=conversation, pool=pool, exclude={courier.pk})
    assert others.membership not in (english_only, email_only, courier)
    conversation.language = "en"
    assert (
        routing_decide(conversation=conversation, pool=pool, exclude={courier.pk}).membership == english_only
    )


def test_vip_customers_go_to_a_senior_agent_when_one_is_available(tenants, channel):
    junior = make_agent(tenants.ws_a, "Junior")
    senior = make_agent(tenants.ws_a, "Senior", senior=True)
    first = arrive(channel, phone="09120000001")
    assert first.assignee == junior
    first.customer.tags.add(Tag.objects.create(workspace=tenants.ws_a, name="VIP", key="vip"))
    with at(SUNDAY_10):
        services.conversation_status_set(conversation=first, status=Status.RESOLVED, acting=tenants.agent_a)
        services.conversation_status_set(conversation=first, status=Status.CLOSED, acting=tenants.agent_a)
    vip = arrive(channel, phone="09120000001")
    assert vip.assignee == senior  # the VIP rule outranks the previous (junior) agent
    assert vip.assignment_reason == "senior agent for a VIP customer"

    AgentProfile.objects.filter(membership=senior).update(presence=AgentProfile.Presence.OFFLINE)
    Conversation.objects.filter(pk=vip.pk).update(status=Status.CLOSED)
    again = arrive(channel, phone="09120000001")
    assert again.assignee == junior
    # Their previous agent (the senior) is offline: the junior takes it, and the reason says so.
    assert again.assignment_reason == "VIP customer, but no senior agent is available"


def test_shifts_and_business_hours(tenants, channel):
    make_agent(tenants.ws_a, "Office hours")
    weekend = make_agent(tenants.ws_a, "Weekend", shift={"6": ["09:00", "18:00"]})  # 6 = Friday
    night = make_agent(tenants.ws_a, "Night", shift={"1": ["22:00", "06:00"]})  # Sunday night
    assert arrive(channel, phone="09120000001", moment=FRIDAY_10).assignee == weekend
    assert arrive(channel, phone="09120000002", moment=tehran(2025, 6, 16, 2, 0)).assignee == night
    assert arrive(channel, phone="09120000003", moment=tehran(2025, 6, 16, 7, 0)).assignee is None
    assert in_shift({"0": ["08:00", "12:00"]}, tehran(2025, 6, 14, 11, 59))  # 0 = Saturday
    assert not in_shift({"0": ["08:00", "12:00"]}, tehran(2025, 6, 14, 12, 0))
    assert not in_shift({"0": ["bad", "12:00"]}, tehran(2025, 6, 14, 10, 0))


def test_routing_stays_in_the_team_and_respects_auto_assign(tenants, channel):
    outsider = make_agent(tenants.ws_a, "Outsider")
    member = make_agent(tenants.ws_a, "Member")
    team = Team.objects.create(workspace=tenants.ws_a, name="مالی")
    team.members.add(member)
    with at(SUNDAY_10):
        conversation = receive(channel, now=SUNDAY_10).conversation
        assert fresh(conversation).assignee == outsider
        services.conversation_assign(conversation=conversation, assignee=None, acting=None, team=team)
        routing_queue_sweep()
    assert fresh(conversation).assignee == member

    InboxSettings.objects.filter(workspace=tenants.ws_a).update(auto_assign=False)
    assert arrive(channel, phone="09120000005").assignee is None


def test_a_supervisor_overrides(tenants, channel):
    make_agent(tenants.ws_a, "Auto")
    conversation = arrive(channel)
    supervisor = tenants.by_role[Role.SUPERVISOR]
    services.conversation_assign(
        conversation=conversation, assignee=tenants.agent_a, acting=supervisor, reason="knows this customer"
    )
    conversation = fresh(conversation)
    assert (
        conversation.assignee == tenants.agent_a and conversation.assignment_reason == "knows this customer"
    )


def test_signing_off_hands_conversations_over_or_back_to_the_queue(tenants, channel):
    leaving = make_agent(tenants.ws_a, "Leaving")
    first, second = arrive(channel, phone="09120000001"), arrive(channel, phone="09120000002")
    assert first.assignee == leaving and second.assignee == leaving
    staying = make_agent(tenants.ws_a, "Staying", capacity=1)
    with at(SUNDAY_10 + dt.timedelta(hours=1)):
        result = agent_presence_set(membership=leaving, presence="offline")
    assert (result.reassigned, result.unassigned) == (1, 1)
    first, second = fresh(first), fresh(second)
    assert first.assignee == staying
    assert first.assignment_reason == "Leaving signed off; the only available agent"
    assert second.assignee is None
    assert second.assignment_reason == "Leaving signed off and no other agent is available: back to the queue"

    with at(SUNDAY_10 + dt.timedelta(hours=2)):
        back = agent_presence_set(membership=leaving, presence="online")
    assert back.taken_from_queue == 1 and fresh(second).assignee == leaving


def test_presence_is_validated_and_guarded(tenants):
    agent = make_agent(tenants.ws_a, "Someone")
    with pytest.raises(ValidationError) as error:
        agent_presence_set(membership=agent, presence="asleep")
    assert "presence" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        agent_presence_set(membership=agent, presence="offline", acting=tenants.agent_a)
    with pytest.raises(PermissionDenied):
        agent_presence_set(membership=agent, presence="offline", acting=tenants.outsider_b)
    result = agent_presence_set(membership=agent, presence="away", acting=tenants.by_role[Role.SUPERVISOR])
    assert result.presence == "away"
    assert agent_presence_set(membership=tenants.agent_a, presence="online").presence == "online"
    assert AgentProfile.objects.get(membership=tenants.agent_a).workspace_id == tenants.ws_a.pk


def _many_agents(workspace, count):
    users = User.objects.bulk_create(
        [
            User(email=f"bulk{workspace.pk}-{i}@a.test", full_name=f"Agent {i}", password="!")
            for i in range(count)
        ]
    )
    members = Membership.objects.bulk_create(
        [Membership(workspace=workspace, user=u, role=Role.AGENT) for u in users]
    )
    AgentProfile.objects.bulk_create(
        [
            AgentProfile(
                workspace=workspace,
                membership=m,
                presence=AgentProfile.Presence.ONLINE,
                skills=["ارسال"] if i % 7 == 0 else [],
                senior=i % 11 == 0,
                shift={} if i % 2 else {"1": ["08:00", "20:00"]},
            )
            for i, m in enumerate(members)
        ]
    )
    return members


@pytest.mark.parametrize("agents", [5, 500])
def test_the_decision_reads_a_fixed_number_of_queries(tenants, channel, agents, django_assert_num_queries):
    InboxSettings.objects.create(workspace=tenants.ws_a, auto_assign=False)
    members = _many_agents(tenants.ws_a, agents)
    with at(SUNDAY_10):
        conversation = receive(channel, now=SUNDAY_10).conversation
        for member in members[:3]:
            receive(channel, phone=f"0912555000{member.pk % 10}", now=SUNDAY_10)
    Conversation.objects.exclude(pk=conversation.pk).update(assignee=members[0])
    Conversation.objects.filter(pk=conversation.pk).update(category="ارسال")
    conversation = Conversation.objects.select_related("workspace", "channel").get(pk=conversation.pk)
    # profiles with members, open counts, the customer's VIP tag and previous agent, business hours, days off
    with django_assert_num_queries(5):
        pool = AgentPool.load(workspace=tenants.ws_a, now=SUNDAY_10)
        decision = routing_decide(conversation=conversation, pool=pool)
    assert decision is not None and "ارسال" in decision.reason
    assert len(pool.candidates) == agents


def test_one_arrival_reads_each_setting_once_and_the_next_arrival_reads_them_again(tenants, channel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_agent(tenants.ws_a, "Sara")  # routing runs: it needs the calendar (no shift of her own)

    def reads(queries, table):  # reads of whole rows (the ticket counter's own read is not a settings read)
        return sum(1 for q in queries if q["sql"].startswith(f'SELECT "{table}"."id"'))

    with at(SUNDAY_10), CaptureQueriesContext(connection) as first:
        receive(channel, phone="09120000011", now=SUNDAY_10)
    for table in ("conversations_inboxsettings", "core_businesshours", "channels_webhookendpoint"):
        assert reads(first.captured_queries, table) == 1, table
    # the memo ends with the message: a setting changed in between applies to the next one
    InboxSettings.objects.filter(workspace=tenants.ws_a).update(auto_assign=False)
    assert arrive(channel, phone="09120000012").assignee is None


@pytest.fixture
def kept_pool(settings, tenants):
    """Routing as in production: the pool kept between arrivals (``routing_pool.pool_for_arrival``)."""
    from mehvar.conversations.routing_pool import pool_forget

    settings.MEHVAR_ROUTING_POOL_SECONDS = 600
    pool_forget(tenants.ws_a.pk)
    yield
    pool_forget(tenants.ws_a.pk)


def test_a_kept_pool_still_takes_turns_between_arrivals(tenants, channel, kept_pool):
    first, second = make_agent(tenants.ws_a, "First"), make_agent(tenants.ws_a, "Second")
    given = {arrive(channel, phone=f"0912000010{n}").assignee for n in range(4)}
    assert given == {first, second}


def test_a_kept_pool_confirms_load_and_presence_changed_by_other_processes(tenants, channel, kept_pool):
    busy = make_agent(tenants.ws_a, "Busy", capacity=2)
    free = make_agent(tenants.ws_a, "Free", capacity=2)
    gone = make_agent(tenants.ws_a, "Gone", capacity=2)
    # least recently assigned first: gone, then busy, then free
    AgentProfile.objects.filter(membership=free).update(last_assigned_at=SUNDAY_10)
    AgentProfile.objects.filter(membership=gone).update(last_assigned_at=SUNDAY_10 - dt.timedelta(hours=1))
    arrive(channel, phone="09120000201")  # loads and keeps the pool: gone had waited longest
    # elsewhere: gone signs off, busy is given two conversations; this process's pool knows neither
    AgentProfile.objects.filter(membership=gone).update(presence=AgentProfile.Presence.OFFLINE)
    for n in range(2):
        other = arrive(channel, phone=f"0912000030{n}")
        Conversation.objects.filter(pk=other.pk).update(assignee=busy)
    conversation = arrive(channel, phone="09120000202")
    assert conversation.assignee == free


def test_presence_changed_in_this_process_reaches_a_kept_pool_at_once(tenants, channel, kept_pool):
    make_agent(tenants.ws_a, "Early")
    arrive(channel, phone="09120000401")  # the pool is kept with Early alone
    late = make_agent(tenants.ws_a, "Late", presence=AgentProfile.Presence.OFFLINE)
    with at(SUNDAY_10):
        agent_presence_set(membership=late, presence=AgentProfile.Presence.ONLINE, now=SUNDAY_10)
    AgentProfile.objects.exclude(membership=late).update(last_assigned_at=SUNDAY_10)
    assert arrive(channel, phone="09120000402").assignee == late


def test_when_nobody_can_take_it_arrivals_do_not_each_read_the_pool_again(
    tenants, channel, kept_pool, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mehvar.conversations import routing

    make_agent(tenants.ws_a, "Full", capacity=0)

    def pool_reads(phone):
        with CaptureQueriesContext(connection) as done:
            assert arrive(channel, phone=phone).assignee is None
        return sum(1 for q in done.captured_queries if 'FROM "conversations_agentprofile"' in q["sql"])

    assert pool_reads("09120000501") == 1  # read now: "nobody" needs no second read
    assert pool_reads("09120000502") == 0  # the kept pool, read under a second ago, says the same
    monkeypatch.setattr(routing, "RECHECK_SECONDS", 0)
    assert pool_reads("09120000503") == 1  # older: read afresh (someone may have room by now)
    free = make_agent(tenants.ws_a, "Free")  # in another process: the kept pool does not know her
    assert arrive(channel, phone="09120000504").assignee == free
