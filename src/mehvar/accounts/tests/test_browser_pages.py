"""The account and workspace-management pages in a real browser, in Persian, with bad input first.

Each page visited is saved under test-artifacts/screenshots/ (see mehvar/web/tests/conftest.py).
"""

import re

import pytest
from django.core import mail

from mehvar.accounts.models import ApiToken, User
from mehvar.core.models import DayOff, Membership
from mehvar.core.roles import Role
from mehvar.core.services import invitation_create
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

PERSIAN_LETTERS = re.compile(r"[\u0600-\u06FF]")


def field_error(page, name: str) -> str:
    """The text of the error shown for one form field (the shell renders errors in .errorlist)."""
    return (
        page.locator(f"input[name={name}]")
        .locator("xpath=ancestor::*[.//ul[contains(@class,'errorlist')]][1]")
        .locator(".errorlist")
        .first.inner_text()
    )


def test_profile_takes_a_phone_in_persian_digits(page, shots, browser_tenants):
    agent = browser_tenants.agent_a
    sign_in(page, agent.user.email)
    page.goto("/accounts/profile/")
    page.locator("input[name=phone]").fill("۰۹۱۲۱۲۳")
    page.locator("[data-testid=profile-form] button[type=submit]").click()
    page.wait_for_load_state()
    shots(page, "profile-bad-phone")
    assert PERSIAN_LETTERS.search(field_error(page, "phone")), "the phone error is not in Persian"
    agent.user.refresh_from_db()
    assert agent.user.phone == ""

    page.locator("input[name=phone]").fill("۰۹۱۲ ۳۴۵-۶۷۸۹")
    page.locator("[data-testid=profile-form] button[type=submit]").click()
    page.wait_for_load_state()
    shots(page, "profile-saved")
    agent.user.refresh_from_db()
    assert agent.user.phone == "+989123456789"
    assert page.locator("html").get_attribute("dir") == "rtl"


def test_a_new_person_accepts_an_invitation_and_lands_in_the_workspace(page, shots, browser_tenants):
    _invitation, secret = invitation_create(
        acting=browser_tenants.owner_a, email="new.agent@a.test", role=Role.AGENT
    )
    page.goto(f"/accounts/invitations/{secret}/")
    shots(page, "invitation")
    assert browser_tenants.ws_a.name in page.locator("[data-testid=invitation]").inner_text()
    form = page.locator("[data-testid=signup-form]")
    form.locator("input[name=full_name]").fill("سارا کارشناس")
    form.locator("input[name=password1]").fill("a-long-enough-password-1404")
    form.locator("input[name=password2]").fill("a-different-password-1404")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    shots(page, "invitation-mismatch")
    assert not User.objects.filter(email="new.agent@a.test").exists()

    form = page.locator("[data-testid=signup-form]")
    form.locator("input[name=password1]").fill("a-long-enough-password-1404")
    form.locator("input[name=password2]").fill("a-long-enough-password-1404")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/shop-a/$"))
    shots(page, "joined")
    assert Membership.objects.filter(
        workspace=browser_tenants.ws_a, user__email="new.agent@a.test", role=Role.AGENT
    ).exists()


def test_password_reset_request_sends_a_persian_mail(page, shots, browser_tenants):
    page.goto("/accounts/password-reset/")
    shots(page, "password-reset")
    page.locator("input[name=email]").fill(browser_tenants.agent_a.user.email)
    page.locator("form:has(input[name=email]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/password-reset/sent/$"))
    shots(page, "password-reset-sent")
    assert len(mail.outbox) == 1 and PERSIAN_LETTERS.search(mail.outbox[0].subject + mail.outbox[0].body)


def test_a_new_token_is_shown_once(page, shots, browser_tenants):
    sign_in(page, browser_tenants.agent_a.user.email)
    page.goto("/w/shop-a/tokens/")
    page.locator("input[name=name]").fill("یکپارچه‌سازی فروشگاه")
    page.locator("form:has(input[name=name]) button[type=submit]").click()
    page.wait_for_load_state()
    shots(page, "token-created")
    secret = page.locator("[data-testid=token-secret]").inner_text().strip()
    assert secret.startswith("mhv_")
    assert not ApiToken.objects.filter(token_hash=secret).exists()  # only a hash is stored
    page.reload()
    assert page.locator("[data-testid=token-secret]").count() == 0
    assert secret not in page.content()


def test_a_day_off_by_jalali_date_with_a_bad_date_first(page, shots, browser_tenants):
    sign_in(page, browser_tenants.owner_a.user.email)
    page.goto("/w/shop-a/settings/")
    form = page.locator("[data-testid=day-off-form]")
    form.locator("input[name=date]").fill("۱۴۰۴/۱۲/۳۰")  # 1404 is not a leap year
    form.locator("input[name=title]").fill("جابه‌جایی دفتر")
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=day-off-form] .errorlist").first.wait_for()
    shots(page, "day-off-bad-date")
    assert PERSIAN_LETTERS.search(page.locator("[data-testid=day-off-form] .errorlist").first.inner_text())
    assert not DayOff.objects.exists()

    form = page.locator("[data-testid=day-off-form]")
    form.locator("input[name=date]").fill("۱۴۰۶/۰۱/۲۰")
    form.locator("input[name=title]").fill("جابه‌جایی دفتر")
    form.locator("button[type=submit]").click()
    page.locator("#days-off", has_text="جابه‌جایی دفتر").locator("li").first.wait_for()
    shots(page, "day-off-added")
    day = DayOff.objects.get(workspace=browser_tenants.ws_a)
    assert day.date.isoformat() == "2027-04-09"
