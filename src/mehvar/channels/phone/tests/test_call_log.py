"""Logging calls: customer by number, the call as a conversation on the phone channel, the timeline."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mehvar.channels.models import Channel
from mehvar.channels.phone.cleaning import parse_duration
from mehvar.channels.phone.services import call_log
from mehvar.conversations import services as conversation_services
from mehvar.conversations.models import Conversation, Direction, Status
from mehvar.core.roles import Role
from mehvar.customers.models import Activity, Customer, Identity
from mehvar.customers.services import customer_create
from mehvar.testing import login

pytestmark = pytest.mark.django_db


def test_an_answered_incoming_call_finds_the_customer_by_a_persian_number(tenants):
    known = customer_create(acting=tenants.owner_a, first_name="رضا", last_name="نوری", phone="+989121234567")
    logged = call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="inbound",
        outcome="answered",
        duration="۳:۰۵",
        phone="۰۹۱۲ ۱۲۳ ۴۵۶۷",
        recording_url="https://pbx.example/rec/881.mp3",
        notes="پیگیری سفارش ۱۲۳۴؛ قرار شد فردا ارسال شود.",
    )
    assert not logged.customer_created and logged.conversation.customer_id == known.pk
    channel = logged.conversation.channel
    assert channel.kind == "phone" and channel.workspace_id == tenants.ws_a.pk  # made on first use
    message = logged.message
    assert message.direction == Direction.INBOUND and message.outbox_id is None
    assert message.text.startswith("پیگیری سفارش")
    assert message.data["call"] == {
        "direction": "inbound",
        "outcome": "answered",
        "duration_seconds": 185,
        "text": "پیگیری سفارش 1234؛ قرار شد فردا ارسال شود.",  # normalised: ASCII digits inside
        "recording_url": "https://pbx.example/rec/881.mp3",
        "phone": "+989121234567",
        "agent": tenants.agent_a.pk,
        "conversation": logged.conversation.number,
    }
    conversation = Conversation.objects.get(pk=logged.conversation.pk)
    assert conversation.status == Status.OPEN and conversation.inbound_count == 1
    assert conversation.first_response_at is not None and conversation.awaiting_reply_since is None
    assert conversation.assignee_id == tenants.agent_a.pk  # the agent who answered takes it
    activity = logged.activity
    assert activity.kind == "call" and activity.channel == "phone" and activity.record_id == str(message.pk)
    assert activity.data["duration_seconds"] == 185 and activity.data["direction"] == "inbound"
    assert Activity.objects.filter(customer=known).count() == 1  # one call, one entry (no "message" twice)
    known.refresh_from_db()
    assert known.last_contact_at is not None


def test_an_unknown_number_becomes_a_customer_and_a_missed_call_waits_for_a_call_back(tenants):
    logged = call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="inbound",
        outcome="no_answer",
        duration=0,
        phone="0935 111 2233",
    )
    assert logged.customer_created
    assert Identity.objects.filter(
        customer=logged.conversation.customer, kind="phone", value="+989351112233"
    ).exists()
    conversation = Conversation.objects.get(pk=logged.conversation.pk)
    assert conversation.status == Status.NEW and conversation.awaiting_reply_since is not None
    assert conversation.first_response_at is None
    assert logged.message.text  # a readable summary when there are no notes


def test_an_outgoing_call_is_an_outbound_message_never_sent_and_joins_the_open_conversation(tenants):
    customer = customer_create(acting=tenants.owner_a, first_name="مینا", phone="09121112233")
    first = call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="outbound",
        outcome="busy",
        duration="0",
        customer=customer,
    )
    assert first.message.direction == Direction.OUTBOUND and first.message.outbox_id is None
    assert first.message.author_id == tenants.agent_a.pk
    conversation = Conversation.objects.get(pk=first.conversation.pk)
    assert conversation.replies_count == 0 and conversation.status == Status.NEW  # nobody reached
    second = call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="outbound",
        outcome="answered",
        duration=240,
        customer=customer,
    )
    assert second.conversation.pk == first.conversation.pk and not second.conversation_opened
    conversation.refresh_from_db()
    assert conversation.replies_count == 1 and conversation.status == Status.OPEN
    assert Channel.objects.filter(workspace=tenants.ws_a, kind="phone").count() == 1

    conversation_services.conversation_status_set(
        conversation=conversation, status="resolved", acting=tenants.agent_a
    )
    third = call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="inbound",
        outcome="answered",
        duration=30,
        customer=customer,
    )
    assert third.conversation_opened and third.conversation.pk != conversation.pk


def test_a_past_call_keeps_its_time_given_in_jalali(tenants):
    logged = call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="outbound",
        outcome="answered",
        duration="1:00",
        phone="09121234567",
        started_at="1404/01/15 10:30",
    )
    expected = dt.datetime(2025, 4, 4, 7, 0, tzinfo=dt.UTC)  # 10:30 in Tehran
    assert logged.message.created_at == expected and logged.activity.occurred_at == expected


def test_every_wrong_field_is_named_at_once(tenants):
    with pytest.raises(ValidationError) as error:
        call_log(
            workspace=tenants.ws_a,
            acting=tenants.agent_a,
            direction="sideways",
            outcome="exploded",
            duration="3:75",
            phone="12",
            recording_url="javascript:alert(1)",
            notes="ی" * 10_001,
            agent=tenants.outsider_b,
            started_at="فردا",
        )
    assert set(error.value.message_dict) == {
        "direction",
        "outcome",
        "duration",
        "phone",
        "recording_url",
        "notes",
        "agent",
        "started_at",
    }
    assert not Conversation.objects.filter(workspace=tenants.ws_a).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": ""}, "phone"),
        ({"duration": 100_000}, "duration"),
        ({"duration": -1}, "duration"),
        ({"duration": True}, "duration"),
        ({"recording_url": "ftp://pbx.example/1.mp3"}, "recording_url"),
        ({"recording_url": "https://" + "a" * 500 + ".example"}, "recording_url"),
        ({"started_at": timezone.now() + dt.timedelta(hours=2)}, "started_at"),
        ({"started_at": dt.datetime(2025, 1, 1, 10, 0)}, "started_at"),  # naive on purpose
    ],
)
def test_one_wrong_field(tenants, fields, field):
    arguments = {
        "direction": "inbound",
        "outcome": "answered",
        "duration": 10,
        "phone": "09121234567",
        **fields,
    }
    with pytest.raises(ValidationError) as error:
        call_log(workspace=tenants.ws_a, acting=tenants.agent_a, **arguments)
    assert list(error.value.message_dict) == [field]


def test_another_workspaces_customer_is_refused_naming_the_customer(tenants):
    theirs = customer_create(acting=tenants.outsider_b, first_name="بیرونی", phone="09120000000")
    with pytest.raises(ValidationError) as error:
        call_log(
            workspace=tenants.ws_a,
            acting=tenants.agent_a,
            direction="inbound",
            outcome="answered",
            duration=5,
            customer=theirs,
        )
    assert list(error.value.message_dict) == ["customer"]


def test_durations_in_every_common_shape():
    assert [parse_duration(v) for v in (185, "185", "۱۸۵", "3:05", "۰۳:۰۵", "1:02:03", "0:00")] == [
        185,
        185,
        185,
        185,
        185,
        3723,
        0,
    ]
    for bad in ("3:5", "1:60:00", "abc", "", "3.5", 86_401):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_who_may_log_calls(tenants):
    arguments = {"direction": "inbound", "outcome": "answered", "duration": 10, "phone": "09121234567"}
    with pytest.raises(PermissionDenied):
        call_log(workspace=tenants.ws_a, acting=tenants.by_role[Role.ANALYST], **arguments)
    with pytest.raises(PermissionDenied):
        call_log(workspace=tenants.ws_a, acting=tenants.outsider_b, **arguments)
    assert not Customer.objects.filter(workspace=tenants.ws_a).exists()


def test_a_workspace_whose_phone_channel_is_off_cannot_log_calls(tenants):
    Channel.objects.create(workspace=tenants.ws_a, kind="phone", name="خط تلفن", enabled=False)
    with pytest.raises(ValidationError) as error:
        call_log(
            workspace=tenants.ws_a,
            acting=tenants.agent_a,
            direction="inbound",
            outcome="answered",
            duration=10,
            phone="09121234567",
        )
    assert list(error.value.message_dict) == ["channel"]
    assert not Customer.objects.filter(workspace=tenants.ws_a).exists()  # all or nothing


def test_an_existing_phone_channel_is_used_and_a_name_clash_is_avoided(tenants):
    Channel.objects.create(workspace=tenants.ws_a, kind="api", name="Phone")
    with_clash = call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="inbound",
        outcome="answered",
        duration=1,
        phone="09121234567",
    )
    assert with_clash.conversation.channel.kind == "phone" and with_clash.conversation.channel.name != "Phone"


def test_the_call_shows_on_the_customer_page(client, tenants):
    logged = call_log(
        workspace=tenants.ws_a,
        acting=tenants.agent_a,
        direction="outbound",
        outcome="answered",
        duration=65,
        phone="09121234567",
        notes="تماس برای هماهنگی تحویل",
    )
    login(client, tenants.agent_a)
    page = client.get(f"/w/shop-a/customers/{logged.conversation.customer_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "تماس برای هماهنگی تحویل" in html and 'data-kind="call"' in html
