"""API: /activities, /activities/bulk and /customers/{id}/timeline."""

import datetime as dt
import json

import pytest
from django.test import Client

from mehvar.api.tests.apiclient import call, fields, message_of, problem
from mehvar.customers.models import Activity, Customer

UTC = dt.UTC


@pytest.fixture
def client():
    return Client()


def _item(n, **extra):
    item = {
        "source": "shop",
        "external_id": f"order-{n}",
        "kind": "order",
        "channel": "web",
        "occurred_at": "1403/12/20 10:00",
        "summary": f"سفارش {n}",
        "data": {"total_rials": 1000 * n},
        "identities": [{"kind": "phone", "value": f"0912{n:07d}"}],
    }
    item.update(extra)
    return item


def _bulk(client, tenants, items, who="owner", **kwargs):
    return call(client, "post", "/activities/bulk", tenants=tenants, who=who, body={"items": items}, **kwargs)


# --- /activities/bulk -------------------------------------------------------------------------------------


def test_bulk_ingest_resolves_one_person_written_two_ways(client, tenants):
    items = [
        _item(1, identities=[{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}], kind="message", channel="sms"),
        _item(2, identities=[{"kind": "phone", "value": "+98 912-345-6789"}], kind="call"),
    ]
    response = _bulk(client, tenants, items)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 2 and body["existing"] == 0
    assert body["items"][0]["customer_id"] == body["items"][1]["customer_id"]
    customer = Customer.objects.get(workspace=tenants.ws_a)
    assert customer.phone == "+989123456789"
    assert customer.last_contact_at is not None


def test_bulk_reingest_writes_nothing_new(client, tenants):
    items = [_item(n) for n in range(1, 6)]
    first = _bulk(client, tenants, items).json()
    counts = (Activity.objects.count(), Customer.objects.count())

    again = _bulk(client, tenants, items).json()

    assert again["created"] == 0 and again["existing"] == 5
    assert [i["id"] for i in again["items"]] == [i["id"] for i in first["items"]]
    assert (Activity.objects.count(), Customer.objects.count()) == counts


def test_bulk_names_every_bad_item_in_persian_and_writes_nothing(client, tenants):
    items = [
        _item(1),
        _item(2, kind="bogus"),
        _item(3, occurred_at="1404/12/30 10:00"),
        _item(4, identities=[{"kind": "phone", "value": "12ab"}]),
        _item(5, data="not an object"),
    ]
    body = problem(_bulk(client, tenants, items), 422)
    assert fields(body) >= {"items.1.kind", "items.2.occurred_at", "items.4.data"}
    assert "۲۹" in message_of(body, "items.2.occurred_at")  # Esfand 1404 has 29 days, said in Persian
    assert not Activity.objects.exists() and not Customer.objects.exists()


def test_a_bad_phone_is_named_in_english_on_request(client, tenants):
    items = [_item(1), _item(2, identities=[{"kind": "phone", "value": "12ab"}])]
    body = problem(_bulk(client, tenants, items, lang="en"), 422)
    assert fields(body) == {"items.1.identities.0.value"}
    message = message_of(body, "items.1.identities.0.value")
    assert message.isascii() and message
    assert not Activity.objects.exists() and not Customer.objects.exists()


def test_duplicate_external_ids_in_one_request_name_both_items(client, tenants):
    items = [_item(1), _item(2), _item(3, external_id="order-1")]
    body = problem(_bulk(client, tenants, items, lang="en"), 422)
    assert fields(body) == {"items.2.external_id"}
    message = message_of(body, "items.2.external_id")
    assert "0" in message and "2" in message
    assert not Activity.objects.exists()


def test_more_than_a_thousand_items_is_a_422(client, tenants):
    items = [_item(n) for n in range(1001)]
    body = problem(_bulk(client, tenants, items), 422)
    assert fields(body) == {"items"}
    assert "۱۰۰۰" in body["errors"][0]["message"]
    assert not Activity.objects.exists()


def test_wrong_types_are_named(client, tenants):
    items = [_item(1, summary=12, customer="x", identities=None, external_id=["a"])]
    body = problem(_bulk(client, tenants, items), 422)
    assert {"items.0.external_id", "items.0.customer"} <= fields(body)
    body = problem(
        call(client, "post", "/activities/bulk", tenants=tenants, who="owner", body={"items": 3}), 422
    )
    assert fields(body) == {"items"}


def test_an_item_needs_a_customer_or_identities(client, tenants):
    body = problem(_bulk(client, tenants, [_item(1, identities=[])]), 422)
    assert fields(body) == {"items.0"}


def test_analyst_may_not_ingest(client, tenants):
    problem(_bulk(client, tenants, [_item(1)], who="analyst"), 403)
    problem(
        call(client, "post", "/activities", tenants=tenants, who="analyst", body=_item(1)),
        403,
    )
    assert not Activity.objects.exists()


def test_an_outsider_cannot_write_to_as_customer(client, tenants):
    mine = Customer.objects.create(workspace=tenants.ws_a)
    body = problem(
        _bulk(client, tenants, [_item(1, customer={"id": mine.pk}, identities=[])], who="outsider"), 422
    )
    assert fields(body) == {"items.0.customer.id"}
    assert not Activity.objects.exists()


