"""API: /imports (upload, mapping, start, status, errors)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mehvar.api.tests.apiclient import API, call, fields, problem
from mehvar.customers.importing import import_run_now
from mehvar.customers.models import Customer, Import

GOOD_AND_BAD = "نام,موبایل\nعلی,۰۹۱۲ ۳۴۵ ۶۷۸۹\nسارا,12ab\n".encode()


@pytest.fixture
def client():
    return Client()


def _upload(client, tenants, content, name="customers.csv", who="owner", lang=None):
    extra = dict(tenants.bearer(who))
    if lang:
        extra["HTTP_ACCEPT_LANGUAGE"] = lang
    return client.post(f"{API}/imports", {"file": SimpleUploadedFile(name, content)}, **extra)


def test_upload_map_start_status_and_errors(client, tenants, settings):
    uploaded = _upload(client, tenants, GOOD_AND_BAD)
    assert uploaded.status_code == 201, uploaded.content
    body = uploaded.json()
    assert body["headers"] == ["نام", "موبایل"] and body["total_rows"] == 2
    path = f"/imports/{body['id']}"

    mapped = call(
        client,
        "post",
        f"{path}/mapping",
        tenants=tenants,
        who="agent",
        body={"mapping": {"نام": "first_name", "موبایل": "phone"}},
    )
    assert mapped.status_code == 200, mapped.content
    started = call(client, "post", f"{path}/start", tenants=tenants, who="agent")
    assert started.status_code == 202, started.content
    import_run_now(Import.objects.get(pk=body["id"]))  # what the worker does

    status = call(client, "get", path, tenants=tenants, who="owner").json()
    assert status["status"] == "invalid" and status["error_count"] == 1
    errors = call(client, "get", f"{path}/errors", tenants=tenants, who="owner").json()
    assert len(errors) == 1 and errors[0]["row"] == 3
    assert not Customer.objects.exists()  # nothing half-imported


def test_a_binary_file_is_a_422_on_file(client, tenants):
    body = problem(_upload(client, tenants, b"\x00\x01\x02PK" * 100, lang="en"), 422)
    assert fields(body) == {"file"}
    assert not Import.objects.exists()


def test_unknown_mapping_field_is_named(client, tenants):
    imp = _upload(client, tenants, GOOD_AND_BAD).json()
    body = problem(
        call(
            client,
            "post",
            f"/imports/{imp['id']}/mapping",
            tenants=tenants,
            who="owner",
            body={"mapping": {"نام": "shoe"}},
        ),
        422,
    )
    assert fields(body) == {"نام"}


def test_imports_outsider_404_and_analyst_403(client, tenants):
    imp = _upload(client, tenants, GOOD_AND_BAD).json()
    problem(_upload(client, tenants, GOOD_AND_BAD, who="analyst"), 403)
    for method, suffix in (("get", ""), ("get", "/errors"), ("post", "/start")):
        problem(call(client, method, f"/imports/{imp['id']}{suffix}", tenants=tenants, who="outsider"), 404)
    problem(call(client, "get", f"/imports/{imp['id']}", tenants=tenants, who="analyst"), 403)
    assert Import.objects.count() == 1
