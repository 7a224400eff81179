"""The periodic scheduler: due jobs are enqueued once per run, even when two workers tick at the same time."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mehvar.ops.models import ScheduledRun
from mehvar.ops.schedule import periodic, periodic_jobs, schedule_tick, scheduled_run_claim
from mehvar.ops.tests import tasks_for_tests

pytestmark = pytest.mark.django_db

HOURLY = "mehvar.ops.tasks.login_failures_prune"
SIX_HOURLY = "mehvar.ops.tasks.task_results_prune"
BUILT_IN = {HOURLY, SIX_HOURLY, "mehvar.ops.tasks.idempotency_keys_prune"}


def enqueued(name: str) -> int:
    return DBTaskResult.objects.filter(task_path=name).count()


def test_built_in_jobs_are_registered():
    jobs = periodic_jobs()
    assert set(jobs) >= BUILT_IN
    assert jobs[HOURLY].every == dt.timedelta(hours=1)


def test_two_ticks_racing_with_the_same_snapshot_enqueue_the_run_once():
    now = timezone.now()
    due_at = now - dt.timedelta(minutes=5)
    ScheduledRun.objects.create(name=HOURLY, next_run_at=due_at)
    job = periodic_jobs()[HOURLY]

    # Both workers read the row while it was due, then both try to claim it.
    snapshot_of_worker_1 = ScheduledRun.objects.get(name=HOURLY)
    snapshot_of_worker_2 = ScheduledRun.objects.get(name=HOURLY)
    first = scheduled_run_claim(job=job, seen_next_run_at=snapshot_of_worker_1.next_run_at, now=now)
    second = scheduled_run_claim(job=job, seen_next_run_at=snapshot_of_worker_2.next_run_at, now=now)

    assert (first, second) == (True, False)
    assert enqueued(HOURLY) == 1
    run = ScheduledRun.objects.get(name=HOURLY)
    assert run.next_run_at == due_at + dt.timedelta(hours=1)
    assert run.last_enqueued_at == now


def test_first_tick_enqueues_every_new_job_and_a_second_tick_nothing():
    now = timezone.now()
    assert set(schedule_tick(now=now)) >= BUILT_IN
    assert all(enqueued(name) == 1 for name in BUILT_IN)
    assert schedule_tick(now=now) == []
    # 59 minutes on, only the jobs that run more often than hourly (the outbox sweep, mail polling...) are due
    later = set(schedule_tick(now=now + dt.timedelta(minutes=59)))
    frequent = {name for name, job in periodic_jobs().items() if job.every < dt.timedelta(minutes=59)}
    assert later == frequent
    assert all(enqueued(name) == 1 for name in BUILT_IN)


def test_each_job_runs_at_its_own_interval():
    start = timezone.now()
    schedule_tick(now=start)
    later = set(schedule_tick(now=start + dt.timedelta(hours=1, seconds=1)))
    assert HOURLY in later and SIX_HOURLY not in later
    assert enqueued(HOURLY) == 2 and enqueued(SIX_HOURLY) == 1
    assert SIX_HOURLY in schedule_tick(now=start + dt.timedelta(hours=6, seconds=1))


def test_missed_runs_run_once_not_once_per_interval():
    now = timezone.now()
    ScheduledRun.objects.create(name=HOURLY, next_run_at=now - dt.timedelta(days=3))
    assert HOURLY in schedule_tick(now=now)
    assert enqueued(HOURLY) == 1
    assert ScheduledRun.objects.get(name=HOURLY).next_run_at == now + dt.timedelta(hours=1)
    assert HOURLY not in schedule_tick(now=now + dt.timedelta(seconds=1))


def test_a_shortened_interval_pulls_a_far_next_run_in():
    now = timezone.now()
    ScheduledRun.objects.create(name=HOURLY, next_run_at=now + dt.timedelta(days=30))
    assert HOURLY not in schedule_tick(now=now)
    assert ScheduledRun.objects.get(name=HOURLY).next_run_at == now + dt.timedelta(hours=1)


def test_a_failed_enqueue_leaves_the_run_due(monkeypatch):
    now = timezone.now()
    ScheduledRun.objects.create(name=HOURLY, next_run_at=now - dt.timedelta(seconds=1))
    job = periodic_jobs()[HOURLY]

    def refuse(*args, **kwargs):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(type(job.task.get_backend()), "enqueue", refuse)
    with pytest.raises(RuntimeError):
        scheduled_run_claim(job=job, seen_next_run_at=now - dt.timedelta(seconds=1), now=now)
    assert ScheduledRun.objects.get(name=HOURLY).next_run_at == now - dt.timedelta(seconds=1)


def test_periodic_only_takes_tasks_without_required_arguments():
    with pytest.raises(TypeError, match="above @task"):
        periodic(every=dt.timedelta(hours=1))(tasks_for_tests.needs_argument.func)
    with pytest.raises(TypeError, match="must not require arguments"):
        periodic(every=dt.timedelta(hours=1))(tasks_for_tests.needs_argument)
    with pytest.raises(ValueError):
        periodic(every=dt.timedelta(0))
    assert "mehvar.ops.tests.tasks_for_tests.needs_argument" not in periodic_jobs()
