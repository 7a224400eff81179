"""A workspace's admins see its failed background tasks with their errors; nobody sees another workspace's."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from mehvar.core.roles import Role
from mehvar.ops.selectors import exception_message
from mehvar.ops.tasks import ping
from mehvar.ops.tests.conftest import run_waiting_tasks
from mehvar.ops.tests.tasks_for_tests import explode
from mehvar.testing import login

pytestmark = pytest.mark.django_db

URL = "/w/shop-a/ops/tasks/"


@pytest.fixture
def failures(tenants):
    explode.enqueue(workspace_id=tenants.ws_a.pk, reason="انبار الف پاسخ نداد")
    explode.enqueue(workspace_id=tenants.ws_b.pk, reason="secret failure of B")
    ping.enqueue(workspace_id=tenants.ws_a.pk)  # succeeds: not listed
    run_waiting_tasks()
    assert DBTaskResult.objects.failed().count() == 2
    return tenants


def test_url_name():
    assert reverse("ops:failed_tasks", kwargs={"slug": "shop-a"}) == URL


def test_admin_sees_the_workspace_failed_task_with_its_error(client, failures):
    login(client, failures.by_role[Role.ADMIN])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    result = DBTaskResult.objects.failed().get(args_kwargs__kwargs__workspace_id=failures.ws_a.pk)
    assert "explode" in html
    assert "mehvar.ops.tests.tasks_for_tests.ShipmentLost" in html
    assert "انبار الف پاسخ نداد" in html
    assert "<details>" in html and "Traceback (most recent call last)" in html
    when = Template("{{ when|jdatetime }}").render(Context({"when": result.finished_at}))
    assert when and when in html
    assert "secret failure of B" not in html
    assert "mehvar.ops.tasks.ping" not in html  # it succeeded


def test_owner_of_b_sees_only_b(client, failures):
    login(client, failures.outsider_b)
    html = client.get("/w/shop-b/ops/tasks/").content.decode()
    assert "secret failure of B" in html and "انبار الف پاسخ نداد" not in html


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.MARKETER, Role.ANALYST])
def test_roles_without_the_permission_get_403(client, failures, role):
    login(client, failures.by_role[role])
    assert client.get(URL).status_code == 403


def test_outsider_gets_404(client, failures):
    login(client, failures.outsider_b)
    assert client.get(URL).status_code == 404


def test_anonymous_is_sent_to_login(client, failures):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_paginated_with_a_constant_number_of_queries(client, tenants, django_assert_num_queries):
    login(client, tenants.owner_a)
    explode.enqueue(workspace_id=tenants.ws_a.pk, reason="first")
    run_waiting_tasks()
    with CaptureQueriesContext(connection) as one_row:
        client.get(URL)
    assert len(one_row.captured_queries) <= 7  # session, user, membership, count, page (+ the shell's own)
    for n in range(30):
        explode.enqueue(workspace_id=tenants.ws_a.pk, reason=f"failure number {n}")
    run_waiting_tasks()
    with django_assert_num_queries(len(one_row.captured_queries)):
        first_page = client.get(URL).content.decode()
    second_page = client.get(URL + "?page=2").content.decode()
    assert first_page.count("<details>") == 25
    assert second_page.count("<details>") == 6
    assert "failure number 29" in first_page and "failure number 0<" not in first_page


@pytest.mark.parametrize(
    ("path", "traceback", "message"),
    [
        (
            "builtins.ValueError",
            "Traceback (most recent call last):\n  ...\nValueError: bad value\n",
            "bad value",
        ),
        (
            "shop.errors.Lost",
            "Traceback:\n  ...\nshop.errors.Lost: line one\nline two\n",
            "line one\nline two",
        ),
        ("builtins.KeyError", "Traceback:\n  ...\nKeyError\n", ""),
        (
            "builtins.RuntimeError",
            "Traceback:\nValueError: first\n\nDuring handling of the above exception,"
            " another exception occurred:\n\nTraceback:\nRuntimeError: second\n",
            "second",
        ),
    ],
)
def test_exception_message_is_read_back_from_the_traceback(path, traceback, message):
    assert exception_message(exception_class_path=path, traceback=traceback) == message
