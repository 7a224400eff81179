"""API: the duplicates review queue, merge and undo."""

import pytest
from django.test import Client

from mehvar.api.tests.apiclient import call, fields, problem
from mehvar.customers.models import Activity, Customer, DuplicateSuggestion, Merge


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def pair(tenants):
    a = Customer.objects.create(workspace=tenants.ws_a, first_name="علی", last_name="رضایی", city="اصفهان")
    b = Customer.objects.create(workspace=tenants.ws_a, first_name="علي", last_name="رضائي", city="تهران")
    suggestion = DuplicateSuggestion.objects.create(
        workspace=tenants.ws_a,
        customer_a=a,
        customer_b=b,
        score=0.9,
        evidence=[{"signal": "name", "a": "علی رضایی", "b": "علي رضائي", "weight": 0.9}],
    )
    return a, b, suggestion


def test_queue_lists_open_suggestions_with_evidence(client, tenants, pair):
    a, _b, suggestion = pair
    items = call(client, "get", "/duplicates", tenants=tenants, who="analyst").json()["items"]
    assert [i["id"] for i in items] == [suggestion.pk]
    assert items[0]["customer_a"]["id"] == a.pk and items[0]["evidence"][0]["signal"] == "name"
    assert call(client, "get", "/duplicates", tenants=tenants, who="outsider").json()["items"] == []


def test_dismiss(client, tenants, pair):
    _a, _b, suggestion = pair
    path = f"/duplicates/{suggestion.pk}/dismiss"
    problem(call(client, "post", path, tenants=tenants, who="outsider"), 404)
    problem(call(client, "post", path, tenants=tenants, who="analyst"), 403)
    response = call(client, "post", path, tenants=tenants, who="agent")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    problem(call(client, "post", path, tenants=tenants, who="agent"), 422)
    assert call(client, "get", "/duplicates", tenants=tenants, who="agent").json()["items"] == []


def test_merge_and_undo(client, tenants, pair):
    a, b, _suggestion = pair
    Activity.objects.create(workspace=tenants.ws_a, customer=b, kind="note", occurred_at=b.created_at)
    merged = call(
        client,
        "post",
        f"/customers/{a.pk}/merge",
        tenants=tenants,
        who="agent",
        body={"other_customer_id": b.pk, "choices": {"city": "merged"}},
    )
    assert merged.status_code == 201, merged.content
    merge = merged.json()
    assert merge["survivor_id"] == a.pk and merge["merged_id"] == b.pk
    a.refresh_from_db()
    assert a.city == "تهران" and Activity.objects.get(kind="note").customer_id == a.pk
    problem(call(client, "get", f"/customers/{b.pk}", tenants=tenants, who="agent"), 404)

    undone = call(client, "post", f"/merges/{merge['id']}/undo", tenants=tenants, who="agent")
    assert undone.status_code == 200, undone.content
    assert undone.json()["undone_at"] is not None
    a.refresh_from_db()
    assert a.city == "اصفهان" and Activity.objects.get(kind="note").customer_id == b.pk
    assert call(client, "get", f"/customers/{b.pk}", tenants=tenants, who="agent").status_code == 200


def test_merge_refusals(client, tenants, pair):
    a, b, _suggestion = pair
    path = f"/customers/{a.pk}/merge"
    problem(
        call(client, "post", path, tenants=tenants, who="outsider", body={"other_customer_id": b.pk}), 404
    )
    problem(call(client, "post", path, tenants=tenants, who="analyst", body={"other_customer_id": b.pk}), 403)
    theirs = Customer.objects.create(workspace=tenants.ws_b, first_name="بیرونی")
    problem(
        call(client, "post", path, tenants=tenants, who="owner", body={"other_customer_id": theirs.pk}), 404
    )
    body = problem(
        call(
            client,
            "post",
            path,
            tenants=tenants,
            who="owner",
            body={"other_customer_id": "x", "choices": {"city": "both"}},
        ),
        422,
    )
    assert fields(body) == {"other_customer_id", "choices.city"}
    assert not Merge.objects.exists()


def test_undo_outsider_404_and_analyst_403(client, tenants, pair):
    a, b, _suggestion = pair
    merge = call(
        client,
        "post",
        f"/customers/{a.pk}/merge",
        tenants=tenants,
        who="owner",
        body={"other_customer_id": b.pk},
    ).json()
    problem(call(client, "post", f"/merges/{merge['id']}/undo", tenants=tenants, who="outsider"), 404)
    problem(call(client, "post", f"/merges/{merge['id']}/undo", tenants=tenants, who="analyst"), 403)
    assert Merge.objects.get().undone_at is None
