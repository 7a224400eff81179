"""The conversation's life: status machine, reopen window, replies, notes, assignment, events and webhooks."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from mehvar.channels.base import InboundMessage
from mehvar.channels.models import Channel, OutboxMessage, WebhookEndpoint
from mehvar.conversations import services
from mehvar.conversations.inbound import message_receive
from mehvar.conversations.models import Direction, Event, Status
from mehvar.core.roles import Role
from mehvar.core.text import to_persian_digits

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)  # a Saturday morning in Tehran


@pytest.fixture
def channel(tenants):
    return Channel.objects.create(workspace=tenants.ws_a, kind="api", name="API")


def receive(channel, external_id, text="سلام", phone="09121234567", thread="", now=None):
    inbound = InboundMessage(
        external_id=external_id,
        identities=(("phone", phone),),
        text=text,
        sender_name="مریم احمدی",
        thread_key=thread,
    )
    return message_receive(channel=channel, inbound=inbound, now=now)


def test_numbers_are_per_workspace_and_sequential(tenants, channel):
    other = Channel.objects.create(workspace=tenants.ws_b, kind="api", name="API")
    first = receive(channel, "a", phone="09121111111").conversation
    second = receive(channel, "b", phone="09122222222").conversation
    elsewhere = receive(other, "c", phone="09121111111").conversation
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert (
        first.customer.workspace_id == tenants.ws_a.pk and elsewhere.customer.workspace_id == tenants.ws_b.pk
    )


def test_status_machine_allows_only_its_transitions(tenants, channel):
    conversation = receive(channel, "a").conversation
    agent = tenants.agent_a
    services.conversation_status_set(conversation=conversation, status=Status.WAITING, acting=agent)
    assert conversation.waiting_since is not None
    services.conversation_status_set(conversation=conversation, status=Status.RESOLVED, acting=agent)
    assert conversation.resolved_at is not None and conversation.waiting_since is None
    with pytest.raises(ValidationError) as error:
        services.conversation_status_set(conversation=conversation, status=Status.WAITING, acting=agent)
    assert "status" in error.value.message_dict
    services.conversation_status_set(conversation=conversation, status=Status.CLOSED, acting=agent)
    with pytest.raises(ValidationError):
        services.conversation_status_set(conversation=conversation, status=Status.OPEN, acting=agent)
    kinds = list(conversation.events.values_list("kind", flat=True))
    assert kinds.count(Event.Kind.STATUS) == 3


def test_customer_writing_within_the_window_reopens_after_it_opens_a_new_one(tenants, channel):
    with time_machine.travel(T0, tick=False):
        conversation = receive(channel, "a", now=T0).conversation
        services.conversation_status_set(
            conversation=conversation, status=Status.RESOLVED, acting=tenants.agent_a
        )
    again = receive(channel, "b", now=T0 + dt.timedelta(days=6)).conversation
    assert again.pk == conversation.pk
    again.refresh_from_db()
    assert again.status == Status.OPEN and again.reopened_count == 1
    with time_machine.travel(T0 + dt.timedelta(days=6), tick=False):
        services.conversation_status_set(conversation=again, status=Status.RESOLVED, acting=tenants.agent_a)
    later = receive(channel, "c", now=T0 + dt.timedelta(days=14)).conversation
    assert later.pk != conversation.pk and later.status == Status.NEW
    conversation.refresh_from_db()
    assert conversation.status == Status.CLOSED


def test_waiting_conversation_opens_when_the_customer_answers(tenants, channel):
    conversation = receive(channel, "a").conversation
    services.message_send(
        conversation=conversation, acting=tenants.agent_a, text="شماره سفارش؟", status=Status.WAITING
    )
    assert conversation.status == Status.WAITING and conversation.replies_count == 1
    receive(channel, "b", text="۱۲۳۴۵")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN and conversation.inbound_count == 2
    assert conversation.awaiting_reply_since is not None


def test_reply_needs_text_and_permission_and_notes_are_never_sent(tenants, channel):
    conversation = receive(channel, "a").conversation
    with pytest.raises(ValidationError) as error:
        services.message_send(conversation=conversation, acting=tenants.agent_a, text="  ")
    assert "text" in error.value.message_dict
    for role in (Role.ANALYST, Role.MARKETER):
        with pytest.raises(PermissionDenied):
            services.message_send(conversation=conversation, acting=tenants.by_role[role], text="سلام")
    with pytest.raises(PermissionDenied):
        services.message_send(conversation=conversation, acting=tenants.outsider_b, text="سلام")
    supervisor = tenants.by_role[Role.SUPERVISOR]
    note = services.note_add(
        conversation=conversation, acting=tenants.agent_a, text="@سرپرست ببین", mentions=[supervisor]
    )
    assert note.direction == Direction.NOTE and note.outbox is None
    assert supervisor in conversation.participants.all()
    assert not OutboxMessage.objects.exists()
    with pytest.raises(ValidationError):
        services.note_add(
            conversation=conversation, acting=tenants.agent_a, text="x", mentions=[tenants.outsider_b]
        )


def test_agents_take_free_conversations_but_only_supervisors_reassign(tenants, channel):
    conversation = receive(channel, "a").conversation
    agent, supervisor = tenants.agent_a, tenants.by_role[Role.SUPERVISOR]
    services.conversation_assign(conversation=conversation, assignee=agent, acting=agent, reason="took it")
    assert conversation.assignee == agent and conversation.assigned_at is not None
    admin = tenants.by_role[Role.ADMIN]
    with pytest.raises(PermissionDenied):
        services.conversation_assign(
            conversation=conversation, assignee=None, acting=tenants.by_role[Role.ANALYST]
        )
    services.conversation_assign(conversation=conversation, assignee=admin, acting=supervisor, reason="VIP")
    assert conversation.assignee == admin and conversation.assignment_reason == "VIP"
    with pytest.raises(PermissionDenied):
        services.conversation_assign(conversation=conversation, assignee=agent, acting=agent)
    with pytest.raises(ValidationError):
        services.conversation_assign(
            conversation=conversation, assignee=tenants.outsider_b, acting=supervisor
        )
    reasons = [e.data["reason"] for e in conversation.events.filter(kind=Event.Kind.ASSIGNED).order_by("pk")]
    assert reasons == ["took it", "VIP"]


def test_update_priority_tags_category(tenants, channel):
    conversation = receive(channel, "a").conversation
    services.conversation_update(
        conversation=conversation,
        acting=tenants.agent_a,
        priority="high",
        category="ارسال",
        tags=["فوری", "فوري", "vip"],
    )
    assert conversation.priority == "high" and conversation.category == "ارسال"
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["vip", "فوری"]
    with pytest.raises(ValidationError) as error:
        services.conversation_update(conversation=conversation, acting=tenants.agent_a, priority="asap")
    assert "priority" in error.value.message_dict


def test_resolving_tells_the_customer_once(tenants, channel):
    conversation = receive(channel, "a").conversation
    services.conversation_status_set(
        conversation=conversation, status=Status.RESOLVED, acting=tenants.agent_a
    )
    notice = conversation.messages.get(direction=Direction.OUTBOUND)
    assert (
        to_persian_digits(str(conversation.number)) in notice.text and notice.outbox.purpose == "notification"
    )
    services.conversation_status_set(conversation=conversation, status=Status.OPEN, acting=tenants.agent_a)
    services.conversation_status_set(
        conversation=conversation, status=Status.RESOLVED, acting=tenants.agent_a
    )
    assert conversation.messages.filter(direction=Direction.OUTBOUND).count() == 2  # once per resolution


def test_events_go_to_subscribed_webhooks_through_the_outbox(tenants, channel):
    endpoint = WebhookEndpoint.objects.create(
        workspace=tenants.ws_a,
        url="http://127.0.0.1:9/hook",
        events=["message.received", "conversation.created"],
    )
    WebhookEndpoint.objects.create(workspace=tenants.ws_b, url="http://127.0.0.1:9/b")
    conversation = receive(channel, "a").conversation
    services.conversation_status_set(conversation=conversation, status=Status.OPEN, acting=tenants.agent_a)
    rows = OutboxMessage.objects.filter(purpose="webhook").order_by("pk")
    assert [row.payload["body"]["event"] for row in rows] == ["conversation.created", "message.received"]
    assert all(row.workspace_id == tenants.ws_a.pk and row.payload["endpoint"] == endpoint.pk for row in rows)
    body = rows[1].payload["body"]
    assert body["data"]["message"]["text"] == "سلام" and json.dumps(body)


def test_an_answer_to_our_message_joins_its_conversation_by_the_providers_id(tenants, channel):
    older = receive(channel, "a").conversation
    started = services.conversation_open(
        workspace=tenants.ws_a, channel=channel, customer=older.customer, acting=tenants.agent_a
    )
    sent = services.message_send(conversation=started, acting=tenants.agent_a, text="سلام، پیگیری سفارش")
    OutboxMessage.objects.filter(pk=sent.outbox_id).update(status="sent", provider_id="<m1@mehvar>")
    answer = InboundMessage(
        external_id="b", identities=(("phone", "09121234567"),), text="ممنون", references=("<m1@mehvar>",)
    )
    assert message_receive(channel=channel, inbound=answer).conversation_id == started.pk
