"""The outbox against the SMS gateway peer, in this process: claim, retry with backoff, lease, idempotency."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from mehvar.channels.base import Outbound
from mehvar.channels.models import Channel, OutboxMessage
from mehvar.channels.outbox import MAX_ATTEMPTS, outbox_enqueue, outbox_send, outbox_sweep
from mehvar.channels.registry import adapter_for
from mehvar.channels.testing.peers import ProviderPeer

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer():
    with ProviderPeer() as running:
        yield running


@pytest.fixture
def channel(tenants, peer) -> Channel:
    return Channel.objects.create(workspace=tenants.ws_a, kind="sms", name="پیامک", config=peer.sms_config())


def queue(channel: Channel, key: str = "notify:1", text: str = "بسته شما تحویل پست شد.") -> OutboxMessage:
    return outbox_enqueue(
        workspace=channel.workspace,
        channel=channel,
        to="+989121234567",
        payload={"text": text},
        idempotency_key=key,
        purpose="notification",
    )


def test_a_queued_message_is_sent_once_and_its_id_recorded(channel, peer):
    row = queue(channel)
    assert queue(channel).pk == row.pk  # the same key finds the same row
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.SENT
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.SENT  # nothing left to claim
    row.refresh_from_db()
    [record] = peer.sms_messages
    assert (row.provider_id, row.attempts, row.last_error) == (str(record.id), 1, "")
    assert peer.sms_requests == 1


def test_a_transient_error_retries_with_backoff_then_sends(channel, peer):
    peer.sms_answers.append((503, {"return": {"status": 503, "message": "maintenance"}}))
    row = queue(channel)
    now = timezone.now()
    assert outbox_send(outbox_id=row.pk, now=now) == OutboxMessage.Status.PENDING
    row.refresh_from_db()
    assert row.attempts == 1 and "HTTP 503" in row.last_error
    assert row.next_attempt_at == now + dt.timedelta(seconds=30)

    assert outbox_sweep(now=now + dt.timedelta(seconds=10)) == 0  # not due yet
    assert outbox_send(outbox_id=row.pk, now=now + dt.timedelta(seconds=31)) == OutboxMessage.Status.SENT
    row.refresh_from_db()
    assert row.attempts == 2 and row.last_error == "" and len(peer.sms_messages) == 1


def test_a_permanent_error_stops_at_once_and_says_why(channel, peer):
    peer.sms_credit = 0
    row = queue(channel)
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.FAILED
    row.refresh_from_db()
    assert row.attempts == 1 and "code 418" in row.last_error


def test_transient_errors_give_up_after_the_last_attempt(channel, peer):
    row = queue(channel)
    now = timezone.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        peer.sms_answers.append((500, {}))
        status = outbox_send(outbox_id=row.pk, now=now)
        row.refresh_from_db()
        assert row.attempts == attempt
        now = row.next_attempt_at
    assert status == OutboxMessage.Status.FAILED
    assert peer.sms_messages == []


@override_settings(OUTBOX_LEASE_SECONDS=60)
def test_a_row_held_by_a_vanished_sender_is_sent_again_with_the_same_key_and_arrives_once(channel, peer):
    row = queue(channel)
    # A sender claimed the row and got it to the gateway, then died before recording the answer.
    claimed_at = timezone.now() - dt.timedelta(seconds=61)
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxMessage.Status.SENDING, claimed_at=claimed_at, attempts=1
    )
    first_id = adapter_for("sms").send(
        channel, Outbound(to=row.to, text="بسته شما تحویل پست شد.", idempotency_key=row.idempotency_key)
    )

    assert outbox_sweep() == 1
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and row.provider_id == first_id and row.attempts == 2
    assert len(peer.sms_messages) == 1 and peer.sms_requests == 2


@override_settings(OUTBOX_LEASE_SECONDS=60)
def test_a_row_another_sender_holds_within_its_lease_is_left_alone(channel, peer):
    row = queue(channel)
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxMessage.Status.SENDING, claimed_at=timezone.now()
    )
    assert outbox_send(outbox_id=row.pk) == OutboxMessage.Status.SENDING
    assert outbox_sweep() == 0
    assert peer.sms_requests == 0
