"""The user's profile (name, phone with Persian digits, language) and the language switch."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from mehvar.accounts.models import User
from mehvar.accounts.services import user_set_language
from mehvar.accounts.tests.helpers import (
    html,
    in_language,
    is_persian,
    mehvar_catalogue_missing,
    shows,
    too_long,
)
from mehvar.core.models import AuditEntry
from mehvar.core.phones import normalize_phone
from mehvar.testing import login

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"
TOO_SHORT = "This phone number is too short: a digit or more is missing."


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(PROFILE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_profile_saves_name_phone_with_persian_digits_and_language(client, tenants):
    user = tenants.agent_a.user
    login(client, tenants.agent_a)
    response = client.get(PROFILE)
    assert response.status_code == 200 and user.email in html(response)
    response = client.post(PROFILE, {"full_name": "سارا  احمدی", "phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹", "language": "fa"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "سارا  احمدی"
    assert user.phone == "+989123456789"
    entry = AuditEntry.objects.filter(workspace=tenants.ws_a, object_type="accounts.user").latest("pk")
    assert entry.after["phone"] == "+989123456789" and entry.before["phone"] == ""
    # The saved phone is shown back in the national form, with Persian digits.
    assert "۰۹۱۲" in html(client.get(PROFILE))


def bad_profile(client, **overrides):
    data = {"full_name": "نام", "phone": "", "language": "fa", **overrides}
    return client.post(PROFILE, data)


CHOICE = "Select a valid choice. %(value)s is not one of the available choices."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("full_name", "ن" * 151, lambda lang: too_long(lang, 150, 151)),
        ("language", "de", lambda lang: in_language(lang, CHOICE, value="de")),
    ],
)
def test_bad_input_is_a_field_error_in_persian_then_english(client, tenants, field, value, message):
    user = tenants.agent_a.user
    login(client, tenants.agent_a)
    response = bad_profile(client, **{field: value})
    assert response.status_code == 200
    assert is_persian(message("fa")) and shows(response, message("fa"))
    user.language = "en"
    user.save()
    response = bad_profile(client, **{field: value})
    assert shows(response, message("en"))
    user.refresh_from_db()
    assert user.full_name == "agent الف"  # nothing written


def test_a_too_short_phone_is_refused_and_nothing_is_written(client, tenants):
    user = tenants.agent_a.user
    login(client, tenants.agent_a)
    response = bad_profile(client, phone="۰۹۱۲۱۲۳")
    assert response.status_code == 200
    assert shows(response, in_language("fa", TOO_SHORT))
    user.language = "en"
    user.save()
    response = bad_profile(client, phone="۰۹۱۲۱۲۳")
    assert shows(response, TOO_SHORT)
    user.refresh_from_db()
    assert user.phone == "" and user.full_name == "agent الف"


@pytest.mark.skipif(mehvar_catalogue_missing(), reason="Mehvar's Persian catalogue is not compiled yet")
def test_mehvar_own_messages_are_persian_by_default(client, tenants):
    login(client, tenants.agent_a)
    assert is_persian(in_language("fa", TOO_SHORT))
    assert shows(bad_profile(client, phone="۰۹۱۲۱۲۳"), in_language("fa", TOO_SHORT))


def test_the_phone_field_accepts_what_people_type():
    assert normalize_phone("۰۹۱۲-۳۴۵-۶۷۸۹") == "+989123456789"


# --- Language ----------------------------------------------------------------------------------------------


def test_switching_language_persists_on_the_signed_in_user(client, tenants):
    login(client, tenants.agent_a)
    response = client.post("/accounts/language/", {"language": "en", "next": "/accounts/profile/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert User.objects.get(pk=tenants.agent_a.user.pk).language == "en"
    response = client.get(PROFILE)
    assert response["Content-Language"] == "en"
    # It follows the user to another browser (no cookie there).
    other = client.__class__()
    login(other, tenants.agent_a)
    assert other.get(PROFILE)["Content-Language"] == "en"


def test_switching_language_when_signed_out_sets_a_cookie(client, db):
    response = client.post("/accounts/language/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/accounts/login/")
    assert page["Content-Language"] == "en" and "Sign in to Mehvar" in html(page)


def test_language_switch_refuses_an_unsafe_next_and_a_bad_language(client, db):
    response = client.post("/accounts/language/", {"language": "fa", "next": "https://evil.example/x"})
    assert response["Location"] == "/"
    response = client.post("/accounts/language/", {"language": "fa", "next": "//evil.example/x"})
    assert response["Location"] == "/"
    assert client.post("/accounts/language/", {"language": "xx"}).status_code == 400
    assert client.get("/accounts/language/").status_code == 405


def test_the_language_service_refuses_an_unknown_language(tenants):
    with pytest.raises(ValidationError):
        user_set_language(user=tenants.agent_a.user, language="de")
