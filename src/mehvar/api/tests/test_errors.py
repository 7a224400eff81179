"""Every error is problem+json: malformed JSON, unknown paths and methods, server errors, languages."""

import re

import pytest
from django.test import Client

from mehvar.api.tests.apiclient import call, fields, message_of, problem
from mehvar.core.models import AuditEntry, DayOff

pytestmark = pytest.mark.django_db

PERSIAN_LETTERS = re.compile("[\u0600-\u06ff]")


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/days-off"), ("patch", "/workspace"), ("put", "/business-hours"), ("post", "/tokens")],
)
def test_malformed_json_is_400(client, tenants, method, path):
    audit_before = AuditEntry.objects.count()
    body = problem(call(client, method, path, tenants=tenants, who="owner", raw='{"title": "x",'), 400)
    assert body["type"] == "urn:mehvar:problem:malformed-request"
    assert AuditEntry.objects.count() == audit_before
    assert not DayOff.objects.exists()


def test_a_json_value_that_is_not_an_object_is_422_on_the_body(client, tenants):
    body = problem(call(client, "post", "/days-off", tenants=tenants, who="owner", raw="[1, 2]"), 422)
    assert fields(body) == {"body"}


def test_an_empty_body_is_422_on_the_body(client, tenants):
    body = problem(call(client, "post", "/days-off", tenants=tenants, who="owner", raw=""), 422)
    assert fields(body) == {"body"}


@pytest.mark.parametrize("path", ["/nothing-here", "/members/1/extra", "/", "/v2/me"])
def test_unknown_api_path_is_a_404_problem(client, tenants, path):
    body = problem(call(client, "get", path, tenants=tenants, who="owner"), 404)
    assert body["type"] == "urn:mehvar:problem:not-found"


def test_unknown_path_is_404_even_without_a_token():
    problem(Client().post("/api/v1/nothing-here"), 404)


def test_wrong_method_is_a_405_problem(client, tenants):
    response = call(client, "delete", "/me", tenants=tenants, who="owner")
    problem(response, 405)
    assert "GET" in response["Allow"] and "PATCH" in response["Allow"]


def test_an_uncaught_error_is_a_500_problem_without_the_traceback(client, tenants, monkeypatch, caplog):
    from mehvar.core import selectors

    def broken(**kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(selectors, "audit_entries_of", broken)
    response = call(client, "get", "/audit-log", tenants=tenants, who="owner")
    body = problem(response, 500)
    assert body["type"] == "urn:mehvar:problem:server-error"
    content = response.content.decode()
    assert "hunter2" not in content and "Traceback" not in content and "RuntimeError" not in content
    assert "hunter2" in caplog.text  # logged for operators


def test_persian_by_default_english_on_request(client, tenants):
    payload = {"name": "x" * 121, "persian_digits": "maybe"}
    fa = problem(call(client, "patch", "/workspace", tenants=tenants, who="owner", body=payload), 422)
    en = problem(
        call(client, "patch", "/workspace", tenants=tenants, who="owner", body=payload, lang="en"), 422
    )
    assert fields(fa) == fields(en) == {"name", "persian_digits"}
    for field in ("name", "persian_digits"):
        assert message_of(fa, field) != message_of(en, field)
        assert not PERSIAN_LETTERS.search(message_of(en, field))
    assert "۱۲۰" in message_of(fa, "name")
    assert "120" in message_of(en, "name")
    assert en["title"] == "Invalid data"


def test_accept_language_preferences_are_followed(client, tenants):
    en = problem(
        call(client, "post", "/tokens", tenants=tenants, who="owner", body={}, lang="de, en;q=0.8"), 422
    )
    assert message_of(en, "name") == "This field is required."
    fa = problem(
        call(client, "post", "/tokens", tenants=tenants, who="owner", body={}, lang="en;q=0.5, fa"), 422
    )
    assert PERSIAN_LETTERS.search(message_of(fa, "name"))


def test_problem_text_is_persian_by_default(client, tenants):
    """Titles, details and our own messages come from the translation catalogue (locale/fa)."""
    cases = [
        (call(client, "get", "/me"), 401, None),
        (call(client, "patch", "/workspace", tenants=tenants, who="agent", body={"name": "x"}), 403, None),
        (call(client, "delete", "/days-off/999", tenants=tenants, who="owner"), 404, None),
        (
            call(client, "post", "/tokens", tenants=tenants, who="owner", body={"name": "x" * 101}),
            422,
            "name",
        ),
        (call(client, "get", "/members?limit=1000", tenants=tenants, who="owner"), 422, "limit"),
        (
            call(
                client,
                "post",
                "/days-off",
                tenants=tenants,
                who="owner",
                body={"date": "1404/12/30", "title": "t"},
            ),
            422,
            "date",
        ),
    ]
    for response, status, field in cases:
        body = problem(response, status)
        assert PERSIAN_LETTERS.search(body["title"]), body
        assert PERSIAN_LETTERS.search(body["detail"]), body
        if field:
            assert PERSIAN_LETTERS.search(message_of(body, field)), body


def test_service_validation_error_becomes_422_with_its_field(client, tenants):
    owner = tenants.owner_a
    body = problem(
        call(client, "patch", f"/members/{owner.pk}", tenants=tenants, who="owner", body={"role": "agent"}),
        422,
    )
    assert fields(body) == {"role"}
    owner.refresh_from_db()
    assert owner.role == "owner"


def test_service_permission_denied_becomes_403(client, tenants):
    """An admin may manage members but not touch the owner role (the service decides)."""
    owner = tenants.owner_a
    body = problem(
        call(client, "patch", f"/members/{owner.pk}", tenants=tenants, who="admin", body={"role": "agent"}),
        403,
    )
    assert body["type"] == "urn:mehvar:problem:forbidden"
