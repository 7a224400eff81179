"""API: /customers (list, search, create, read, update, erase) and /customers/{id}/identities."""

import pytest
from django.test import Client

from mehvar.api.tests.apiclient import call, fields, message_of, problem
from mehvar.core.models import AuditEntry
from mehvar.customers.models import Customer, Identity


@pytest.fixture
def client():
    return Client()


def _create(client, tenants, body, who="owner", **kwargs):
    return call(client, "post", "/customers", tenants=tenants, who=who, body=body, **kwargs)


@pytest.fixture
def ali(client, tenants):
    response = _create(
        client,
        tenants,
        {
            "first_name": "علی",
            "last_name": "رضایی",
            "phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹",
            "city": "اصفهان",
            "tags": ["مشتری ویژه"],
            "identities": [{"kind": "telegram", "value": "@Ali_Rezaei"}],
        },
    )
    assert response.status_code == 201, response.content
    return Customer.objects.get(pk=response.json()["id"])


# --- Create -----------------------------------------------------------------------------------------------


def test_create_normalises_and_answers_the_profile(client, tenants):
    response = _create(
        client,
        tenants,
        {
            "first_name": "سارا",
            "phone": "+98 912-000-1111",
            "birthday": "1370/06/31",
            "email": "Sara@Example.com",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+989120001111" and body["email"] == "sara@example.com"
    assert body["birthday"] == "1991-09-22" and body["birthday_jalali"] == "1370/06/31"
    assert {i["kind"] for i in body["identities"]} == {"phone", "email"}
    assert AuditEntry.objects.filter(
        workspace=tenants.ws_a, object_type="customers.customer", via="api"
    ).exists()


def test_create_names_bad_fields_in_persian_then_english(client, tenants):
    bad = {"phone": "12ab", "birthday": "1404/12/30", "lifecycle": "vip", "first_name": 5}
    body = problem(_create(client, tenants, bad), 422)
    assert fields(body) == {"phone", "birthday", "lifecycle", "first_name"}
    assert not message_of(body, "birthday").isascii()
    body = problem(_create(client, tenants, bad, lang="en"), 422)
    assert message_of(body, "birthday").isascii()
    assert not Customer.objects.exists()


def test_create_refuses_a_bad_identity_and_unknown_fields(client, tenants):
    body = problem(
        _create(client, tenants, {"first_name": "الف", "identities": [{"kind": "fax", "value": "1"}]}), 422
    )
    assert fields(body) == {"identities.0.kind"}
    body = problem(_create(client, tenants, {"first_name": "الف", "shoe": 42}), 422)
    assert fields(body) == {"shoe"}
    assert not Customer.objects.exists()


def test_analyst_may_not_create_or_change(client, tenants, ali):
    problem(_create(client, tenants, {"first_name": "الف"}, who="analyst"), 403)
    path = f"/customers/{ali.pk}"
    problem(call(client, "patch", path, tenants=tenants, who="analyst", body={"city": "یزد"}), 403)
    problem(call(client, "delete", path, tenants=tenants, who="analyst"), 403)
    problem(
        call(
            client,
            "post",
            f"{path}/identities",
            tenants=tenants,
            who="analyst",
            body={"kind": "phone", "value": "09120000000"},
        ),
        403,
    )
    assert Customer.objects.count() == 1


# --- Read and list ----------------------------------------------------------------------------------------


def test_detail_and_outsider_404(client, tenants, ali):
    response = call(client, "get", f"/customers/{ali.pk}", tenants=tenants, who="analyst")
    assert response.status_code == 200
    body = response.json()
    assert body["tags"] == ["مشتری ویژه"]
    assert {(i["kind"], i["value"]) for i in body["identities"]} == {
        ("phone", "+989123456789"),
        ("telegram", "ali_rezaei"),
    }
    call(client, "get", f"/customers/{ali.pk}", tenants=tenants, who="analyst")  # within the hour: once
    viewed = AuditEntry.objects.filter(
        action=AuditEntry.Action.VIEW_PERSONAL, object_id=str(ali.pk), via="api"
    )
    assert viewed.count() == 1 and viewed.get().actor == tenants.by_role["analyst"].user
    for method in ("get", "patch", "delete"):
        problem(
            call(
                client,
                method,
                f"/customers/{ali.pk}",
                tenants=tenants,
                who="outsider",
                body={} if method == "patch" else None,
            ),
            404,
        )
    problem(call(client, "get", f"/customers/{ali.pk}/identities", tenants=tenants, who="outsider"), 404)


def test_list_searches_letter_variants_and_digits(client, tenants, ali):
    _create(client, tenants, {"first_name": "سارا", "last_name": "نوری", "phone": "09350000000"})
    for q in ("علي رضائي", "۰۹۱۲۳۴۵", "ali_rezaei"):
        response = call(client, "get", f"/customers?q={q}", tenants=tenants, who="analyst")
        assert response.status_code == 200, response.content
        assert [c["id"] for c in response.json()["items"]] == [ali.pk], q
    everyone = call(client, "get", "/customers", tenants=tenants, who="owner").json()["items"]
    assert len(everyone) == 2
    assert call(client, "get", "/customers", tenants=tenants, who="outsider").json()["items"] == []


def test_list_filters_and_bad_filters(client, tenants, ali):
    _create(client, tenants, {"first_name": "سارا", "city": "شیراز", "lifecycle": "loyal"})
    items = call(client, "get", "/customers?city=اصفهان", tenants=tenants, who="owner").json()["items"]
    assert [c["id"] for c in items] == [ali.pk]
    items = call(
        client, "get", "/customers?lifecycle=loyal&lifecycle=lead", tenants=tenants, who="owner"
    ).json()["items"]
    assert [c["first_name"] for c in items] == ["سارا"]
    body = problem(
        call(
            client,
            "get",
            "/customers?lifecycle=vip&last_contact_from=1404/12/30",
            tenants=tenants,
            who="owner",
        ),
        422,
    )
    assert {f.split(".")[0] for f in fields(body)} == {"lifecycle", "last_contact_from"}


def test_list_pages_walk_every_customer_once(client, tenants):
    for n in range(7):
        Customer.objects.create(workspace=tenants.ws_a, first_name=f"مشتری {n}")
    seen, cursor = [], ""
    while True:
        page = call(client, "get", f"/customers?limit=3{cursor}", tenants=tenants, who="owner").json()
        seen += [c["id"] for c in page["items"]]
        if not page["next"]:
            break
        cursor = f"&cursor={page['next']}"
    assert len(seen) == 7 == len(set(seen))


def test_merged_customers_are_gone_for_the_api(client, tenants, ali):
    other = Customer.objects.create(workspace=tenants.ws_a, first_name="دیگری", merged_into=ali)
    problem(call(client, "get", f"/customers/{other.pk}", tenants=tenants, who="owner"), 404)
    ids = [c["id"] for c in call(client, "get", "/customers", tenants=tenants, who="owner").json()["items"]]
    assert other.pk not in ids


# --- Update and erase -------------------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(client, tenants, ali):
    response = call(
        client,
        "patch",
        f"/customers/{ali.pk}",
        tenants=tenants,
        who="agent",
        body={"city": "يزد", "tags": []},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["city"] == "یزد" and body["tags"] == [] and body["first_name"] == "علی"


def test_patch_bad_phone_is_named_and_nothing_changes(client, tenants, ali):
    body = problem(
        call(
            client,
            "patch",
            f"/customers/{ali.pk}",
            tenants=tenants,
            who="agent",
            body={"phone": "0912", "city": "یزد"},
            lang="en",
        ),
        422,
    )
    assert fields(body) == {"phone"}
    ali.refresh_from_db()
    assert ali.city == "اصفهان"


def test_delete_erases_for_admins_only(client, tenants, ali):
    problem(call(client, "delete", f"/customers/{ali.pk}", tenants=tenants, who="agent"), 403)
    response = call(client, "delete", f"/customers/{ali.pk}", tenants=tenants, who="admin")
    assert response.status_code == 204, response.content
    ali.refresh_from_db()
    assert ali.erased_at is not None
    problem(call(client, "get", f"/customers/{ali.pk}", tenants=tenants, who="owner"), 404)


# --- Identities -------------------------------------------------------------------------------------------


def test_identities_list_add_and_remove(client, tenants, ali):
    path = f"/customers/{ali.pk}/identities"
    listed = call(client, "get", path, tenants=tenants, who="analyst").json()["items"]
    assert len(listed) == 2
    added = call(
        client, "post", path, tenants=tenants, who="agent", body={"kind": "email", "value": "Ali@Example.com"}
    )
    assert added.status_code == 201, added.content
    assert added.json()["value"] == "ali@example.com"
    removed = call(client, "delete", f"{path}/{added.json()['id']}", tenants=tenants, who="agent")
    assert removed.status_code == 204
    assert not Identity.objects.filter(value="ali@example.com").exists()


def test_identity_bad_phone_422_and_taken_422(client, tenants, ali):
    path = f"/customers/{ali.pk}/identities"
    body = problem(
        call(client, "post", path, tenants=tenants, who="agent", body={"kind": "phone", "value": "۰۹۱۲"}), 422
    )
    assert fields(body) == {"value"} or fields(body) == {"phone"}
    other = _create(client, tenants, {"first_name": "سارا"}).json()
    body = problem(
        call(
            client,
            "post",
            f"/customers/{other['id']}/identities",
            tenants=tenants,
            who="agent",
            body={"kind": "phone", "value": "09123456789"},
        ),
        422,
    )
    assert Identity.objects.filter(value="+989123456789").count() == 1


def test_identity_of_another_customer_is_404(client, tenants, ali):
    other = Customer.objects.create(workspace=tenants.ws_a, first_name="سارا")
    identity = Identity.objects.filter(customer=ali).first()
    problem(
        call(
            client, "delete", f"/customers/{other.pk}/identities/{identity.pk}", tenants=tenants, who="owner"
        ),
        404,
    )
    problem(
        call(
            client, "delete", f"/customers/{ali.pk}/identities/{identity.pk}", tenants=tenants, who="outsider"
        ),
        404,
    )
    assert Identity.objects.filter(pk=identity.pk).exists()


CUSTOMER_ROUTES = {
    ("get", "/api/v1/customers"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/{customer_id}"),
    ("patch", "/api/v1/customers/{customer_id}"),
    ("delete", "/api/v1/customers/{customer_id}"),
    ("get", "/api/v1/customers/{customer_id}/identities"),
    ("post", "/api/v1/customers/{customer_id}/identities"),
    ("delete", "/api/v1/customers/{customer_id}/identities/{identity_id}"),
    ("get", "/api/v1/customers/{customer_id}/timeline"),
    ("post", "/api/v1/customers/{customer_id}/merge"),
    ("post", "/api/v1/merges/{merge_id}/undo"),
    ("get", "/api/v1/duplicates"),
    ("post", "/api/v1/duplicates/{suggestion_id}/dismiss"),
    ("post", "/api/v1/activities"),
    ("post", "/api/v1/activities/bulk"),
    ("post", "/api/v1/imports"),
    ("get", "/api/v1/imports/{import_id}"),
    ("get", "/api/v1/imports/{import_id}/errors"),
    ("post", "/api/v1/imports/{import_id}/mapping"),
    ("post", "/api/v1/imports/{import_id}/start"),
}


def test_openapi_documents_every_route_in_persian(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    listed = {(method, path) for path, methods in schema["paths"].items() for method in methods}
    assert listed >= CUSTOMER_ROUTES
    for method, path in CUSTOMER_ROUTES:
        operation = schema["paths"][path][method]
        assert not operation["summary"].isascii(), (method, path)
        assert "401" in operation["responses"]
    examples = str(schema["components"]["schemas"])
    assert "۰۹۱۲ ۳۴۵ ۶۷۸۹" in examples and "سفارش ۴۲ ثبت شد" in examples and "1370/06/31" in examples
