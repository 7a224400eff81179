"""The web shell in a real browser: each role's navigation, right-to-left Persian, Jalali dates, the
language switch, the workspace switcher, signing in and out, and the small-screen layout."""

import re

import pytest

from mehvar.core.models import Membership
from mehvar.core.roles import Role
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

HOME, CUSTOMERS, MEMBERS, AUDIT, SETTINGS, TOKENS, FAILED_TASKS = (
    "web:workspace_home",
    "customers:list",
    "workspace:members",
    "workspace:audit",
    "workspace:settings",
    "workspace:tokens",
    "ops:failed_tasks",
)
INBOX = "inbox:queue"
SURVEYS, RECOVERY = "surveys:list", "surveys:recovery"
REPORTS, FEEDBACK = "surveys:reports", "feedback:page"
# What each role finds in the navigation, written out rather than derived from the permission matrix.
_MANAGERS = {HOME, INBOX, CUSTOMERS, MEMBERS, AUDIT, SETTINGS, TOKENS, FAILED_TASKS, SURVEYS, RECOVERY}
EXPECTED_NAV = {
    Role.OWNER: _MANAGERS | {REPORTS, FEEDBACK},
    Role.ADMIN: _MANAGERS | {REPORTS, FEEDBACK},
    Role.SUPERVISOR: {HOME, INBOX, CUSTOMERS, AUDIT, TOKENS, SURVEYS, RECOVERY, REPORTS, FEEDBACK},
    Role.AGENT: {HOME, INBOX, CUSTOMERS, TOKENS, RECOVERY, FEEDBACK},
    Role.MARKETER: {HOME, CUSTOMERS, TOKENS, SURVEYS, REPORTS},
    Role.ANALYST: {HOME, INBOX, CUSTOMERS, TOKENS, REPORTS},
}
EXPECTED_PANELS = {
    Role.OWNER: {"today", "conversations", "campaigns", "reports", "team", "activity"},
    Role.ADMIN: {"today", "conversations", "campaigns", "reports", "team", "activity"},
    Role.SUPERVISOR: {"today", "conversations", "reports", "activity"},
    Role.AGENT: {"today", "conversations", "activity"},
    Role.MARKETER: {"today", "campaigns", "reports", "activity"},
    Role.ANALYST: {"today", "reports", "activity"},
}
FA_DIGIT = "[۰-۹]"
FA_MONTHS = "فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند"
FA_WEEKDAYS = "شنبه|یکشنبه|دوشنبه|سه‌شنبه|چهارشنبه|پنجشنبه|پنج‌شنبه|جمعه"
FA_LONG_DATE = re.compile(rf"^({FA_WEEKDAYS}) {FA_DIGIT}{{1,2}} ({FA_MONTHS}) ۱۴{FA_DIGIT}{{2}}$")
EN_MONTHS = "Farvardin|Ordibehesht|Khordad|Tir|Mordad|Shahrivar|Mehr|Aban|Azar|Dey|Bahman|Esfand"
EN_LONG_DATE = re.compile(
    rf"^(Saturday|Sunday|Monday|Tuesday|Wednesday|Thursday|Friday) \d{{1,2}} ({EN_MONTHS}) 14\d\d$"
)


def nav_items(page) -> set[str]:
    return set(
        page.locator("[data-testid=nav] a[data-nav]").evaluate_all("els => els.map(e => e.dataset.nav)")
    )


def panels(page) -> set[str]:
    return set(page.locator("[data-panel]").evaluate_all("els => els.map(e => e.dataset.panel)"))


def html_attr(page, name: str) -> str:
    return page.locator("html").get_attribute(name)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_and_sees_its_navigation(page, shots, browser_tenants, role):
    member = browser_tenants.by_role[role]
    sign_in(page, member.user.email)

    assert page.url.endswith("/w/shop-a/")
    assert html_attr(page, "dir") == "rtl"
    assert html_attr(page, "lang") == "fa"
    assert nav_items(page) == EXPECTED_NAV[role]
    assert panels(page) == EXPECTED_PANELS[role]
    assert page.locator("[data-testid=nav] [aria-current=page]").get_attribute("data-nav") == HOME
    # The switcher shows where they are and with which role.
    switcher = page.locator("[data-testid=workspace-switcher] summary")
    assert "فروشگاه الف" in switcher.inner_text()
    assert member.get_role_display() in switcher.inner_text()
    if role == Role.ANALYST:
        # Read-only: nothing on the page writes, and no button leads to a page that does.
        assert page.locator("main form").count() == 0
        assert page.locator("main .button").count() == 0
    if role == Role.AGENT:
        assert page.locator(f"a[data-nav='{MEMBERS}'], a[data-nav='{AUDIT}']").count() == 0
        assert page.locator("main a[href$='/members/'], main a[href$='/audit/']").count() == 0
    shots(page, "home")


def test_home_shows_today_in_jalali_business_hours_and_holidays(page, shots, browser_tenants):
    sign_in(page, browser_tenants.owner_a.user.email)

    assert FA_LONG_DATE.match(page.locator("[data-testid=today]").inner_text().strip())
    status = page.locator("[data-testid=business-status]").inner_text()
    assert re.search(r"[۰-۹]{2}:[۰-۹]{2}", status), status  # closing or opening time, Persian digits
    holidays = page.locator("[data-testid=holidays] li")
    assert holidays.count() == 3
    for text in holidays.all_inner_texts():
        assert re.search(rf"({FA_MONTHS}) ۱۴{FA_DIGIT}{{2}}", text), text
    assert page.locator("[data-testid=member-total]").inner_text() == "۶"
    # HTMX is loaded from our own origin (CSP allows no other) and carries the CSRF token on every request.
    assert page.evaluate("typeof window.htmx") == "object"
    assert "X-CSRFToken" in page.locator("body").get_attribute("hx-headers")
    # The Persian web font is served and used.
    page.evaluate("document.fonts.ready.then(() => true)")
    assert page.evaluate("document.fonts.check('16px Vazirmatn', 'محور')")
    assert "Vazirmatn" in page.evaluate("getComputedStyle(document.body).fontFamily")
    shots(page, "home")


