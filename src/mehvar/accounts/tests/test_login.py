"""Signing in (e-mail case-insensitive, throttled) and out (POST only)."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from mehvar.accounts.models import LoginFailure
from mehvar.accounts.tests.helpers import in_language, in_language_plural, is_persian, shows
from mehvar.testing import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "The e-mail address or the password is not correct."


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def test_the_login_page_renders(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()
    assert reverse("accounts:login") == LOGIN


def test_right_password_signs_in_with_the_email_in_any_case(client, tenants):
    response = sign_in(client, "  OWNER@A.Test ")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert client.session["_auth_user_id"] == str(tenants.owner_a.user.pk)


def test_wrong_password_is_refused_with_a_persian_message_and_recorded(client, tenants):
    response = sign_in(client, "owner@a.test", "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert shows(response, in_language("fa", WRONG))
    assert LoginFailure.objects.filter(email="owner@a.test").count() == 1


def test_an_invalid_email_is_a_field_error_in_persian(client, db):
    response = sign_in(client, "not-an-email")
    message = in_language("fa", "Enter a valid email address.")
    assert is_persian(message)
    assert shows(response, message)
    assert LoginFailure.objects.count() == 0


def test_a_safe_next_is_followed_and_an_unsafe_one_ignored(client, tenants):
    response = sign_in(client, "owner@a.test", next="/w/shop-a/members/")
    assert response["Location"] == "/w/shop-a/members/"
    client.logout()
    response = sign_in(client, "owner@a.test", next="https://evil.example/")
    assert response["Location"] == reverse("web:home")


def test_five_failures_lock_the_email_even_with_the_right_password(client, tenants):
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        assert sign_in(client, "owner@a.test", "wrong-guess").status_code == 200
    response = sign_in(client, "owner@a.test")  # the right password
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    minutes = settings.LOGIN_FAILURE_WINDOW_SECONDS // 60
    expected = in_language_plural(
        "fa",
        "Too many sign-in attempts. Try again in %(minutes)s minute.",
        "Too many sign-in attempts. Try again in %(minutes)s minutes.",
        minutes,
        minutes="۱۵" if minutes == 15 else minutes,
    )
    assert shows(response, expected)
    assert int(response["Retry-After"]) > 0
    # Another address is not locked by this one's failures.
    assert sign_in(client, "agent@a.test").status_code == 302


def test_the_lock_message_is_english_for_an_english_browser_cookie(client, tenants):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "owner@a.test", "wrong-guess")
    response = sign_in(client, "owner@a.test")
    assert shows(response, "Too many sign-in attempts. Try again in 15 minutes.")


def test_the_lock_ends_when_the_failures_leave_the_window(client, tenants):
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "owner@a.test", "wrong-guess")
    old = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
    LoginFailure.objects.update(created_at=old)
    assert sign_in(client, "owner@a.test").status_code == 302


def test_a_success_clears_the_failures(client, tenants):
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "owner@a.test", "wrong-guess")
    assert sign_in(client, "owner@a.test").status_code == 302
    assert not LoginFailure.objects.filter(email="owner@a.test").exists()
    client.logout()
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "owner@a.test", "wrong-guess")
    assert sign_in(client, "owner@a.test").status_code == 302  # four new failures are under the limit


def test_logout_is_post_only(client, tenants):
    client.force_login(tenants.owner_a.user)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_a_signed_in_visitor_of_the_login_page_goes_home(client, tenants):
    client.force_login(tenants.owner_a.user)
    assert client.get(LOGIN)["Location"] == reverse("web:home")
