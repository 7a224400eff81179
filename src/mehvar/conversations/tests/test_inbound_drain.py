"""Inbound webhooks drained in batches (ADR 9): one waiting task per channel, each event in its own
transactions, a bad event never blocks the others, nothing stored twice, and a fixed number of queries per
message (the figure of docs/benchmarks.md, "Inbox, third pass")."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from mehvar.channels import signing
from mehvar.channels.models import Channel, InboundEvent
from mehvar.conversations import inbound_drain
from mehvar.conversations.inbound import inbound_retry_due
from mehvar.conversations.inbound_drain import inbound_drain as drain
from mehvar.conversations.models import Conversation, InboxSettings, Message
from mehvar.conversations.tasks import inbound_drain_task
from mehvar.conversations.tests.logic_support import make_agent, tehran
from mehvar.customers.models import Activity
from mehvar.ops.tests.conftest import run_waiting_tasks

pytestmark = pytest.mark.django_db
SUNDAY_10 = tehran(2025, 6, 15, 10, 0)  # a working day, within business hours


@pytest.fixture
def channel(tenants):
    return Channel.objects.create(workspace=tenants.ws_a, kind="api", name="API")


@pytest.fixture
def at_work(time_machine):
    time_machine.move_to(SUNDAY_10, tick=False)


def post(client, channel, id_, phone="09121234567", text="سلام، سفارشم نرسیده"):
    body = json.dumps(
        {"messages": [{"id": id_, "from": {"phone": phone, "name": "مریم"}, "text": text}]},
        ensure_ascii=False,
    ).encode()
    headers = {"HTTP_X_MEHVAR_SIGNATURE": signing.signature(channel.secret, body)}
    response = client.post(f"/hooks/api/{channel.pk}/", body, content_type="application/json", **headers)
    assert response.status_code == 200
    return InboundEvent.objects.filter(channel=channel).latest("pk")


def waiting_drains(channel):
    return DBTaskResult.objects.ready().filter(
        task_path=inbound_drain_task.module_path, args_kwargs__kwargs__channel_id=channel.pk
    )


def test_webhooks_share_one_waiting_drain_which_stores_each_message_once(
    client, tenants, channel, django_capture_on_commit_callbacks
):
    def committed_post(*args, **kwargs):  # each webhook commits on its own, as it does when served
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, channel, *args, **kwargs)

    first = committed_post("m-1")
    committed_post("m-2", phone="09122222222")
    committed_post("m-1")  # the provider sent it again
    assert waiting_drains(channel).count() == 1
    assert run_waiting_tasks() == 1
    assert not InboundEvent.objects.filter(status=InboundEvent.Status.PENDING).exists()
    assert Message.objects.filter(channel=channel).count() == 2
    assert Conversation.objects.filter(channel=channel).count() == 2
    assert Activity.objects.filter(kind="message").count() == 2
    first.refresh_from_db()
    assert first.attempts == 1 and first.result["messages"] == [Message.objects.get(external_id="m-1").pk]
    committed_post("m-3")  # the drain has run: a new one waits
    assert waiting_drains(channel).count() == 1


def test_one_bad_event_never_blocks_the_others(client, tenants, channel, monkeypatch):
    good = post(client, channel, "m-1")
    unreadable = InboundEvent.objects.create(
        workspace=tenants.ws_a, channel=channel, content_type="application/json", body=b'{"mesages": []}'
    )
    broken = post(client, channel, "m-2", phone="09122222222")
    last = post(client, channel, "m-3", phone="09123333333")
    apply = inbound_drain.inbound_event_apply

    def fails_on_broken(*, event, channel, **kwargs):
        if event.pk == broken.pk:
            raise RuntimeError("a bug in one event's processing")
        return apply(event=event, channel=channel, **kwargs)

    monkeypatch.setattr(inbound_drain, "inbound_event_apply", fails_on_broken)
    assert drain(channel_id=channel.pk, workspace_id=tenants.ws_a.pk) == {
        "processed": 2,
        "failed": 2,
        "more": False,
    }
    statuses = dict(InboundEvent.objects.values_list("pk", "status"))
    assert statuses[good.pk] == statuses[last.pk] == InboundEvent.Status.PROCESSED
    assert statuses[unreadable.pk] == InboundEvent.Status.FAILED
    broken.refresh_from_db()
    assert broken.status == InboundEvent.Status.PENDING and broken.attempts == 1
    # a drain does not take it again; the minute retry does
    assert drain(channel_id=channel.pk, workspace_id=tenants.ws_a.pk)["processed"] == 0
    monkeypatch.undo()
    InboundEvent.objects.filter(pk=broken.pk).update(received_at=broken.received_at.replace(year=2020))
    assert inbound_retry_due() == 1
    assert Message.objects.filter(external_id="m-2").count() == 1


def test_two_drains_of_one_channel_take_different_events(client, channel):
    events = [post(client, channel, f"m-{n}", phone=f"0912000000{n}") for n in range(5)]
    first = inbound_drain._claim(channel, 3)
    second = inbound_drain._claim(channel, 3)
    assert [e.pk for e in first] == [e.pk for e in events[:3]]
    assert [e.pk for e in second] == [e.pk for e in events[3:]]
    assert inbound_drain._claim(channel, 3) == []
    assert set(InboundEvent.objects.values_list("attempts", flat=True)) == {1}


def test_a_drain_hands_over_after_its_limit(
    client, tenants, channel, monkeypatch, django_capture_on_commit_callbacks
):
    for n in range(3):
        post(client, channel, f"m-{n}", phone=f"0912000000{n}")
    monkeypatch.setattr(inbound_drain, "CLAIM", 1)
    monkeypatch.setattr(inbound_drain, "BATCH_MAX_EVENTS", 2)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = drain(channel_id=channel.pk, workspace_id=tenants.ws_a.pk)
    assert outcome == {"processed": 2, "failed": 0, "more": True}
    assert waiting_drains(channel).count() == 1  # the rest waits behind the tasks already queued
    assert run_waiting_tasks() == 1
    assert Message.objects.filter(channel=channel).count() == 3


def test_a_drain_stays_in_its_workspace(client, tenants, channel):
    post(client, channel, "m-1")
    assert drain(channel_id=channel.pk, workspace_id=tenants.ws_b.pk) == {
        "processed": 0,
        "failed": 0,
        "more": False,
    }
    assert InboundEvent.objects.get().status == InboundEvent.Status.PENDING


def test_settings_are_read_once_per_round_and_again_for_the_next(client, tenants, channel, at_work):
    make_agent(tenants.ws_a, "Sara")
    for n in range(3):
        post(client, channel, f"m-{n}", phone=f"0912000000{n}")
    with CaptureQueriesContext(connection) as round_of_three:
        drain(channel_id=channel.pk, workspace_id=tenants.ws_a.pk)
    reads = [q for q in round_of_three.captured_queries if 'FROM "conversations_inboxsettings"' in q["sql"]]
    assert len(reads) == 1
    # a setting changed after a round applies to the next one
    InboxSettings.objects.filter(workspace=tenants.ws_a).update(auto_assign=False)
    post(client, channel, "m-9", phone="09120000009")
    drain(channel_id=channel.pk, workspace_id=tenants.ws_a.pk)
    assert Message.objects.get(external_id="m-9").conversation.assignee_id is None
    assert Message.objects.get(external_id="m-0").conversation.assignee_id is not None


# --- Queries per message ----------------------------------------------------------------------------------
# Committed for real (no test transaction: no savepoints that production does not take) with the routing
# pool kept, as deployed; an agent with room; no SLA policies, rules or endpoints. A drain reads the
# channel, then per round of claimed events: the claim (2), the inbox settings, automation rules and
# webhook endpoints (3; SLA policies too when a conversation opens), the round's events marked processed
# (1), and the empty claim that ends it (1). Per message, a new customer: the duplicate check, customer
# resolution (the identity with its customer, the primary contact; savepoint, customer, identity, audit,
# release: 7), the conversation (number, row, CREATED event: 3), the message, the timeline (activity, the
# customer's moments: 2) and routing (confirm, the row locked, assigned, ASSIGNED event, the agent's last
# assignment: 5): 19. The customer's next message, into their open conversation (assigned already): the
# duplicate check, the customer by their identity, the conversation locked, message, conversation,
# activity, moments: 7.
DRAIN = 1 + 2 + 3 + 1 + 1
NEW_CUSTOMER = 19
FOLLOW_UP = 7


@pytest.mark.django_db(transaction=True)
def test_the_queries_per_inbound_message_are_pinned(client, tenants, channel, at_work, settings):
    from django.contrib.contenttypes.models import ContentType

    from mehvar.conversations.routing_pool import pool_for_arrival

    settings.MEHVAR_ROUTING_POOL_SECONDS = 600
    make_agent(tenants.ws_a, "Sara", capacity=50, shift={"1": ["08:00", "17:00"]})  # Sundays
    InboxSettings.objects.get_or_create(workspace=tenants.ws_a)
    ContentType.objects.get_for_model(Message)  # the timeline's record type, cached by the process
    pool_for_arrival(workspace=tenants.ws_a, now=SUNDAY_10, fresh=True)  # kept, as between arrivals

    def queries(*ids, phone=None):
        for n, id_ in enumerate(ids):
            post(client, channel, id_, phone=phone or f"0912100{n:04d}")
        with CaptureQueriesContext(connection) as done:
            assert drain(channel_id=channel.pk, workspace_id=tenants.ws_a.pk)["processed"] == len(ids)
        # SQLite's BEGIN and COMMIT are statements; PostgreSQL's are not: not counted
        return sum(1 for query in done.captured_queries if not query["sql"].startswith(("BEGIN", "COMMIT")))

    assert queries("m-0", phone="09120000000") == DRAIN + 1 + NEW_CUSTOMER  # + the SLA policies
    assert queries("m-1", phone="09120000000") == DRAIN + FOLLOW_UP
    assert queries(*[f"r-{n}" for n in range(10)]) == DRAIN + 1 + 10 * NEW_CUSTOMER
    assert Conversation.objects.filter(channel=channel, assignee__isnull=False).count() == 11


def test_a_message_id_longer_than_the_timeline_column_is_kept_whole_and_stored_once(client, tenants, channel):
    """The API channel takes ids of up to 200 characters; the timeline's external id holds 128: it keeps the
    long ones by their digest (cutting them could make two messages one), and a replay stores nothing."""
    long_id = "thread-" + "x" * 150 + "-part-1"
    other = "thread-" + "x" * 150 + "-part-2"  # the same first 128 characters
    post(client, channel, long_id)
    post(client, channel, other, phone="09122222222")
    post(client, channel, long_id)
    drain(channel_id=channel.pk, workspace_id=tenants.ws_a.pk)
    messages = Message.objects.filter(channel=channel)
    assert set(messages.values_list("external_id", flat=True)) == {long_id, other}
    stored = list(Activity.objects.filter(kind="message").values_list("external_id", flat=True))
    assert len(stored) == 2 and len(set(stored)) == 2
    assert all(value.startswith("sha256:") and len(value) <= 128 for value in stored)
