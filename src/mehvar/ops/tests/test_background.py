"""enqueue_on_commit: a task is enqueued once the transaction commits, and never when it rolls back."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from mehvar.ops.background import enqueue_on_commit
from mehvar.ops.tasks import ping


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_enqueues_nothing():
    with pytest.raises(Boom), transaction.atomic():
        enqueue_on_commit(ping, workspace_id=7)
        raise Boom
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_committed_transaction_enqueues_once_after_commit():
    with transaction.atomic():
        enqueue_on_commit(ping, workspace_id=7)
        assert DBTaskResult.objects.count() == 0  # not yet: the transaction may still roll back
    result = DBTaskResult.objects.get()
    assert result.task_path == "mehvar.ops.tasks.ping"
    assert result.args_kwargs == {"args": [], "kwargs": {"workspace_id": 7}}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_enqueues_at_once():
    enqueue_on_commit(ping, workspace_id=7)
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_bad_arguments_fail_in_the_caller_not_after_commit():
    with pytest.raises(TypeError):
        enqueue_on_commit(ping, workspace_id=object())
    with pytest.raises(TypeError, match="workspace_id"):
        enqueue_on_commit(ping, workspace_id="7")
    with pytest.raises(TypeError, match="not a task"):
        enqueue_on_commit(lambda: None)
    assert DBTaskResult.objects.count() == 0
