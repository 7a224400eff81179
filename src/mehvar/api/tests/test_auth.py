"""Every authenticated route answers 401 problem+json without a valid token; the token fixes the workspace.

The routes are read from the OpenAPI document, so a route added later is covered without editing this test.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from mehvar.accounts.models import ApiToken
from mehvar.api.tests.apiclient import call, problem
from mehvar.config.api import api

pytestmark = pytest.mark.django_db


def authenticated_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="")
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if operation.get("security"):
                operations.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return operations


def test_the_foundation_routes_all_need_a_token():
    operations = set(authenticated_operations())
    assert ("get", "/me") in operations
    assert ("delete", "/tokens/1") in operations
    assert len(operations) >= 19
    assert ("get", "/version") not in operations


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer not-a-token",
        "Bearer mhv_this-is-not-a-real-token",
        "Token mhv_x",
        "Basic b3duZXI6cGFzcw==",
    ],
)
def test_no_or_bad_token_is_401_on_every_route(client, tenants, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in authenticated_operations():
        response = call(
            client, method, path, body={} if method in {"post", "put", "patch"} else None, headers=headers
        )
        body = problem(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer"), path
        assert body["type"] == "urn:mehvar:problem:not-authenticated"


def test_revoked_token_is_401(client, tenants):
    ApiToken.objects.filter(membership=tenants.owner_a).update(revoked_at=timezone.now())
    for method, path in authenticated_operations():
        problem(call(client, method, path, tenants=tenants, who="owner"), 401)


def test_token_of_a_deactivated_user_is_401(client, tenants):
    user = tenants.agent_a.user
    user.is_active = False
    user.save()
    problem(call(client, "get", "/me", tenants=tenants, who="agent"), 401)


def test_the_token_fixes_member_and_workspace(client, tenants):
    me = call(client, "get", "/me", tenants=tenants, who="agent").json()
    assert me["email"] == "agent@a.test"
    assert me["role"] == "agent"
    assert me["workspace"]["slug"] == "shop-a"
    outsider = call(client, "get", "/me", tenants=tenants, who="outsider").json()
    assert outsider["workspace"]["slug"] == "shop-b"
    assert outsider["role"] == "owner"


def test_using_a_token_records_when_it_was_last_used(client, tenants):
    token = ApiToken.objects.get(membership=tenants.agent_a)
    assert token.last_used_at is None
    call(client, "get", "/me", tenants=tenants, who="agent")
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


def test_a_session_does_not_stand_in_for_a_token(client, tenants):
    client.force_login(tenants.owner_a.user)
    problem(call(client, "get", "/me"), 401)


def test_version_needs_no_token():
    response = Client().get("/api/v1/version")
    assert response.status_code == 200
    assert response.json()["api"] == "v1"


def test_csrf_does_not_apply_to_bearer_requests(tenants):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenants.owner_a.user)  # a session cookie too: the API still wants the token, not CSRF
    response = client.post(
        "/api/v1/tokens", data={"name": "n"}, content_type="application/json", **tenants.bearer("owner")
    )
    assert response.status_code == 201


def test_the_tokens_user_wins_over_a_session(tenants):
    client = Client()
    client.force_login(tenants.owner_a.user)
    me = client.get("/api/v1/me", **tenants.bearer("agent")).json()
    assert me["email"] == "agent@a.test" and me["role"] == "agent"
