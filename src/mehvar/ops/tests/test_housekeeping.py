"""The built-in periodic jobs forget what is no longer needed, and nothing more."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mehvar.accounts.models import LoginFailure
from mehvar.ops import services
from mehvar.ops.models import WorkerHeartbeat
from mehvar.ops.tasks import login_failures_prune, ping, task_results_prune
from mehvar.ops.tests.conftest import run_waiting_tasks

pytestmark = pytest.mark.django_db


def test_login_failures_older_than_four_windows_are_pruned(settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    now = timezone.now()
    old = LoginFailure.objects.create(email="a@a.test", created_at=now - dt.timedelta(seconds=3601))
    recent = LoginFailure.objects.create(email="a@a.test", created_at=now - dt.timedelta(seconds=3500))
    assert services.login_failures_prune(now=now) == 1
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not LoginFailure.objects.filter(pk=old.pk).exists()


def test_the_login_failures_task_runs_in_the_worker():
    LoginFailure.objects.create(email="a@a.test", created_at=timezone.now() - dt.timedelta(days=2))
    result = login_failures_prune.enqueue()
    run_waiting_tasks()
    result.refresh()
    assert result.status == "SUCCESSFUL" and result.return_value == 1
    assert LoginFailure.objects.count() == 0


def test_finished_task_results_older_than_14_days_are_pruned():
    now = timezone.now()
    for _ in range(3):
        ping.enqueue(workspace_id=1)
    run_waiting_tasks()
    old, recent, _third = DBTaskResult.objects.all()
    DBTaskResult.objects.filter(pk=old.pk).update(finished_at=now - dt.timedelta(days=15))
    DBTaskResult.objects.filter(pk=recent.pk).update(finished_at=now - dt.timedelta(days=13))
    waiting = ping.enqueue(workspace_id=1)  # not finished: kept, however old
    DBTaskResult.objects.filter(pk=waiting.id).update(enqueued_at=now - dt.timedelta(days=30))

    assert services.task_results_prune(now=now) == 1
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
    assert DBTaskResult.objects.filter(pk=waiting.id).exists()
    assert DBTaskResult.objects.count() == 3


def test_the_task_results_task_runs_in_the_worker():
    result = task_results_prune.enqueue()
    run_waiting_tasks()
    result.refresh()
    assert result.status == "SUCCESSFUL"


def test_idempotency_keys_task_calls_the_api_prune():
    pytest.importorskip("mehvar.api.services")
    from mehvar.ops.tasks import idempotency_keys_prune

    result = idempotency_keys_prune.enqueue()
    run_waiting_tasks()
    result.refresh()
    assert result.status == "SUCCESSFUL", result.errors


def test_heartbeat_creates_then_updates_one_row_and_forgets_long_silent_workers():
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="gone", hostname="h", pid=1, started_at=now, beat_at=now - dt.timedelta(days=1)
    )
    for seconds in (0, 10):
        services.worker_heartbeat_beat(
            worker_id="w1", hostname="host", pid=42, started_at=now, now=now + dt.timedelta(seconds=seconds)
        )
    beat = WorkerHeartbeat.objects.get()
    assert (beat.worker_id, beat.pid, beat.started_at) == ("w1", 42, now)
    assert beat.beat_at == now + dt.timedelta(seconds=10)
    services.worker_heartbeat_delete(worker_id="w1")
    assert not WorkerHeartbeat.objects.exists()