def test_language_switch_to_english_and_back(page, shots, browser_tenants):
    sign_in(page, browser_tenants.agent_a.user.email)
    assert html_attr(page, "dir") == "rtl"

    page.locator("[data-testid=language-switch]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/w/shop-a/")  # back on the same page
    assert html_attr(page, "dir") == "ltr"
    assert html_attr(page, "lang") == "en"
    assert page.locator(f"a[data-nav='{HOME}']").inner_text().strip() == "Home"
    assert EN_LONG_DATE.match(page.locator("[data-testid=today]").inner_text().strip())
    page.locator("[data-testid=user-menu] summary").click()
    assert page.locator("[data-testid=sign-out]").inner_text().strip() == "Sign out"
    assert page.locator("[data-testid=language-switch]").inner_text().strip() == "فارسی"
    shots(page, "english")

    page.locator("[data-testid=language-switch]").click()
    page.wait_for_load_state()
    assert html_attr(page, "dir") == "rtl"
    assert html_attr(page, "lang") == "fa"
    assert FA_LONG_DATE.match(page.locator("[data-testid=today]").inner_text().strip())
    assert page.locator("[data-testid=language-switch]").inner_text().strip() == "English"
    shots(page, "persian")


def test_workspace_switcher_moves_between_workspaces(page, shots, browser_tenants):
    owner = browser_tenants.owner_a
    Membership.objects.create(workspace=browser_tenants.ws_b, user=owner.user, role=Role.AGENT)
    sign_in(page, owner.user.email)

    page.locator("[data-testid=workspace-switcher] summary").click()
    menu = page.locator("[data-testid=workspace-switcher] .menu-list")
    assert menu.is_visible()
    assert menu.locator("a").all_inner_texts()[0].startswith("فروشگاه الف")
    shots(page, "switcher-open")
    menu.get_by_text("فروشگاه ب").click()
    page.wait_for_load_state()

    assert page.url.endswith("/w/shop-b/")
    assert nav_items(page) == EXPECTED_NAV[Role.AGENT]  # their role there, not their role in A
    assert "فروشگاه ب" in page.locator("[data-testid=workspace-switcher] summary").inner_text()
    shots(page, "other-workspace")


def test_signed_out_visitor_goes_to_login_and_back_home(page, shots, browser_tenants):
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert html_attr(page, "dir") == "rtl"
    assert page.locator("[data-testid=language-switch]").is_visible()
    assert page.locator("[data-testid=nav]").count() == 0
    shots(page, "login")

    page.locator("[data-testid=language-switch]").click()  # before signing in: the cookie decides
    page.wait_for_load_state()
    assert html_attr(page, "dir") == "ltr"
    shots(page, "login-english")


def test_sign_out_from_the_user_menu(page, shots, browser_tenants):
    sign_in(page, browser_tenants.by_role[Role.MARKETER].user.email)
    page.locator("[data-testid=user-menu] summary").click()
    assert page.locator("[data-testid=user-menu] .menu-panel").is_visible()
    shots(page, "user-menu")
    page.locator("[data-testid=sign-out]").click()
    page.wait_for_load_state()

    assert "/accounts/login/" in page.url
    page.goto("/w/shop-a/")
    assert "/accounts/login/" in page.url  # the session is really gone


def test_small_screen_layout(page, shots, browser_tenants):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, browser_tenants.owner_a.user.email)

    nav = page.locator("[data-testid=nav]")
    assert nav.is_visible()
    nav_box, main_box = nav.bounding_box(), page.locator("main").bounding_box()
    assert nav_box["y"] + nav_box["height"] <= main_box["y"] + 1  # the navigation sits above the content
    assert main_box["width"] <= 390
    # Nothing makes the page scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, "home-mobile")


def test_operators_admin_is_persian_and_right_to_left(page, shots, transactional_db):
    from mehvar.accounts.models import User

    User.objects.create_superuser(email="ops@mehvar.test", password="operator-password-1")
    page.goto("/admin/")
    page.locator("input[name=username]").fill("ops@mehvar.test")
    page.locator("input[name=password]").fill("operator-password-1")
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()

    assert html_attr(page, "dir") == "rtl"
    assert html_attr(page, "lang") == "fa"
    assert page.locator("#user-tools").is_visible()
    shots(page, "admin-index")
    page.goto("/admin/core/workspace/")
    # Right to left for real: the admin's model list sits to the right of the content.
    assert page.locator("#nav-sidebar").bounding_box()["x"] > page.locator("#content").bounding_box()["x"]
    shots(page, "admin-workspaces")


def test_every_navigation_item_opens_a_page_in_the_shell(page, shots, browser_tenants):
    sign_in(page, browser_tenants.owner_a.user.email)
    for url_name in sorted(EXPECTED_NAV[Role.OWNER]):
        page.locator(f"[data-testid=nav] a[data-nav='{url_name}']").click()
        page.wait_for_load_state()
        assert html_attr(page, "dir") == "rtl"
        # The page is drawn inside the shell, with its own item marked as the current one.
        assert page.locator("[data-testid=nav] [aria-current=page]").get_attribute("data-nav") == url_name
        shots(page, url_name.replace(":", "-"))
