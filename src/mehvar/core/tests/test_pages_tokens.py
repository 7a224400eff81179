"""The member's API tokens: the secret is shown once and stored hashed; a revoked token stops working."""

import hashlib
import re

import pytest

from mehvar.accounts.models import ApiToken
from mehvar.accounts.services import api_token_authenticate
from mehvar.accounts.tests.helpers import html, in_language, shows, too_long
from mehvar.core.jalali import format_datetime
from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.testing import login

pytestmark = pytest.mark.django_db

TOKENS = "/w/shop-a/tokens/"


def create(client, name="Accounting sync"):
    response = client.post(TOKENS, {"name": name}, follow=True)
    assert response.redirect_chain == [(TOKENS, 302)] and response.status_code == 200, html(response)
    match = re.search(r'data-testid="token-secret"><code>(mhv_[\w-]+)</code>', html(response))
    assert match
    return response, match.group(1)


def test_the_secret_is_shown_once_and_stored_hashed(client, tenants):
    login(client, tenants.agent_a)
    response, secret = create(client)
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(membership=tenants.agent_a, name="Accounting sync")
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.prefix, token.token_hash, token.name}
    assert secret.startswith(token.prefix)
    page = html(client.get(TOKENS))  # a reload: the secret is gone and no second token was made
    assert secret not in page and token.prefix in page
    assert ApiToken.objects.filter(membership=tenants.agent_a, name="Accounting sync").count() == 1
    assert api_token_authenticate(secret=secret) == token
    entry = AuditEntry.objects.get(object_type="accounts.apitoken", object_id=str(token.pk), action="create")
    assert entry.after == {"name": "Accounting sync", "prefix": token.prefix}
    assert secret not in str(entry.after)


def test_the_list_has_only_my_tokens_with_jalali_dates(client, tenants):
    login(client, tenants.agent_a)
    create(client)
    page = html(client.get(TOKENS))
    assert page.count('data-testid="token-row"') == 2  # the fixture's token and the new one
    owner_token = tenants.owner_a.api_tokens.get()
    assert owner_token.prefix not in page
    mine = tenants.agent_a.api_tokens.first()
    assert format_datetime(mine.created_at, digits="fa") in page  # Jalali, Tehran time, Persian digits


def test_last_used_is_shown_after_the_api_uses_the_token(client, tenants):
    login(client, tenants.agent_a)
    _response, secret = create(client)
    api_token_authenticate(secret=secret)
    token = ApiToken.objects.get(name="Accounting sync")
    assert token.last_used_at is not None
    assert shows(client.get(TOKENS), in_language("fa", "Never"))  # the fixture's token was never used


def test_revoke_stops_the_token_at_the_api(client, tenants):
    login(client, tenants.agent_a)
    _response, secret = create(client)
    token = ApiToken.objects.get(name="Accounting sync")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    response = client.post(f"/w/shop-a/tokens/{token.pk}/revoke/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and html(response).strip().startswith(f'<tr id="token-{token.pk}"')
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(secret=secret) is None
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert AuditEntry.objects.filter(
        object_type="accounts.apitoken", object_id=str(token.pk), action="delete"
    ).exists()
    # Once revoked, there is nothing left to revoke.
    assert client.post(f"/w/shop-a/tokens/{token.pk}/revoke/").status_code == 404


def test_revoke_without_javascript_redirects(client, tenants):
    login(client, tenants.agent_a)
    token = tenants.agent_a.api_tokens.get()
    response = client.post(f"/w/shop-a/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == TOKENS


def test_nobody_revokes_another_members_token(client, tenants):
    owner_token = tenants.owner_a.api_tokens.get()
    login(client, tenants.agent_a)
    assert client.post(f"/w/shop-a/tokens/{owner_token.pk}/revoke/").status_code == 404
    owner_token.refresh_from_db()
    assert owner_token.revoked_at is None
    assert api_token_authenticate(secret=tenants.tokens[Role.OWNER]) is not None


def test_a_bad_name_is_a_field_error_and_nothing_is_created(client, tenants):
    login(client, tenants.agent_a)
    before = ApiToken.objects.count()
    response = client.post(TOKENS, {"name": "ت" * 101})
    assert response.status_code == 200
    assert shows(response, too_long("fa", 100, 101))
    assert 'data-testid="token-secret"' not in html(response)
    response = client.post(TOKENS, {"name": ""})
    assert shows(response, in_language("fa", "This field is required."))
    assert ApiToken.objects.count() == before
