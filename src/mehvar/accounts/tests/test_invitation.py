"""Invitations end to end: invite on the members page, the e-mail (sent on commit), the link, joining."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from mehvar.accounts.models import User
from mehvar.accounts.tests.helpers import html, in_language, shows
from mehvar.core.models import AuditEntry, Invitation, Membership
from mehvar.core.roles import Role
from mehvar.core.services import invitation_create
from mehvar.testing import PASSWORD, login, make_member

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-passphrase-2024"


def invitation_path(message) -> str:
    match = re.search(r"/accounts/invitations/[\w-]+/", message.body)
    assert match, message.body
    return match.group(0)


def invite(client, tenants, capture, email="new.person@example.com", role=Role.SUPERVISOR):
    login(client, tenants.owner_a)
    with capture(execute=True):
        response = client.post("/w/shop-a/members/invite/", {"email": email, "role": role})
    assert response.status_code == 302, html(response)
    client.logout()
    return response


def test_a_new_person_joins_by_the_emailed_link(client, tenants, django_capture_on_commit_callbacks):
    invite(client, tenants, django_capture_on_commit_callbacks, email="New.Person@Example.com")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.com"]
    assert tenants.ws_a.name in message.subject
    assert message.body.count(settings.SITE_URL + "/accounts/invitations/") == 1
    path = invitation_path(message)

    page = client.get(path)
    assert page.status_code == 200
    assert tenants.ws_a.name in html(page)
    assert shows(page, in_language("fa", "Supervisor"))
    assert 'name="password1"' in html(page)

    response = client.post(
        path, {"full_name": "نفر تازه", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/w/shop-a/"
    user = User.objects.get(email="new.person@example.com")
    assert user.full_name == "نفر تازه" and user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    membership = Membership.objects.get(workspace=tenants.ws_a, user=user)
    assert membership.role == Role.SUPERVISOR
    assert AuditEntry.objects.filter(
        workspace=tenants.ws_a, object_type="core.membership", object_id=str(membership.pk), action="create"
    ).exists()

    # The link worked once.
    client.logout()
    again = client.get(path)
    assert again.status_code == 410
    assert shows(again, in_language("fa", "This invitation link no longer works"))


def test_the_signup_form_checks_the_password(client, tenants, django_capture_on_commit_callbacks):
    invite(client, tenants, django_capture_on_commit_callbacks)
    path = invitation_path(mail.outbox[0])
    response = client.post(
        path, {"full_name": "نفر", "password1": NEW_PASSWORD, "password2": "different-one-99"}
    )
    assert response.status_code == 200
    assert shows(response, in_language("fa", "The two passwords are not the same."))
    response = client.post(path, {"full_name": "نفر", "password1": "12345", "password2": "12345"})
    assert response.status_code == 200
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_the_invited_user_signed_in_accepts_with_one_click(
    client, tenants, django_capture_on_commit_callbacks
):
    invitee = make_member(workspace=tenants.ws_b, email="invitee@b.test", role=Role.AGENT)
    invite(client, tenants, django_capture_on_commit_callbacks, email="invitee@b.test", role=Role.ANALYST)
    path = invitation_path(mail.outbox[0])
    # Signed out, an existing account is asked to sign in, and comes back to the link.
    page = client.get(path)
    assert "/accounts/login/?next=" in html(page) and 'name="password1"' not in html(page)
    response = client.post(
        "/accounts/login/", {"email": "invitee@b.test", "password": PASSWORD, "next": path}
    )
    assert response["Location"] == path
    page = client.get(path)
    assert 'data-testid="accept"' in html(page)
    response = client.post(path)
    assert response["Location"] == "/w/shop-a/"
    assert Membership.objects.get(workspace=tenants.ws_a, user=invitee.user).role == Role.ANALYST


def test_a_wrong_account_sees_a_clear_message(client, tenants, django_capture_on_commit_callbacks):
    invite(client, tenants, django_capture_on_commit_callbacks)
    path = invitation_path(mail.outbox[0])
    login(client, tenants.outsider_b)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 403
        assert "new.person@example.com" in html(response) and "outsider@b.test" in html(response)
    assert not Membership.objects.filter(workspace=tenants.ws_a, user=tenants.outsider_b.user).exists()
    assert Invitation.objects.get(email="new.person@example.com").accepted_at is None


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_expired_revoked_and_unknown_links_give_a_clear_page(client, tenants, state):
    invitation, secret = invitation_create(acting=tenants.owner_a, email="late@example.com", role=Role.AGENT)
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    elif state == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    else:
        secret = "not-a-real-secret"
    for response in (
        client.get(f"/accounts/invitations/{secret}/"),
        client.post(f"/accounts/invitations/{secret}/"),
    ):
        assert response.status_code == 410
        assert shows(response, in_language("fa", "This invitation link no longer works"))
    assert not User.objects.filter(email="late@example.com").exists()


def test_the_invitation_email_is_in_the_inviters_language(
    client, tenants, django_capture_on_commit_callbacks
):
    user = tenants.owner_a.user
    user.language = "en"
    user.save()
    invite(client, tenants, django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == f"Invitation to join {tenants.ws_a.name} on Mehvar"
    assert "Your role will be: Supervisor." in mail.outbox[0].body


def test_nothing_is_sent_when_the_transaction_does_not_commit(
    client, tenants, django_capture_on_commit_callbacks
):
    login(client, tenants.owner_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post("/w/shop-a/members/invite/", {"email": "later@example.com", "role": Role.AGENT})
    assert mail.outbox == [] and len(callbacks) == 1
