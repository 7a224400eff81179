"""The members page: list with roles, invite, change a role, remove, withdraw an invitation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mehvar.accounts.services import api_token_authenticate
from mehvar.accounts.tests.helpers import html, in_language, is_persian, shows, too_long
from mehvar.core.models import AuditEntry, Invitation, Membership
from mehvar.core.roles import Role
from mehvar.core.services import invitation_create
from mehvar.testing import login, make_member

pytestmark = pytest.mark.django_db

MEMBERS = "/w/shop-a/members/"
HTMX = {"HTTP_HX_REQUEST": "true"}
LAST_OWNER = "A workspace must keep at least one owner."


def role_url(member):
    return f"/w/shop-a/members/{member.pk}/role/"


def remove_url(member):
    return f"/w/shop-a/members/{member.pk}/remove/"


def test_the_list_shows_every_member_with_a_role_badge(client, tenants):
    login(client, tenants.agent_a)
    response = client.get(MEMBERS)
    page = html(response)
    for membership in tenants.by_role.values():
        assert membership.user.email in page
    assert page.count('data-testid="member-row"') == len(tenants.by_role)
    assert shows(response, in_language("fa", "Owner"))
    # An agent sees no management controls and no invitations.
    assert 'data-testid="invite-form"' not in page and "/role/" not in page and "/remove/" not in page


def test_the_list_reads_a_fixed_number_of_queries(client, tenants):
    login(client, tenants.owner_a)
    client.get(MEMBERS)
    with CaptureQueriesContext(connection) as few:
        client.get(MEMBERS)
    for index in range(10):
        make_member(workspace=tenants.ws_a, email=f"more{index}@a.test", role=Role.AGENT)
        invitation_create(acting=tenants.owner_a, email=f"inv{index}@a.test", role=Role.AGENT)
    with CaptureQueriesContext(connection) as many:
        response = client.get(MEMBERS)
    assert html(response).count('data-testid="member-row"') == len(tenants.by_role) + 10
    assert len(many) == len(few)


def test_invite_sends_and_lists_the_invitation(client, tenants, django_capture_on_commit_callbacks):
    login(client, tenants.by_role[Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/w/shop-a/members/invite/", {"email": "Sara@Example.com", "role": Role.MARKETER}
        )
    assert response.status_code == 302 and response["Location"] == MEMBERS
    invitation = Invitation.objects.get(workspace=tenants.ws_a, email="sara@example.com")
    assert invitation.role == Role.MARKETER
    entry = AuditEntry.objects.get(workspace=tenants.ws_a, object_type="core.invitation", action="create")
    assert entry.after == {"email": "sara@example.com", "role": "marketer"}
    assert entry.actor == tenants.by_role[Role.ADMIN].user
    page = client.get(MEMBERS)
    assert "sara@example.com" in html(page) and 'data-testid="invitations"' in html(page)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-email", lambda lang: in_language(lang, "Enter a valid email address.")),
        ("a" * 250 + "@x.io", lambda lang: too_long(lang, 254, 255)),
    ],
)
def test_a_bad_invitation_is_a_persian_then_english_field_error(client, tenants, email, message):
    owner = tenants.owner_a.user
    login(client, tenants.owner_a)
    response = client.post("/w/shop-a/members/invite/", {"email": email, "role": Role.AGENT})
    assert response.status_code == 200
    assert is_persian(message("fa")) and shows(response, message("fa"))
    owner.language = "en"
    owner.save()
    response = client.post("/w/shop-a/members/invite/", {"email": email, "role": Role.AGENT})
    assert shows(response, message("en"))
    assert not Invitation.objects.filter(workspace=tenants.ws_a).exists()


def test_inviting_a_member_again_is_a_field_error(client, tenants):
    login(client, tenants.owner_a)
    response = client.post("/w/shop-a/members/invite/", {"email": "AGENT@a.test", "role": Role.AGENT})
    assert response.status_code == 200
    assert shows(response, in_language("fa", "This person is already a member of the workspace."))
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_an_owner(client, tenants):
    login(client, tenants.by_role[Role.ADMIN])
    page = html(client.get(MEMBERS))
    assert 'value="owner"' not in page  # not offered
    response = client.post("/w/shop-a/members/invite/", {"email": "boss@example.com", "role": Role.OWNER})
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_change_a_role_without_javascript(client, tenants):
    agent = tenants.agent_a
    login(client, tenants.owner_a)
    response = client.post(role_url(agent), {"role": Role.SUPERVISOR})
    assert response.status_code == 302 and response["Location"] == MEMBERS
    agent.refresh_from_db()
    assert agent.role == Role.SUPERVISOR
    entry = AuditEntry.objects.get(object_type="core.membership", object_id=str(agent.pk), action="update")
    assert (entry.before, entry.after) == ({"role": "agent"}, {"role": "supervisor"})
    assert entry.actor == tenants.owner_a.user and entry.workspace == tenants.ws_a


def test_change_a_role_inline_with_htmx(client, tenants):
    agent = tenants.agent_a
    login(client, tenants.owner_a)
    response = client.post(role_url(agent), {"role": Role.ANALYST}, **HTMX)
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.strip().startswith(f'<tr id="member-{agent.pk}"') and "<html" not in fragment
    assert '<option value="analyst" selected>' in fragment
    agent.refresh_from_db()
    assert agent.role == Role.ANALYST


def test_an_admin_cannot_make_someone_owner_or_touch_an_owner(client, tenants):
    admin, agent, owner = tenants.by_role[Role.ADMIN], tenants.agent_a, tenants.owner_a
    login(client, admin)
    page = html(client.get(MEMBERS))
    assert role_url(agent) in page and role_url(owner) not in page and remove_url(owner) not in page
    response = client.post(role_url(agent), {"role": Role.OWNER})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.role == Role.AGENT
    assert client.post(role_url(owner), {"role": Role.AGENT}).status_code == 403
    assert client.post(remove_url(owner)).status_code == 403
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert not AuditEntry.objects.filter(
        object_type="core.membership", action__in=["update", "delete"]
    ).exists()


def test_an_owner_can_make_another_owner(client, tenants):
    admin = tenants.by_role[Role.ADMIN]
    login(client, tenants.owner_a)
    client.post(role_url(admin), {"role": Role.OWNER})
    admin.refresh_from_db()
    assert admin.role == Role.OWNER


def test_nobody_demotes_or_removes_the_last_owner(client, tenants):
    owner = tenants.owner_a
    login(client, owner)
    response = client.post(role_url(owner), {"role": Role.ADMIN}, **HTMX)
    assert response.status_code == 200
    assert shows(response, in_language("fa", LAST_OWNER))
    response = client.post(remove_url(owner), follow=True)
    assert shows(response, in_language("fa", LAST_OWNER))
    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert Membership.objects.filter(workspace=tenants.ws_a, role=Role.OWNER).count() == 1


def test_with_two_owners_one_may_step_down(client, tenants):
    second = tenants.by_role[Role.ADMIN]
    login(client, tenants.owner_a)
    client.post(role_url(second), {"role": Role.OWNER})
    response = client.post(role_url(tenants.owner_a), {"role": Role.ADMIN}, **HTMX)
    assert response["HX-Refresh"] == "true"
    tenants.owner_a.refresh_from_db()
    assert tenants.owner_a.role == Role.ADMIN


def test_remove_a_member_ends_their_tokens_and_is_audited(client, tenants):
    agent = tenants.agent_a
    login(client, tenants.owner_a)
    response = client.post(remove_url(agent), **HTMX)
    assert response.status_code == 200 and html(response) == ""
    assert not Membership.objects.filter(pk=agent.pk).exists()
    assert api_token_authenticate(secret=tenants.tokens[Role.AGENT]) is None
    entry = AuditEntry.objects.get(object_type="core.membership", object_id=str(agent.pk), action="delete")
    assert entry.before == {"user": agent.user_id, "role": "agent"} and entry.after is None


def test_withdraw_an_invitation(client, tenants):
    invitation, _secret = invitation_create(acting=tenants.owner_a, email="gone@example.com", role=Role.AGENT)
    login(client, tenants.owner_a)
    assert f'id="invitation-{invitation.pk}"' in html(client.get(MEMBERS))
    response = client.post(f"/w/shop-a/members/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEntry.objects.filter(object_type="core.invitation", action="delete").count() == 1
    assert f'id="invitation-{invitation.pk}"' not in html(client.get(MEMBERS))
    # A withdrawn invitation cannot be withdrawn again.
    assert client.post(f"/w/shop-a/members/invitations/{invitation.pk}/revoke/").status_code == 404
