"""Cursor pagination: walks every item once, keyset (no OFFSET), limits enforced, bad cursors refused."""

import base64
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mehvar.api.pagination import keyset_page
from mehvar.api.tests.apiclient import call, fields, problem
from mehvar.core.models import AuditEntry, DayOff

pytestmark = pytest.mark.django_db


def walk(client, tenants, path, who="owner", limit=2):
    seen, cursor, pages = [], None, 0
    while True:
        query = ("&" if "?" in path else "?") + f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = call(client, "get", path + query, tenants=tenants, who=who)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["items"]) <= limit
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        cursor = page["next"]
        if cursor is None:
            return seen, pages


def make_days(workspace, count, start=dt.date(2025, 1, 1)):
    DayOff.objects.bulk_create(
        DayOff(workspace=workspace, date=start + dt.timedelta(days=i), title=f"روز {i}") for i in range(count)
    )


def test_walks_all_days_off_in_order_without_duplicates(client, tenants):
    make_days(tenants.ws_a, 7)
    make_days(tenants.ws_b, 3)
    seen, pages = walk(client, tenants, "/days-off")
    expected = list(
        DayOff.objects.filter(workspace=tenants.ws_a).order_by("date").values_list("pk", flat=True)
    )
    assert seen == expected
    assert pages == 4


def test_walks_members(client, tenants):
    seen, _pages = walk(client, tenants, "/members")
    assert sorted(seen) == sorted(tenants.ws_a.memberships.values_list("pk", flat=True))
    assert len(seen) == len(set(seen)) == 6


def test_walks_the_audit_log_when_many_entries_share_a_timestamp(client, tenants):
    moment = timezone.now()
    AuditEntry.objects.bulk_create(
        AuditEntry(
            workspace=tenants.ws_a, action="update", object_type="test", object_id=str(i), created_at=moment
        )
        for i in range(9)
    )
    seen, _pages = walk(client, tenants, "/audit-log?object_type=test")
    expected = list(
        AuditEntry.objects.filter(workspace=tenants.ws_a, object_type="test")
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 9


def test_rows_added_while_walking_do_not_shift_pages(client, tenants):
    make_days(tenants.ws_a, 4)
    first = call(client, "get", "/days-off?limit=2", tenants=tenants, who="owner").json()
    make_days(tenants.ws_a, 1, start=dt.date(2024, 1, 1))  # sorts before everything already seen
    second = call(
        client, "get", f"/days-off?limit=2&cursor={first['next']}", tenants=tenants, who="owner"
    ).json()
    dates = [d["date"] for d in first["items"] + second["items"]]
    assert dates == ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]


def test_default_limit_is_50_and_the_maximum_200(client, tenants):
    make_days(tenants.ws_a, 205)
    page = call(client, "get", "/days-off", tenants=tenants, who="owner").json()
    assert len(page["items"]) == 50 and page["next"]
    assert (
        len(call(client, "get", "/days-off?limit=200", tenants=tenants, who="owner").json()["items"]) == 200
    )
    for limit in ("201", "0", "-1", "many"):
        body = problem(call(client, "get", f"/days-off?limit={limit}", tenants=tenants, who="owner"), 422)
        assert fields(body) == {"limit"}


def garbage_cursors():
    def b64(text):
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    return ["zzz", "%%%", b64("not json"), b64('{"a": 1}'), b64('["2025-01-01"]'), b64('["not a date", 3]')]


@pytest.mark.parametrize("cursor", garbage_cursors())
def test_a_bad_cursor_is_422_on_cursor(client, tenants, cursor):
    make_days(tenants.ws_a, 3)
    body = problem(call(client, "get", f"/days-off?cursor={cursor}", tenants=tenants, who="owner"), 422)
    assert fields(body) == {"cursor"}


def test_pages_use_keyset_not_offset(tenants):
    make_days(tenants.ws_a, 5)
    queryset = DayOff.objects.filter(workspace=tenants.ws_a)
    first = keyset_page(queryset, ordering=("date", "id"), cursor=None, limit=2)
    with CaptureQueriesContext(connection) as queries:
        second = keyset_page(queryset, ordering=("date", "id"), cursor=first.next, limit=2)
    assert len(queries) == 1
    assert "OFFSET" not in queries[0]["sql"].upper()
    assert [d.date.day for d in second.items] == [3, 4]


def test_the_last_page_has_no_next(tenants):
    make_days(tenants.ws_a, 4)
    page = keyset_page(
        DayOff.objects.filter(workspace=tenants.ws_a), ordering=("date", "id"), cursor=None, limit=4
    )
    assert len(page.items) == 4 and page.next is None
    empty = keyset_page(DayOff.objects.none(), ordering=("-id",), cursor=None, limit=4)
    assert empty.items == [] and empty.next is None


@pytest.mark.parametrize(
    ("path", "grow"), [("/members", "members"), ("/days-off", "days"), ("/audit-log", "audit")]
)
def test_list_queries_do_not_grow_with_the_rows(client, tenants, path, grow):
    from mehvar.testing import make_member

    def add(count, offset):
        for i in range(count):
            if grow == "members":
                make_member(workspace=tenants.ws_a, email=f"m{offset + i}@a.test", role="agent")
            elif grow == "days":
                make_days(tenants.ws_a, 1, start=dt.date(2026, 1, 1) + dt.timedelta(days=offset + i))
            else:
                AuditEntry.objects.create(workspace=tenants.ws_a, action="update", object_type="t")

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert call(client, "get", path + "?limit=200", tenants=tenants, who="owner").status_code == 200
        return len(queries)

    add(2, 0)
    count_queries()  # the token's first use of the minute also records last_used_at
    few = count_queries()
    add(15, 100)
    assert count_queries() == few
