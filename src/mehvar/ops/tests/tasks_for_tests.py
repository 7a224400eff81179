"""Tasks that only the tests enqueue (module-level, as django-tasks requires)."""

from django_tasks import task


class ShipmentLost(Exception):
    pass


@task()
def explode(*, workspace_id: int, reason: str) -> None:
    raise ShipmentLost(reason)


@task()
def needs_argument(value: int) -> int:
    return value
