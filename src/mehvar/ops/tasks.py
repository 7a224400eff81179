"""The ops app's background tasks: housekeeping jobs that run periodically, and a ping to test the worker."""

import datetime as dt
import os
import socket

from django.utils import timezone
from django_tasks import task

from mehvar.ops import services
from mehvar.ops.schedule import periodic


@task()
def ping(*, workspace_id: int | None = None) -> dict[str, object]:
    """Prove the worker runs tasks: the result says which process ran it."""
    return {
        "pong": True,
        "workspace_id": workspace_id,
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "at": timezone.now().isoformat(),
    }


@periodic(every=dt.timedelta(hours=1))
@task()
def login_failures_prune() -> int:
    return services.login_failures_prune(now=timezone.now())


@periodic(every=dt.timedelta(hours=6))
@task()
def task_results_prune() -> int:
    return services.task_results_prune(now=timezone.now())


@periodic(every=dt.timedelta(hours=1))
@task()
def idempotency_keys_prune() -> int | None:
    # Imported here: the idempotency store belongs to the API app; importing this module must not need it.
    from mehvar.api.services import idempotency_prune

    deleted = idempotency_prune()
    return deleted if isinstance(deleted, int) else None
