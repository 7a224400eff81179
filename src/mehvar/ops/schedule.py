"""A small scheduler for periodic jobs, which django-tasks does not have.

Declare a job by putting ``@periodic(every=...)`` above ``@task()``::

    @periodic(every=timedelta(hours=1))
    @task()
    def login_failures_prune() -> int: ...

Each worker calls :func:`schedule_tick` every few seconds (from its heartbeat thread). A job's next due time
lives in one ``ScheduledRun`` row; a worker that finds it due *claims* the run with a conditional UPDATE
(``WHERE name = ... AND next_run_at = <the value it read>``) and enqueues the task only when its UPDATE
changed the row. With several workers on one database, exactly one of them enqueues each run.

Periodic tasks take no arguments. A missed run (no worker was up) runs once when a worker comes back, not once
per missed interval.
"""

import datetime as dt
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks.base import Task

from mehvar.ops.models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    task: Task
    every: dt.timedelta

    @property
    def name(self) -> str:
        return self.task.module_path


_jobs: dict[str, PeriodicJob] = {}
_discovered = False


def periodic(*, every: dt.timedelta) -> Callable[[Task], Task]:
    """Register a task (decorated with ``django_tasks.task``) to run every ``every``."""
    if every < dt.timedelta(seconds=1):
        raise ValueError("a periodic job must run at most once a second")

    def register(task: Task) -> Task:
        if not isinstance(task, Task):
            raise TypeError("put @periodic above @task(): it schedules a task, not a plain function")
        required = [
            p
            for p in inspect.signature(task.func).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if required:
            raise TypeError(f"periodic task {task.module_path} must not require arguments")
        job = PeriodicJob(task=task, every=every)
        _jobs[job.name] = job
        return task

    return register


def periodic_jobs() -> dict[str, PeriodicJob]:
    """Every registered job, after importing each installed app's ``tasks`` module once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    return dict(_jobs)


def _next_run_after(*, job: PeriodicJob, due_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    following = due_at + job.every
    return following if following > now else now + job.every


def scheduled_run_claim(*, job: PeriodicJob, seen_next_run_at: dt.datetime, now: dt.datetime) -> bool:
    """Claim the run due at ``seen_next_run_at`` and enqueue it; False if another worker got it first.

    The claim and the task row are written in one transaction: if enqueueing fails, the run stays due.
    """
    with transaction.atomic():
        claimed = ScheduledRun.objects.filter(name=job.name, next_run_at=seen_next_run_at).update(
            next_run_at=_next_run_after(job=job, due_at=seen_next_run_at, now=now), last_enqueued_at=now
        )
        if claimed != 1:
            return False
        job.task.enqueue()
    return True


def schedule_tick(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every periodic job that is due; return the names this call enqueued."""
    now = now or timezone.now()
    jobs = periodic_jobs()
    if not jobs:
        return []
    runs = {run.name: run for run in ScheduledRun.objects.filter(name__in=jobs)}
    missing = [name for name in jobs if name not in runs]
    if missing:  # a new job is due at once; another worker may be creating the same rows
        ScheduledRun.objects.bulk_create(
            [ScheduledRun(name=name, next_run_at=now) for name in missing], ignore_conflicts=True
        )
        runs = {run.name: run for run in ScheduledRun.objects.filter(name__in=jobs)}
    enqueued = []
    for name, run in runs.items():
        job = jobs[name]
        if run.next_run_at > now + job.every:  # the interval was shortened in code: pull the next run in
            ScheduledRun.objects.filter(name=name, next_run_at=run.next_run_at).update(
                next_run_at=now + job.every
            )
        elif run.next_run_at <= now and scheduled_run_claim(
            job=job, seen_next_run_at=run.next_run_at, now=now
        ):
            logger.info("Enqueued periodic job %s", name)
            enqueued.append(name)
    return enqueued
