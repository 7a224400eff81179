"""The OpenAPI document loads, lists every route with Persian tags and summaries, and the docs page opens."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

FOUNDATION_ROUTES = {
    ("get", "/api/v1/version"),
    ("get", "/api/v1/me"),
    ("patch", "/api/v1/me"),
    ("get", "/api/v1/workspace"),
    ("patch", "/api/v1/workspace"),
    ("get", "/api/v1/members"),
    ("patch", "/api/v1/members/{member_id}"),
    ("delete", "/api/v1/members/{member_id}"),
    ("get", "/api/v1/invitations"),
    ("post", "/api/v1/invitations"),
    ("delete", "/api/v1/invitations/{invitation_id}"),
    ("get", "/api/v1/business-hours"),
    ("put", "/api/v1/business-hours"),
    ("get", "/api/v1/days-off"),
    ("post", "/api/v1/days-off"),
    ("delete", "/api/v1/days-off/{day_off_id}"),
    ("get", "/api/v1/audit-log"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("delete", "/api/v1/tokens/{token_id}"),
}


@pytest.fixture
def schema():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_lists_every_route(schema):
    listed = {(method, path) for path, methods in schema["paths"].items() for method in methods}
    assert listed >= FOUNDATION_ROUTES


def test_every_operation_has_a_tag_and_a_summary(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert operation.get("tags"), (method, path)
            assert operation.get("summary"), (method, path)


def test_bearer_security_is_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
    assert schema["paths"]["/api/v1/me"]["get"]["security"]


def test_lists_are_paginated_with_cursor_and_limit(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/members"]["get"]["parameters"]}
    assert parameters == {"cursor", "limit"}
    audit = {p["name"] for p in schema["paths"]["/api/v1/audit-log"]["get"]["parameters"]}
    assert audit == {"cursor", "limit", "object_type", "action"}


def test_request_examples_are_persian(schema):
    text = str(schema["components"]["schemas"])
    assert "فروشگاه محور" in text and "1404/01/12" in text


def test_errors_are_documented_as_problems(schema):
    responses = schema["paths"]["/api/v1/days-off"]["post"]["responses"]
    assert {"201", "401", "403", "422"} <= set(responses)
    assert "ProblemOut" in str(responses["422"])


def test_docs_page_opens():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
