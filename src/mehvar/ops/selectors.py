"""Reads of the ops domain: a workspace's failed background tasks, shaped for the page that lists them."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django_tasks_db.models import DBTaskResult

from mehvar.core.models import Workspace


@dataclass(frozen=True)
class FailedTask:
    id: str
    task_name: str
    task_path: str
    failed_at: datetime | None
    enqueued_at: datetime
    exception_class: str
    message: str
    traceback: str


def failed_task_results(*, workspace: Workspace) -> QuerySet[DBTaskResult]:
    """Failed task results of this workspace: those enqueued with ``workspace_id=<its id>``, newest first."""
    return (
        DBTaskResult.objects.failed()
        .filter(args_kwargs__kwargs__workspace_id=workspace.pk)
        .only("id", "task_path", "finished_at", "enqueued_at", "exception_class_path", "traceback")
        .order_by("-finished_at", "-enqueued_at")
    )


def exception_message(*, exception_class_path: str, traceback: str) -> str:
    """The exception's message, read back from the formatted traceback the worker stored.

    The last block of a traceback reads ``<label>: <message>`` (the label is the class path, or only the class
    name for built-in exceptions); the message may span several lines.
    """
    module, _, qualname = exception_class_path.rpartition(".")
    labels = {exception_class_path}
    if module in {"builtins", "__main__"}:
        labels.add(qualname)
    text = "\n" + traceback.rstrip()
    starts = [text.rfind(marker) + len(marker) for label in labels if (marker := f"\n{label}: ") in text]
    return text[max(starts) :].strip() if starts else ""


def failed_task_from_result(result: DBTaskResult) -> FailedTask:
    return FailedTask(
        id=str(result.id),
        task_name=result.task_path.rpartition(".")[2] or result.task_path,
        task_path=result.task_path,
        failed_at=result.finished_at,
        enqueued_at=result.enqueued_at,
        exception_class=result.exception_class_path,
        message=exception_message(
            exception_class_path=result.exception_class_path, traceback=result.traceback
        ),
        traceback=result.traceback,
    )