def test_bulk_idempotency_key_replays(client, tenants):
    key = {"Idempotency-Key": "bulk-1"}
    first = _bulk(client, tenants, [_item(1)], headers=key)
    again = _bulk(client, tenants, [_item(1)], headers=key)
    assert again["Idempotent-Replayed"] == "true"
    assert json.loads(again.content) == json.loads(first.content)


# --- /activities ------------------------------------------------------------------------------------------


def test_one_activity_201_then_200_for_the_same_pair(client, tenants):
    customer = Customer.objects.create(workspace=tenants.ws_a)
    item = _item(
        1, customer={"id": customer.pk}, identities=None, kind="message", occurred_at="2025-03-10T08:00:00Z"
    )
    del item["identities"]
    created = call(client, "post", "/activities", tenants=tenants, who="agent", body=item)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["created"] is True and body["customer_id"] == customer.pk and body["kind_label"]
    again = call(client, "post", "/activities", tenants=tenants, who="agent", body=item)
    assert again.status_code == 200 and again.json()["id"] == body["id"] and again.json()["created"] is False
    assert Activity.objects.count() == 1
    customer.refresh_from_db()
    assert customer.last_contact_at == dt.datetime(2025, 3, 10, 8, tzinfo=UTC)


def test_one_activity_with_unknown_kind_in_english(client, tenants):
    body = problem(
        call(
            client,
            "post",
            "/activities",
            tenants=tenants,
            who="owner",
            body=_item(1, kind="bogus"),
            lang="en",
        ),
        422,
    )
    assert fields(body) == {"kind"}
    assert "bogus" in message_of(body, "kind")


# --- /customers/{id}/timeline -----------------------------------------------------------------------------


@pytest.fixture
def busy(tenants):
    customer = Customer.objects.create(workspace=tenants.ws_a)
    start = dt.datetime(2025, 3, 1, 12, tzinfo=UTC)  # 1403/12/11
    Activity.objects.bulk_create(
        Activity(
            workspace=tenants.ws_a,
            customer=customer,
            kind=["message", "order", "call"][n % 3],
            channel=["sms", "web"][n % 2],
            occurred_at=start + dt.timedelta(days=n // 2),
            summary=f"رویداد {n}",
        )
        for n in range(25)
    )
    return customer


def _timeline(client, tenants, customer, query="", who="owner", **kwargs):
    return call(
        client, "get", f"/customers/{customer.pk}/timeline{query}", tenants=tenants, who=who, **kwargs
    )


def test_timeline_pages_walk_every_item_once(client, tenants, busy):
    seen, cursor = [], ""
    while True:
        response = _timeline(client, tenants, busy, f"?limit=6{cursor}")
        assert response.status_code == 200, response.content
        page = response.json()
        seen += page["items"]
        if page["next"] is None:
            break
        cursor = f"&cursor={page['next']}"
    assert len(seen) == 25 and len({item["id"] for item in seen}) == 25
    assert seen[0]["occurred_at_jalali"].startswith("1403/12/")


def test_timeline_filters_kind_channel_and_jalali_days(client, tenants, busy):
    page = _timeline(client, tenants, busy, "?kind=message&kind=call&channel=sms&limit=200").json()
    assert page["items"] and {i["kind"] for i in page["items"]} <= {"message", "call"}
    assert {i["channel"] for i in page["items"]} == {"sms"}
    # 1403/12/11 to 1403/12/12 (2025-03-01 and 02): items 0-3.
    page = _timeline(client, tenants, busy, "?date_from=۱۴۰۳/۱۲/۱۱&date_to=1403/12/12").json()
    assert sorted(i["summary"] for i in page["items"]) == [f"رویداد {n}" for n in range(4)]


def test_timeline_invalid_jalali_date_and_unknown_kind(client, tenants, busy):
    body = problem(_timeline(client, tenants, busy, "?date_from=1404/12/30&kind=bogus"), 422)
    assert fields(body) == {"date_from", "kind.0"} or fields(body) == {"date_from", "kind"}
    body = problem(_timeline(client, tenants, busy, "?date_from=1403/12/12&date_to=1403/12/11"), 422)
    assert fields(body) == {"date_to"}


def test_timeline_outsider_404_and_every_role_may_read(client, tenants, busy):
    problem(_timeline(client, tenants, busy, who="outsider"), 404)
    assert _timeline(client, tenants, busy, who="analyst").status_code == 200


def test_timeline_of_a_merged_customer_is_404(client, tenants, busy):
    survivor = Customer.objects.create(workspace=tenants.ws_a)
    Customer.objects.filter(pk=busy.pk).update(merged_into=survivor)
    problem(_timeline(client, tenants, busy), 404)


def test_timeline_pages_cost_the_same_number_of_queries(client, tenants, busy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _timeline(client, tenants, busy)  # warm-up: a first request may record the token's use
    with CaptureQueriesContext(connection) as first:
        page = _timeline(client, tenants, busy, "?limit=5").json()
    with CaptureQueriesContext(connection) as later:
        _timeline(client, tenants, busy, f"?limit=5&cursor={page['next']}")
    assert len(first) == len(later) <= 6
    assert not any("OFFSET" in q["sql"].upper() for q in later.captured_queries)
