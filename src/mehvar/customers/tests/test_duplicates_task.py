"""The nightly duplicate detection runs through the real task queue, one task per workspace."""

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from mehvar.customers.models import DuplicateSuggestion
from mehvar.customers.services import customer_create
from mehvar.customers.tasks import duplicates_detect_nightly
from mehvar.ops.tests.conftest import run_waiting_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_nightly_detection_fills_each_workspaces_review_queue(tenants):
    birthday = dt.date(1990, 5, 17)
    customer_create(
        acting=tenants.owner_a, first_name="علی", last_name="رضایی", birthday=birthday, city="تهران"
    )
    customer_create(
        acting=tenants.owner_a, first_name="علي", last_name="رضائي", birthday=birthday, city="تهران"
    )
    customer_create(acting=tenants.outsider_b, first_name="مریم", last_name="احمدی", birthday=birthday)

    duplicates_detect_nightly.enqueue()
    run_waiting_tasks()  # the nightly job: enqueues one task per workspace
    run_waiting_tasks()  # the per-workspace tasks

    assert DBTaskResult.objects.filter(status="FAILED").count() == 0
    pairs = DuplicateSuggestion.objects.filter(workspace=tenants.ws_a)
    assert pairs.count() == 1
    assert not DuplicateSuggestion.objects.filter(workspace=tenants.ws_b).exists()
