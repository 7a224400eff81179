"""The real thing: `mehvar worker` as a separate process runs tasks, beats, schedules and stops cleanly."""

import signal

import pytest
from django_tasks_db.models import DBTaskResult

from mehvar.core.models import Workspace
from mehvar.ops.models import ScheduledRun, WorkerHeartbeat
from mehvar.ops.tasks import ping
from mehvar.ops.tests.tasks_for_tests import explode

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def status(result_id) -> str:
    return DBTaskResult.objects.get(pk=result_id).status


def test_worker_runs_tasks_beats_schedules_and_stops_on_sigterm(worker_process):
    workspace = Workspace.objects.create(name="فروشگاه", slug="shop")
    pong = ping.enqueue(workspace_id=workspace.pk)
    failing = explode.enqueue(workspace_id=workspace.pk, reason="کالا پیدا نشد")

    worker = worker_process("--interval", "0.1")
    worker.wait_until(lambda: status(pong.id) == "SUCCESSFUL", what="the ping task to finish")
    worker.wait_until(lambda: status(failing.id) == "FAILED", what="the failing task to be recorded")
    worker.wait_until(WorkerHeartbeat.objects.exists, what="the heartbeat")

    pong.refresh()
    assert pong.return_value["pong"] is True
    assert pong.return_value["workspace_id"] == workspace.pk
    assert pong.return_value["pid"] == worker.process.pid  # it ran in the worker, not here
    failed = DBTaskResult.objects.get(pk=failing.id)
    assert failed.exception_class_path.endswith("ShipmentLost") and "کالا پیدا نشد" in failed.traceback
    beat = WorkerHeartbeat.objects.get()
    assert beat.pid == worker.process.pid
    assert ScheduledRun.objects.filter(name="mehvar.ops.tasks.login_failures_prune").exists()

    assert worker.stop(signal.SIGTERM) == 0, worker.output
    assert not WorkerHeartbeat.objects.exists()  # a clean stop says goodbye


def test_ctrl_c_stops_an_idle_worker_cleanly(worker_process):
    worker = worker_process("--interval", "0.1", "--no-schedule")
    worker.wait_until(WorkerHeartbeat.objects.exists, what="the heartbeat")
    assert worker.stop(signal.SIGINT) == 0, worker.output
    assert not WorkerHeartbeat.objects.exists()


def test_batch_runs_what_is_waiting_then_exits(worker_process):
    results = [ping.enqueue(workspace_id=1) for _ in range(3)]
    worker = worker_process("--batch", "--no-schedule")
    assert worker.process.wait(60) == 0, worker.output
    assert [status(r.id) for r in results] == ["SUCCESSFUL"] * 3
    assert not WorkerHeartbeat.objects.exists()


def test_max_tasks_stops_after_that_many(worker_process):
    results = [ping.enqueue(workspace_id=1) for _ in range(3)]
    worker = worker_process("--max-tasks", "2", "--no-schedule", "--interval", "0.1")
    assert worker.process.wait(60) == 0, worker.output
    assert sorted(status(r.id) for r in results) == ["READY", "SUCCESSFUL", "SUCCESSFUL"]


def _idle_worker():
    from mehvar.ops.management.commands.worker import GracefulWorker
    from mehvar.ops.tests.conftest import new_worker

    return new_worker(GracefulWorker, batch=False, interval=0.1, worker_id="test-worker")


@pytest.mark.django_db(transaction=False)
def test_a_first_signal_never_exits_mid_statement_a_second_aborts():
    """The library exits from the signal handler when no task runs, even inside its claim transaction (a
    SIGTERM during that COMMIT ended the process with an error); ours only ends the loop."""
    worker = _idle_worker()
    worker.shutdown(signal.SIGTERM, None)  # no SystemExit here: the statement under way finishes
    assert worker.running is False
    worker.run()  # the loop sees it is stopped and returns without claiming anything
    with pytest.raises(SystemExit) as aborted:
        worker.shutdown(signal.SIGTERM, None)
    assert aborted.value.code == 1
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
