"""Password reset end to end: ask, follow the link in the e-mail, choose a new password, sign in with it."""

import re

import pytest
from django.conf import settings
from django.core import mail

from mehvar.accounts.models import LoginFailure
from mehvar.accounts.tests.helpers import in_language
from mehvar.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-newer-passphrase-42"


def reset_link(message) -> str:
    match = re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def test_reset_by_the_link_in_the_email(client, tenants):
    response = client.post("/accounts/password-reset/", {"email": "OWNER@a.test"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@a.test"]
    assert message.subject == in_language("fa", "Choose a new password for Mehvar")
    link = reset_link(message)
    assert link.startswith(settings.SITE_URL)  # never the request's Host header

    path = link.removeprefix(settings.SITE_URL)
    response = client.get(path)
    assert response.status_code == 302  # Django moves the token out of the URL into the session
    form_url = response["Location"]
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/done/"
    assert client.get("/accounts/password-reset/done/").status_code == 200

    assert client.post("/accounts/login/", {"email": "owner@a.test", "password": PASSWORD}).status_code == 200
    assert (
        client.post("/accounts/login/", {"email": "owner@a.test", "password": NEW_PASSWORD}).status_code
        == 302
    )

    # The link works once.
    client.logout()
    response = client.get(path, follow=True)
    assert response.context["validlink"] is False


def test_the_email_is_in_the_language_of_the_page(client, tenants):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post("/accounts/password-reset/", {"email": "owner@a.test"})
    assert mail.outbox[0].subject == "Choose a new password for Mehvar"
    assert "Someone asked to reset the password" in mail.outbox[0].body


def test_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post("/accounts/password-reset/", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_a_new_password_ends_a_lock_out(client, tenants):
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"email": "owner@a.test", "password": "wrong"})
    client.post("/accounts/password-reset/", {"email": "owner@a.test"})
    form_url = client.get(reset_link(mail.outbox[0]).removeprefix(settings.SITE_URL))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not LoginFailure.objects.filter(email="owner@a.test").exists()
    assert (
        client.post("/accounts/login/", {"email": "owner@a.test", "password": NEW_PASSWORD}).status_code
        == 302
    )
