"""Enqueue background tasks only once the surrounding transaction has committed.

A task enqueued inside a transaction that later rolls back would run against rows that never existed
(and, with the database backend, the task row itself would vanish with the rollback anyway). django-tasks
0.12 has no ENQUEUE_ON_COMMIT setting, so every caller goes through :func:`enqueue_on_commit`.

Tasks that concern one workspace take ``workspace_id`` as a keyword argument: that is how a failed task is
shown to that workspace's admins (see mehvar.ops.selectors).
"""

from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.base import Task
from django_tasks.utils import normalize_json


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` when the current transaction commits (at once outside one).

    Arguments are checked now, so that a value the backend cannot store fails in the caller, not after commit.
    """
    if not isinstance(task, Task):
        raise TypeError(f"{task!r} is not a task: decorate it with django_tasks.task")
    workspace_id = kwargs.get("workspace_id")
    if workspace_id is not None and (isinstance(workspace_id, bool) or not isinstance(workspace_id, int)):
        raise TypeError("workspace_id must be the workspace's integer id")
    normalize_json({"args": args, "kwargs": kwargs})  # raises TypeError for what JSON cannot hold
    transaction.on_commit(partial(task.enqueue, *args, **kwargs))
