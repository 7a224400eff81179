"""Customers created by a bulk ingest start with the right first-seen and last-contact moments."""

import datetime as dt

from django.utils import timezone

from mehvar.customers import timeline
from mehvar.customers.models import Customer

UTC = dt.UTC


def _item(n, kind, when, phone):
    return {
        "source": "shop",
        "external_id": f"m{n}",
        "kind": kind,
        "occurred_at": when,
        "identities": [{"kind": "phone", "value": phone}],
    }


def test_new_customers_get_first_seen_and_last_contact_from_their_activities(tenants):
    old, older = dt.datetime(2024, 5, 1, tzinfo=UTC), dt.datetime(2024, 3, 1, tzinfo=UTC)
    future = timezone.now() + dt.timedelta(days=30)
    before = timezone.now()
    timeline.activities_ingest(
        workspace=tenants.ws_a,
        items=[
            _item(1, "order", old, "09121111111"),  # not contact: first seen only
            _item(2, "message", future, "09122222222"),  # contact in the future: first seen stays now
            _item(3, "order", old, "09123333333"),  # one person, two items: the earliest and the call
            _item(4, "call", older, "+98 912 333 3333"),
        ],
    )
    after = timezone.now()
    by_phone = {c.phone: c for c in Customer.objects.filter(workspace=tenants.ws_a)}
    one, two, three = by_phone["+989121111111"], by_phone["+989122222222"], by_phone["+989123333333"]
    assert (one.first_seen_at, one.last_contact_at) == (old, None)
    assert before <= two.first_seen_at <= after and two.last_contact_at == future
    assert (three.first_seen_at, three.last_contact_at) == (older, older)
    assert one.search_text and "09121111111" in one.search_text


def test_existing_customer_moves_only_forward_and_back(tenants):
    customer = Customer.objects.create(
        workspace=tenants.ws_a,
        phone="+989124444444",
        first_seen_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
        last_contact_at=dt.datetime(2024, 6, 1, tzinfo=UTC),
    )
    timeline.activities_ingest(
        workspace=tenants.ws_a,
        items=[_item(5, "call", dt.datetime(2024, 2, 1, tzinfo=UTC), "09124444444")],
    )
    customer.refresh_from_db()
    assert customer.first_seen_at == dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert customer.last_contact_at == dt.datetime(2024, 6, 1, tzinfo=UTC)


def test_customers_and_identities_written_in_bulk_read_back_whole(tenants):
    from mehvar.customers.matching import customers_resolve_bulk
    from mehvar.customers.models import Identity

    customers = customers_resolve_bulk(
        workspace=tenants.ws_a,
        items=[[("phone", "0912 555 0001"), ("email", "Sara@Example.com")], [("telegram", "@sara_n")]],
        defaults=[{"first_name": "سارا", "custom_fields": {"vip": True}}, None],
    )
    first = Customer.objects.get(pk=customers[0].pk)
    assert (first.first_name, first.phone, first.email) == ("سارا", "+989125550001", "sara@example.com")
    assert first.custom_fields == {"vip": True} and first.lifecycle == "new"
    assert first.created_at is not None and first.updated_at is not None and first.merged_into_id is None
    assert "سارا" in first.search_text
    assert sorted(Identity.objects.filter(customer=first).values_list("kind", "written_as")) == [
        ("email", "Sara@Example.com"),
        ("phone", "0912 555 0001"),
    ]
    second = Customer.objects.get(pk=customers[1].pk)
    assert second.custom_fields == {} and second.pk != first.pk
    again = customers_resolve_bulk(workspace=tenants.ws_a, items=[[("email", "sara@example.com")]])
    assert again[0].pk == first.pk and again[0].first_name == "سارا"
