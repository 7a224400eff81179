"""Reliability (issue 4): SIGKILL the worker in the middle of a batch; a new worker finishes the job.

200 SMS are queued to the gateway peer, which answers slowly (20 ms). A real ``mehvar worker`` process
sends them; when the 60th new message reaches the gateway the peer holds its answer, and the test kills
the worker with SIGKILL right then: that row stays "sending", claimed by a dead process, and the gateway
has the message although the worker never heard so. A second worker, with a short lease
(``OUTBOX_LEASE_SECONDS=2`` through the environment), sends the rest; its periodic outbox sweep reclaims
the dead worker's row after the lease and sends it again with the same idempotency key, which the gateway
(like real ones with their client message ids) answers with the first message's id without sending it
again. Every message reaches the peer, none twice, by key and by content.
"""

import collections
import signal

import pytest
from django.db import transaction

from mehvar.channels.models import Channel, OutboxMessage
from mehvar.channels.outbox import outbox_enqueue
from mehvar.channels.testing.peers import ProviderPeer
from mehvar.core.models import Workspace
from mehvar.ops.tests.conftest import WorkerProcess

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

COUNT = 200
HOLD_AT = 60


@pytest.fixture
def workers(tmp_path):
    started: list[WorkerProcess] = []

    def start(name: str, *args: str) -> WorkerProcess:
        folder = tmp_path / name
        folder.mkdir()
        process = WorkerProcess(folder, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


def text_of(number: int) -> str:
    return f"مشتری گرامی، سفارش شماره {number} ارسال شد."


def sent_count() -> int:
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count()


def test_a_killed_worker_loses_nothing_and_the_gateway_records_nothing_twice(workers, monkeypatch):
    with ProviderPeer(delay=0.02) as peer:
        workspace = Workspace.objects.create(name="فروشگاه", slug="shop")
        channel = Channel.objects.create(
            workspace=workspace, kind="sms", name="پیامک", config=peer.sms_config(timeout_seconds=30)
        )
        with transaction.atomic():  # one send task per row, enqueued when this commits
            for number in range(COUNT):
                outbox_enqueue(
                    workspace=workspace,
                    channel=channel,
                    to=f"+98912{number:07d}",
                    payload={"text": text_of(number)},
                    idempotency_key=f"kill-test:{number}",
                    purpose="notification",
                )
        peer.hold_at = HOLD_AT

        first = workers("first", "--interval", "0.05")
        first.wait_until(
            lambda: peer.held.is_set(), timeout=120, what=f"message {HOLD_AT} to reach the gateway"
        )
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL

        held = peer.held_record
        assert held is not None
        orphan = OutboxMessage.objects.get(workspace=workspace, to="+98" + held.receptor.removeprefix("0"))
        assert (
            orphan.status == OutboxMessage.Status.SENDING and orphan.claimed_at is not None
        )  # killed mid-send
        assert sent_count() < COUNT
        peer.release.set()  # the gateway answers a worker that is gone

        monkeypatch.setenv("OUTBOX_LEASE_SECONDS", "2")
        second = workers("second", "--interval", "0.05")
        second.wait_until(lambda: sent_count() == COUNT, timeout=180, what="every message to be sent")
        assert second.stop(signal.SIGTERM) == 0, second.output

        records = list(peer.sms_messages)
        keys = collections.Counter(record.client_id for record in records)
        texts = collections.Counter(record.message for record in records)
        assert len(records) == COUNT
        assert set(keys) == {f"kill-test:{number}" for number in range(COUNT)}
        assert max(keys.values()) == 1 and max(texts.values()) == 1
        assert set(texts) == {text_of(number) for number in range(COUNT)}
        assert peer.sms_requests > COUNT  # the orphan was sent again, and the gateway dropped the repeat

        orphan.refresh_from_db()
        assert orphan.status == OutboxMessage.Status.SENT and orphan.provider_id == str(held.id)
        assert orphan.attempts >= 2
        rows = OutboxMessage.objects.filter(workspace=workspace)
        assert not rows.exclude(status=OutboxMessage.Status.SENT).exists()
        by_key = {record.client_id: str(record.id) for record in records}
        assert all(
            by_key[key] == provider_id
            for key, provider_id in rows.values_list("idempotency_key", "provider_id")
        )
