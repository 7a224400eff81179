"""Who may open each workspace page: members with the permission, 403 for a role without, 404 for outsiders.

(test_outsider_routes.py walks every /w/<slug>/ route for the outsider and anonymous cases; this file checks
the roles of workspace A against the permission each route declares.)
"""

import pytest
from django.urls import URLPattern, get_resolver, reverse

from mehvar.core.models import DayOff
from mehvar.core.roles import ROLE_PERMISSIONS, Perm, Role, role_has
from mehvar.core.services import invitation_create
from mehvar.testing import login

pytestmark = pytest.mark.django_db

# Every route of this app and the permission it must ask for (a change here changes docs/permissions.md).
EXPECTED_PERMS = {
    "members": Perm.MEMBERS_VIEW,
    "member_invite": Perm.MEMBERS_MANAGE,
    "member_role": Perm.MEMBERS_MANAGE,
    "member_remove": Perm.MEMBERS_MANAGE,
    "invitation_revoke": Perm.MEMBERS_MANAGE,
    "tokens": Perm.API_TOKENS_OWN,
    "token_revoke": Perm.API_TOKENS_OWN,
    "audit": Perm.AUDIT_VIEW,
    "settings": Perm.WORKSPACE_MANAGE,
    "settings_hours": Perm.WORKSPACE_MANAGE,
    "day_off_add": Perm.WORKSPACE_MANAGE,
    "day_off_remove": Perm.WORKSPACE_MANAGE,
}
PAGES = ["members", "tokens", "audit", "settings"]


def workspace_patterns() -> dict[str, URLPattern]:
    resolver = get_resolver()
    namespace = resolver.namespace_dict["workspace"][1]
    return {entry.name: entry for entry in namespace.url_patterns}


def url_for(name: str, tenants, args: dict | None = None) -> str:
    pattern = workspace_patterns()[name]
    kwargs = {"slug": "shop-a"}
    for key in pattern.pattern.converters:
        kwargs[key] = (args or {}).get(key, 999999)
    return reverse(f"workspace:{name}", kwargs=kwargs)


def test_every_route_declares_the_expected_permission():
    declared = {name: entry.callback.required_perm for name, entry in workspace_patterns().items()}
    assert declared == EXPECTED_PERMS


@pytest.mark.parametrize("name", sorted(EXPECTED_PERMS))
def test_a_role_without_the_permission_gets_403(client, tenants, monkeypatch, name):
    perm = EXPECTED_PERMS[name]
    lacking = [role for role in Role if not role_has(role, perm)]
    if not lacking:
        # Every role has it today: take it away from analysts to prove the view asks for it.
        monkeypatch.setitem(ROLE_PERMISSIONS, Role.ANALYST, ROLE_PERMISSIONS[Role.ANALYST] - {perm})
        lacking = [Role.ANALYST]
    for role in lacking:
        login(client, tenants.by_role[role])
        path = url_for(name, tenants)
        assert client.get(path).status_code == 403, (role, path)
        assert client.post(path).status_code == 403, (role, path)


@pytest.mark.parametrize("name", PAGES)
def test_every_role_with_the_permission_opens_the_page(client, tenants, name):
    perm = EXPECTED_PERMS[name]
    for role in Role:
        if role_has(role, perm):
            login(client, tenants.by_role[role])
            response = client.get(url_for(name, tenants))
            assert response.status_code == 200, (role, name)


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_goes_to_login_and_outsider_gets_404(client, tenants, name):
    path = url_for(name, tenants)
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    login(client, tenants.outsider_b)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_workspace_b_objects_are_404_from_workspace_a(client, tenants):
    """The owner of A posts at A's URLs with B's ids: nothing is found, nothing changes."""
    day_b = DayOff.objects.create(workspace=tenants.ws_b, date="2027-01-01", title="B")
    invitation_b, _secret = invitation_create(acting=tenants.outsider_b, email="x@b.test", role=Role.AGENT)
    login(client, tenants.owner_a)
    targets = {
        "member_role": {"member_id": tenants.outsider_b.pk},
        "member_remove": {"member_id": tenants.outsider_b.pk},
        "invitation_revoke": {"invitation_id": invitation_b.pk},
        "day_off_remove": {"day_id": day_b.pk},
    }
    for name, args in targets.items():
        assert client.post(url_for(name, tenants, args), {"role": "agent"}).status_code == 404, name
    token_b = tenants.outsider_b.api_tokens.get()
    assert client.post(url_for("token_revoke", tenants, {"token_id": token_b.pk})).status_code == 404
    token_b.refresh_from_db()
    invitation_b.refresh_from_db()
    assert token_b.revoked_at is None and invitation_b.revoked_at is None
    assert DayOff.objects.filter(pk=day_b.pk).exists()
    tenants.outsider_b.refresh_from_db()
    assert tenants.outsider_b.role == Role.OWNER


def test_post_only_routes_refuse_get(client, tenants):
    login(client, tenants.owner_a)
    for name in EXPECTED_PERMS:
        if name not in PAGES:
            assert client.get(url_for(name, tenants)).status_code == 405, name
