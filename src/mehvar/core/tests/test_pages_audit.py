"""The audit log page: who, what, when (Jalali), the before/after table, filters, keyset pages."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mehvar.accounts.tests.helpers import html, in_language, shows
from mehvar.core.audit import audit_record
from mehvar.core.jalali import format_datetime
from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.core.selectors import AUDIT_PAGE_SIZE, AuditCursor
from mehvar.core.services import day_off_create, membership_change_role
from mehvar.testing import login

pytestmark = pytest.mark.django_db

AUDIT = "/w/shop-a/audit/"


def entry_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-entry="(\d+)"', html(response))]


def older_link(response) -> str | None:
    match = re.search(r'href="(\?[^"]*)" rel="next"', html(response))
    return match.group(1).replace("&amp;", "&") if match else None


def fill(tenants, count, *, at=None):
    """``count`` entries, all at the same instant when ``at`` is given (the keyset must break ties by id)."""
    made = []
    for index in range(count):
        entry = audit_record(
            workspace=tenants.ws_a,
            actor=tenants.owner_a.user,
            action=AuditEntry.Action.UPDATE,
            object_type="core.workspace",
            object_id=str(tenants.ws_a.pk),
            object_label=f"#{index}",
            before={"name": f"old {index}"},
            after={"name": f"new {index}"},
        )
        if at is not None:
            AuditEntry.objects.filter(pk=entry.pk).update(created_at=at)
        made.append(entry.pk)
    return made


def test_a_role_change_shows_who_what_when_and_the_diff(client, tenants):
    membership_change_role(acting=tenants.owner_a, membership=tenants.agent_a, role=Role.SUPERVISOR)
    entry = AuditEntry.objects.get(object_type="core.membership", action="update")
    login(client, tenants.by_role[Role.SUPERVISOR])
    response = client.get(AUDIT)
    assert response.status_code == 200
    page = html(response)
    assert "owner@a.test" in page
    assert format_datetime(entry.created_at, digits="fa") in page
    assert shows(response, in_language("fa", "changed"))
    # The field's name and the role labels, not the stored codes.
    assert shows(response, in_language("fa", "role"))
    assert shows(response, in_language("fa", "Agent")) and shows(response, in_language("fa", "Supervisor"))


def test_dates_in_the_diff_are_jalali(client, tenants):
    day_off_create(acting=tenants.owner_a, date=dt.date(2027, 3, 20), title="نوروز")
    login(client, tenants.owner_a)
    page = html(client.get(AUDIT, {"object_type": "core.dayoff"}))
    assert "<bdi>۱۴۰۵/۱۲/۲۹</bdi>" in page and "<bdi>2027-03-20</bdi>" not in page


def test_english_readers_get_english_labels(client, tenants):
    membership_change_role(acting=tenants.owner_a, membership=tenants.agent_a, role=Role.SUPERVISOR)
    user = tenants.owner_a.user
    user.language = "en"
    user.save()
    login(client, tenants.owner_a)
    page = html(client.get(AUDIT))
    assert '<th scope="row">role</th>' in page and "Agent" in page and "Supervisor" in page


def test_filters_by_action_and_object_type(client, tenants):
    membership_change_role(acting=tenants.owner_a, membership=tenants.agent_a, role=Role.ANALYST)
    login(client, tenants.owner_a)
    everything = entry_ids(client.get(AUDIT))
    updates = entry_ids(client.get(AUDIT, {"action": "update"}))
    created = entry_ids(client.get(AUDIT, {"action": "create"}))
    memberships = entry_ids(client.get(AUDIT, {"object_type": "core.membership"}))
    both = entry_ids(client.get(AUDIT, {"action": "update", "object_type": "core.membership"}))
    ws = tenants.ws_a
    assert set(everything) == set(AuditEntry.objects.filter(workspace=ws).values_list("pk", flat=True))
    assert (
        updates
        == both
        == list(
            AuditEntry.objects.filter(workspace=ws, action="update")
            .order_by("-pk")
            .values_list("pk", flat=True)
        )
    )
    assert set(created) == set(
        AuditEntry.objects.filter(workspace=ws, action="create").values_list("pk", flat=True)
    )
    assert set(memberships) == set(
        AuditEntry.objects.filter(workspace=ws, object_type="core.membership").values_list("pk", flat=True)
    )
    # An unknown filter value is ignored, not an error.
    assert client.get(AUDIT, {"action": "explode"}).status_code == 200


def test_only_this_workspaces_entries(client, tenants):
    login(client, tenants.owner_a)
    ids = entry_ids(client.get(AUDIT))
    assert not AuditEntry.objects.filter(pk__in=ids).exclude(workspace=tenants.ws_a).exists()
    assert AuditEntry.objects.filter(workspace=tenants.ws_b).exists()


def test_keyset_pages_walk_every_entry_once_without_offset(client, tenants):
    same_instant = timezone.now() - dt.timedelta(days=1)
    fill(tenants, AUDIT_PAGE_SIZE + 10, at=same_instant)  # a page boundary inside equal timestamps
    fill(tenants, AUDIT_PAGE_SIZE)
    expected = list(
        AuditEntry.objects.filter(workspace=tenants.ws_a)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    login(client, tenants.owner_a)
    seen, url, pages = [], AUDIT, 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url if url.startswith("/") else AUDIT + url)
        assert not any("OFFSET" in query["sql"].upper() for query in queries.captured_queries)
        ids = entry_ids(response)
        assert len(ids) <= AUDIT_PAGE_SIZE
        seen.extend(ids)
        url, pages = older_link(response), pages + 1
    assert seen == expected
    assert pages == -(-len(expected) // AUDIT_PAGE_SIZE)


def test_pages_keep_the_filter(client, tenants):
    fill(tenants, AUDIT_PAGE_SIZE + 5)
    login(client, tenants.owner_a)
    first = client.get(AUDIT, {"action": "update"})
    link = older_link(first)
    assert "action=update" in link
    second = client.get(AUDIT + link)
    assert set(entry_ids(second)).isdisjoint(entry_ids(first))
    assert 'data-testid="newest"' in html(second)


def test_a_broken_cursor_starts_from_the_newest(client, tenants):
    login(client, tenants.owner_a)
    newest = entry_ids(client.get(AUDIT))
    for cursor in ("garbage", AuditCursor(timezone.now(), 1).encode()[:-3], "MjAyNS0wMS0wMXwx"):
        response = client.get(AUDIT, {"after": cursor})
        assert response.status_code == 200
        assert entry_ids(response) in (newest, [])


def test_the_page_reads_a_fixed_number_of_queries(client, tenants):
    login(client, tenants.owner_a)
    fill(tenants, 3)
    with CaptureQueriesContext(connection) as few:
        client.get(AUDIT)
    fill(tenants, 40)
    with CaptureQueriesContext(connection) as many:
        response = client.get(AUDIT)
    assert len(entry_ids(response)) == AUDIT_PAGE_SIZE
    assert len(many) == len(few)


def test_summary_entries_whose_keys_are_not_model_fields_are_shown(client, tenants):
    """A bulk service records a summary such as {"count": 300} against a model: the page must still render."""
    audit_record(
        workspace=tenants.ws_a,
        actor=None,
        action=AuditEntry.Action.CREATE,
        object_type="core.membership",
        object_label="300 rows",
        after={"count": 300},
    )
    response = login(client, tenants.owner_a).get(AUDIT)
    assert response.status_code == 200
    assert "count" in html(response)
