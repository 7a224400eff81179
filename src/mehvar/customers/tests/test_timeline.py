"""The timeline: kinds, recording one activity, bulk ingest (idempotent, all or nothing), keyset pages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from mehvar.core.jalali import TEHRAN
from mehvar.customers import timeline
from mehvar.customers.models import Activity, Customer, Identity

UTC = dt.UTC


def _customer(workspace, **fields):
    fields.setdefault("first_seen_at", dt.datetime(2025, 1, 1, tzinfo=UTC))
    return Customer.objects.create(workspace=workspace, **fields)


def _item(n, **extra):
    item = {
        "source": "shop",
        "external_id": f"e{n}",
        "kind": "order",
        "channel": "web",
        "occurred_at": dt.datetime(2025, 2, 1, tzinfo=UTC) + dt.timedelta(hours=n),
        "summary": f"سفارش {n}",
        "data": {"n": n},
        "identities": [{"kind": "phone", "value": f"0912{n:07d}"}],
    }
    item.update(extra)
    return item


def test_core_kinds_are_registered_with_translated_labels():
    keys = {kind.key for kind in timeline.activity_kinds()}
    assert keys >= {
        "message",
        "call",
        "note",
        "order",
        "delivery",
        "refund",
        "survey_response",
        "campaign_message",
        "promise",
        "merge",
        "import",
        "profile_change",
    }
    with translation.override("en"):
        assert str(timeline.kind_of("survey_response").label) == "Survey response"


def test_register_kind_adds_a_kind_other_modules_can_use(tenants):
    timeline.register_kind("ticket_closed", "Ticket closed", "check")
    try:
        customer = _customer(tenants.ws_a)
        activity = timeline.activity_record(
            workspace=tenants.ws_a,
            customer=customer,
            kind="ticket_closed",
            occurred_at=dt.datetime(2025, 3, 1, tzinfo=UTC),
        )
        assert activity.kind == "ticket_closed"
    finally:
        timeline._KINDS.pop("ticket_closed")


def test_record_refuses_an_unknown_kind(tenants):
    customer = _customer(tenants.ws_a)
    with pytest.raises(ValidationError) as caught:
        timeline.activity_record(
            workspace=tenants.ws_a, customer=customer, kind="bogus", occurred_at=dt.datetime.now(UTC)
        )
    assert "kind" in caught.value.message_dict
    assert not Activity.objects.exists()


def test_contact_kinds_move_last_contact_and_old_ones_move_first_seen(tenants):
    customer = _customer(tenants.ws_a)
    march = dt.datetime(2025, 3, 1, tzinfo=UTC)
    timeline.activity_record(workspace=tenants.ws_a, customer=customer, kind="message", occurred_at=march)
    timeline.activity_record(
        workspace=tenants.ws_a, customer=customer, kind="call", occurred_at=march - dt.timedelta(days=5)
    )
    timeline.activity_record(
        workspace=tenants.ws_a, customer=customer, kind="order", occurred_at=march + dt.timedelta(days=5)
    )
    old = dt.datetime(2024, 6, 1, tzinfo=UTC)
    timeline.activity_record(workspace=tenants.ws_a, customer=customer, kind="note", occurred_at=old)

    customer.refresh_from_db()
    assert customer.last_contact_at == march  # an order is not contact; an older call does not go back
    assert customer.first_seen_at == old


def test_record_is_idempotent_by_source_and_external_id(tenants):
    customer = _customer(tenants.ws_a)
    when = dt.datetime(2025, 3, 1, tzinfo=UTC)
    first = timeline.activity_record(
        workspace=tenants.ws_a,
        customer=customer,
        kind="order",
        occurred_at=when,
        source="shop",
        external_id="1",
    )
    again = timeline.activity_record(
        workspace=tenants.ws_a,
        customer=customer,
        kind="order",
        occurred_at=when,
        source="shop",
        external_id="1",
    )
    assert first.pk == again.pk and Activity.objects.count() == 1


def test_ingest_resolves_one_person_written_two_ways(tenants):
    result = timeline.activities_ingest(
        workspace=tenants.ws_a,
        items=[
            _item(1, identities=[{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}], kind="message"),
            _item(2, identities=[{"kind": "phone", "value": "+98 912-345-6789"}], kind="call"),
        ],
    )
    assert result.created == [True, True]
    assert len({a.customer_id for a in result.activities}) == 1
    customer = Customer.objects.get(workspace=tenants.ws_a)
    assert customer.phone == "+989123456789"
    assert customer.last_contact_at == _item(2)["occurred_at"]
    assert list(Identity.objects.filter(customer=customer).values_list("value", flat=True)) == [
        "+989123456789"
    ]


def test_ingest_finds_existing_customers_and_creates_new_ones(tenants):
    known = _customer(tenants.ws_a, phone="+989120000001")
    result = timeline.activities_ingest(
        workspace=tenants.ws_a,
        items=[_item(1), _item(2), _item(3, customer={"id": known.pk}, identities=[])],
    )
    assert result.activities[0].customer_id == known.pk
    assert result.activities[2].customer_id == known.pk
    assert Customer.objects.filter(workspace=tenants.ws_a).count() == 2


def test_reingest_of_the_same_pairs_writes_nothing(tenants):
    items = [_item(n) for n in range(5)]
    first = timeline.activities_ingest(workspace=tenants.ws_a, items=items)
    customers, activities = Customer.objects.count(), Activity.objects.count()

    again = timeline.activities_ingest(workspace=tenants.ws_a, items=[*items, _item(9)])

    assert again.created == [False] * 5 + [True]
    assert [a.pk for a in again.activities[:5]] == [a.pk for a in first.activities]
    assert Activity.objects.count() == activities + 1
    assert Customer.objects.count() == customers + 1


def test_the_same_external_id_in_another_workspace_is_another_activity(tenants):
    timeline.activities_ingest(workspace=tenants.ws_a, items=[_item(1)])
    result = timeline.activities_ingest(workspace=tenants.ws_b, items=[_item(1)])
    assert result.created == [True]
    assert result.activities[0].customer.workspace == tenants.ws_b


def test_bad_items_are_all_named_and_nothing_is_written(tenants):
    items = [
        _item(0),
        _item(1, kind="bogus"),
        _item(2, occurred_at="1404/12/30 10:00"),  # Esfand 1404 has 29 days
        _item(3, identities=[{"kind": "phone", "value": "12ab"}]),
        _item(4, external_id="e0"),
        _item(5, identities=[], customer=None),
    ]
    with pytest.raises(ValidationError) as caught:
        timeline.activities_ingest(workspace=tenants.ws_a, items=items)
    errors = caught.value.message_dict
    assert set(errors) == {
        "items.1.kind",
        "items.2.occurred_at",
        "items.3.identities.0.value",
        "items.4.external_id",
        "items.5.customer",
    }
    assert "0" in errors["items.4.external_id"][0] and "4" in errors["items.4.external_id"][0]
    assert not Activity.objects.exists() and not Customer.objects.exists()


def test_more_than_a_thousand_items_are_refused(tenants):
    with pytest.raises(ValidationError) as caught:
        timeline.activities_ingest(workspace=tenants.ws_a, items=[_item(n) for n in range(1001)])
    assert set(caught.value.message_dict) == {"items"}
    assert not Activity.objects.exists()


def test_another_workspaces_customer_id_is_refused(tenants):
    theirs = _customer(tenants.ws_b)
    with pytest.raises(ValidationError) as caught:
        timeline.activities_ingest(
            workspace=tenants.ws_a, items=[_item(0, customer={"id": theirs.pk}, identities=[])]
        )
    assert set(caught.value.message_dict) == {"items.0.customer.id"}
    assert not Activity.objects.exists()


def _reads(queries):
    return sum(1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))


def test_a_thousand_items_take_a_fixed_number_of_queries(tenants):
    small = [_item(n) for n in range(10)]
    with CaptureQueriesContext(connection) as few:
        timeline.activities_ingest(workspace=tenants.ws_a, items=small)
    big = [_item(n) for n in range(100, 1100)]
    with CaptureQueriesContext(connection) as many:
        timeline.activities_ingest(workspace=tenants.ws_a, items=big)
    # Reads do not grow with the items; writes are batched (SQLite splits a batch by its parameter limit).
    assert _reads(many) == _reads(few)
    assert len(many) < 100
    assert Activity.objects.count() == 1010


# --- Reading ----------------------------------------------------------------------------------------------


@pytest.fixture
def busy(tenants):
    """A customer with 30 activities: a day apart, alternating kinds and channels, some at the same moment."""
    customer = _customer(tenants.ws_a)
    start = dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    rows = []
    for n in range(30):
        rows.append(
            Activity(
                workspace=tenants.ws_a,
                customer=customer,
                kind=["message", "order", "call"][n % 3],
                channel=["sms", "web"][n % 2],
                occurred_at=start + dt.timedelta(days=n // 2),  # pairs share a moment: the id breaks ties
            )
        )
    Activity.objects.bulk_create(rows)
    _customer(tenants.ws_a)  # another customer's activity must not show
    return customer


def _walk(workspace, customer, **filters):
    seen, cursor, pages = [], None, 0
    while True:
        page = timeline.timeline_page(
            workspace=workspace, customer=customer, cursor=cursor, limit=7, **filters
        )
        seen += page.items
        pages += 1
        if page.next is None:
            return seen, pages
        cursor = page.next


def test_keyset_pages_walk_every_activity_once_newest_first(tenants, busy):
    seen, pages = _walk(tenants.ws_a, busy)
    assert len(seen) == 30 and len({a.pk for a in seen}) == 30 and pages == 5
    keys = [(a.occurred_at, a.pk) for a in seen]
    assert keys == sorted(keys, reverse=True)


def test_a_page_is_one_query_and_never_uses_offset(tenants, busy):
    first = timeline.timeline_page(workspace=tenants.ws_a, customer=busy, limit=7)
    with CaptureQueriesContext(connection) as queries:
        timeline.timeline_page(workspace=tenants.ws_a, customer=busy, cursor=first.next, limit=7)
    assert len(queries) == 1
    assert "OFFSET" not in queries.captured_queries[0]["sql"].upper()


def test_filters_by_kind_and_channel(tenants, busy):
    seen, _pages = _walk(tenants.ws_a, busy, kinds=["message", "call"], channels=["sms"])
    assert seen and all(a.kind in {"message", "call"} and a.channel == "sms" for a in seen)
    expected = Activity.objects.filter(customer=busy, kind__in=["message", "call"], channel="sms").count()
    assert len(seen) == expected


def test_date_range_is_whole_tehran_days_jalali_or_iso(tenants):
    customer = _customer(tenants.ws_a)
    # 1404/01/01 is 2025-03-21. 23:30 Tehran on 1403/12/30 is 20:00 UTC of 2025-03-20: still 1403/12/30.
    inside_early = dt.datetime(2025, 3, 20, 20, 30, tzinfo=UTC)  # 00:00 Tehran on 1404/01/01
    before = dt.datetime(2025, 3, 20, 20, 0, tzinfo=UTC)  # 23:30 Tehran on 1403/12/30
    inside_late = dt.datetime(2025, 3, 22, 20, 29, tzinfo=UTC)  # 23:59 Tehran on 1404/01/02
    after = dt.datetime(2025, 3, 22, 20, 30, tzinfo=UTC)  # 00:00 Tehran on 1404/01/03
    for moment in (inside_early, before, inside_late, after):
        timeline.activity_record(workspace=tenants.ws_a, customer=customer, kind="note", occurred_at=moment)
    for date_from, date_to in (("1404/01/01", "۱۴۰۴/۰۱/۰۲"), ("2025-03-21", "2025-03-22")):
        page = timeline.timeline_page(
            workspace=tenants.ws_a, customer=customer, date_from=date_from, date_to=date_to
        )
        assert [a.occurred_at for a in page.items] == [inside_late, inside_early]
    assert inside_early.astimezone(TEHRAN).hour == 0


def test_an_invalid_jalali_date_is_a_field_error(tenants):
    customer = _customer(tenants.ws_a)
    with pytest.raises(ValidationError) as caught:
        timeline.timeline_page(workspace=tenants.ws_a, customer=customer, date_from="1404/12/30")
    assert set(caught.value.message_dict) == {"date_from"}


def test_a_merged_customers_id_lands_on_the_survivor_and_an_erased_one_is_refused(tenants):
    survivor = _customer(tenants.ws_a)
    merged = _customer(tenants.ws_a, merged_into=survivor)
    erased = _customer(tenants.ws_a, erased_at=dt.datetime(2025, 1, 2, tzinfo=UTC))
    result = timeline.activities_ingest(
        workspace=tenants.ws_a, items=[_item(0, customer={"id": merged.pk}, identities=[])]
    )
    assert result.activities[0].customer_id == survivor.pk
    with pytest.raises(ValidationError) as caught:
        timeline.activities_ingest(
            workspace=tenants.ws_a, items=[_item(1, customer={"id": erased.pk}, identities=[])]
        )
    assert set(caught.value.message_dict) == {"items.0.customer.id"}
    assert Activity.objects.count() == 1


def test_the_insert_path_reports_a_duplicate_pair_as_an_integrity_error(tenants):
    """What lets activities_ingest retry when another request stored the same pair meanwhile."""
    from django.db import IntegrityError, transaction

    customer = _customer(tenants.ws_a)
    when = dt.datetime(2025, 3, 1, tzinfo=UTC)
    first = Activity(
        workspace=tenants.ws_a, customer=customer, kind="order", occurred_at=when, source="s", external_id="1"
    )
    timeline._insert([first])
    assert first.pk and Activity.objects.get(pk=first.pk).external_id == "1"
    again = Activity(
        workspace=tenants.ws_a, customer=customer, kind="order", occurred_at=when, source="s", external_id="1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        timeline._insert([again])
    assert Activity.objects.count() == 1
