"""The web shell without a browser: where / leads, the workspace home, its panels and the navigation."""

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from mehvar.accounts.services import user_create
from mehvar.core.audit import audit_record
from mehvar.core.models import BusinessHours, DayOff, Membership
from mehvar.core.roles import Perm, Role
from mehvar.testing import login
from mehvar.web import home, navigation
from mehvar.web.navigation import NavItem, items_for

TEHRAN = ZoneInfo("Asia/Tehran")
HOME_URL = "/w/shop-a/"


def data_attrs(html: str, name: str) -> set[str]:
    return set(re.findall(rf'data-{name}="([^"]+)"', html))


# --- Where "/" leads -------------------------------------------------------------------------------------


def test_root_sends_a_signed_out_visitor_to_the_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/"


def test_root_sends_a_member_to_their_first_workspace_by_name(client, tenants):
    # The owner of A also joins B; "فروشگاه الف" sorts before "فروشگاه ب".
    Membership.objects.create(workspace=tenants.ws_b, user=tenants.owner_a.user, role=Role.AGENT)
    login(client, tenants.owner_a)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/w/shop-a/"
    login(client, tenants.outsider_b)
    assert client.get("/")["Location"] == "/w/shop-b/"


def test_a_user_without_a_workspace_sees_how_to_join_one(client, tenants):
    loner = user_create(email="loner@x.test", password="x-long-password-1", full_name="تنها")
    client.force_login(loner)
    response = client.get("/", follow=True)
    assert response.redirect_chain == [(reverse("web:no_workspace"), 302)]
    html = response.content.decode()
    assert 'data-testid="no-workspace"' in html
    assert 'data-testid="nav"' not in html  # no workspace, no workspace navigation
    # Once invited and joined, the same page moves them on.
    Membership.objects.create(workspace=tenants.ws_a, user=loner, role=Role.AGENT)
    assert client.get(reverse("web:no_workspace"))["Location"] == HOME_URL


# --- The workspace home ----------------------------------------------------------------------------------


def test_workspace_home_needs_sign_in_and_membership(client, tenants):
    response = client.get(HOME_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    login(client, tenants.outsider_b)
    assert client.get(HOME_URL).status_code == 404  # another workspace's page: missing, not forbidden
    assert client.get("/w/no-such-workspace/").status_code == 404


def test_workspace_home_is_persian_and_right_to_left_by_default(client, tenants):
    login(client, tenants.agent_a)
    response = client.get(HOME_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fa" dir="rtl">' in html
    assert "فروشگاه الف" in html


def test_workspace_home_follows_an_english_speaking_user(client, tenants):
    user = tenants.agent_a.user
    user.language = "en"
    user.save(update_fields=["language"])
    login(client, tenants.agent_a)
    html = client.get(HOME_URL).content.decode()
    assert '<html lang="en" dir="ltr">' in html
    months = "Farvardin|Ordibehesht|Khordad|Tir|Mordad|Shahrivar|Mehr|Aban|Azar|Dey|Bahman|Esfand"
    assert re.search(rf"\d{{1,2}} ({months}) 14\d\d", html)


def test_pages_carry_the_content_security_policy_and_no_inline_script(client, tenants):
    login(client, tenants.owner_a)
    response = client.get(HOME_URL)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts, "htmx and the shell's script are loaded"
    assert all("src=" in attrs for attrs in scripts), scripts
    assert "django_htmx/htmx-2.min.js" in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        (Role.OWNER, {"today", "team", "activity", "conversations", "campaigns", "reports"}, set()),
        (Role.AGENT, {"today", "activity", "conversations"}, {"team", "campaigns", "reports"}),
        (Role.MARKETER, {"today", "activity", "campaigns", "reports"}, {"team", "conversations"}),
        (Role.ANALYST, {"today", "activity", "reports"}, {"team", "conversations", "campaigns"}),
    ],
)
def test_home_panels_follow_the_role(client, tenants, role, visible, hidden):
    login(client, tenants.by_role[role])
    shown = data_attrs(client.get(HOME_URL).content.decode(), "panel")
    assert visible <= shown
    assert not hidden & shown


def test_team_panel_counts_members_by_role(client, tenants):
    Membership.objects.create(
        workspace=tenants.ws_a, user=user_create(email="agent2@a.test", password=None), role=Role.AGENT
    )
    login(client, tenants.owner_a)
    html = client.get(HOME_URL).content.decode()
    assert 'data-testid="member-total">۷<' in html
    agents = re.search(r'data-role="agent"><span>[^<]+</span><span class="badge badge-muted">([^<]+)<', html)
    assert agents and agents.group(1) == "۲"
    assert "outsider@b.test" not in html


def test_activity_shows_managers_the_workspace_and_others_their_own(client, tenants):
    owner, agent = tenants.owner_a, tenants.agent_a
    audit_record(
        workspace=tenants.ws_a, actor=owner.user, action="update", object_type="x", object_label="OWNER-DID"
    )
    audit_record(
        workspace=tenants.ws_a, actor=agent.user, action="update", object_type="x", object_label="AGENT-DID"
    )
    audit_record(
        workspace=tenants.ws_b,
        actor=tenants.outsider_b.user,
        action="update",
        object_type="x",
        object_label="B-DID",
    )
    login(client, owner)
    html = client.get(HOME_URL).content.decode()
    assert "OWNER-DID" in html
    assert "AGENT-DID" in html
    assert "B-DID" not in html
    login(client, agent)
    html = client.get(HOME_URL).content.decode()
    assert "AGENT-DID" in html
    assert "OWNER-DID" not in html
    assert "B-DID" not in html


def _english(member: Membership) -> None:
    member.user.language = "en"
    member.user.save(update_fields=["language"])


def test_home_says_the_business_is_open_until_closing_time(client, tenants):
    _english(tenants.agent_a)
    login(client, tenants.agent_a)
    # Saturday 10 May 2025, 10:00 in Tehran: an ordinary working day (08:00-17:00).
    with time_machine.travel(dt.datetime(2025, 5, 10, 10, 0, tzinfo=TEHRAN), tick=False):
        html = client.get(HOME_URL).content.decode()
    assert "Saturday 20 Ordibehesht 1404" in html
    assert "Open now, until 17:00" in html


def test_home_says_when_a_closed_business_opens_next(client, tenants):
    _english(tenants.agent_a)
    login(client, tenants.agent_a)
    # Friday 16 May 2025 (Friday is off): it opens on Saturday at 08:00.
    with time_machine.travel(dt.datetime(2025, 5, 16, 10, 0, tzinfo=TEHRAN), tick=False):
        html = client.get(HOME_URL).content.decode()
    assert "Closed now; opens Saturday 27 Ordibehesht 1404 at 08:00" in html
    # Thursday afternoon after 13:00, with Saturday made a company day off: opens on Sunday.
    DayOff.objects.create(workspace=tenants.ws_a, date=dt.date(2025, 5, 17), title="Stocktaking")
    with time_machine.travel(dt.datetime(2025, 5, 15, 14, 0, tzinfo=TEHRAN), tick=False):
        html = client.get(HOME_URL).content.decode()
    assert "Closed now; opens Sunday 28 Ordibehesht 1404 at 08:00" in html
    assert "Stocktaking" in html  # the day off is among the coming days off


def test_home_survives_business_hours_the_calendar_cannot_read(client, tenants):
    BusinessHours.objects.filter(workspace=tenants.ws_a).update(week={"6": ["17:00", "08:00"]})
    _english(tenants.agent_a)
    login(client, tenants.agent_a)
    response = client.get(HOME_URL)
    assert response.status_code == 200
    assert "The business hours could not be read" in response.content.decode()


def test_home_lists_the_next_three_days_off_in_jalali(client, tenants):
    login(client, tenants.agent_a)
    with time_machine.travel(dt.datetime(2025, 3, 1, 10, 0, tzinfo=TEHRAN), tick=False):
        html = client.get(HOME_URL).content.decode()
    holidays = re.search(r'data-testid="holidays">(.*?)</ul>', html, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", holidays, re.S)
    assert len(items) == 3
    # From 1 March 2025 (10 Esfand 1403) the next official days off are in Esfand and Farvardin.
    assert all(re.search(r"(اسفند ۱۴۰۳|فروردین ۱۴۰۴)", item) for item in items), items


# --- The registries --------------------------------------------------------------------------------------


@pytest.fixture
def restore_registries():
    nav, panels = dict(navigation._ITEMS), dict(home._PANELS)
    yield
    navigation._ITEMS.clear()
    navigation._ITEMS.update(nav)
    home._PANELS.clear()
    home._PANELS.update(panels)


EXPECTED_NAV = {
    Role.OWNER: {
        "web:workspace_home",
        "inbox:queue",
        "customers:list",
        "workspace:members",
        "workspace:audit",
        "workspace:settings",
        "workspace:tokens",
        "ops:failed_tasks",
        "surveys:list",
        "surveys:recovery",
        "surveys:reports",
        "feedback:page",
    },
    Role.SUPERVISOR: {
        "web:workspace_home",
        "inbox:queue",
        "customers:list",
        "workspace:audit",
        "workspace:tokens",
        "surveys:list",
        "surveys:recovery",
        "surveys:reports",
        "feedback:page",
    },
    Role.AGENT: {
        "web:workspace_home",
        "inbox:queue",
        "customers:list",
        "workspace:tokens",
        "surveys:recovery",
        "feedback:page",
    },
    Role.ANALYST: {
        "web:workspace_home",
        "inbox:queue",
        "customers:list",
        "workspace:tokens",
        "surveys:reports",
    },
}


@pytest.mark.parametrize("role", list(EXPECTED_NAV))
def test_navigation_shows_what_the_role_may_use(client, tenants, role):
    login(client, tenants.by_role[role])
    html = client.get(HOME_URL).content.decode()
    assert data_attrs(html, "nav") == EXPECTED_NAV[role]


def test_navigation_items_link_inside_the_workspace_and_mark_the_current_page():
    links = items_for(role=Role.OWNER, slug="shop-a", current_path="/w/shop-a/members/")
    assert all(link.url.startswith("/w/shop-a/") for link in links)
    assert [link.url_name for link in links if link.active] == ["workspace:members"]


def test_only_the_most_specific_navigation_item_is_current():
    links = items_for(role=Role.OWNER, slug="shop-a", current_path="/w/shop-a/surveys/recovery/")
    assert [link.url_name for link in links if link.active] == ["surveys:recovery"]
    links = items_for(role=Role.OWNER, slug="shop-a", current_path="/w/shop-a/surveys/3/")
    assert [link.url_name for link in links if link.active] == ["surveys:list"]


def test_a_module_adds_a_navigation_item_and_unknown_urls_are_left_out(restore_registries):
    navigation.register(NavItem("workspace:members", "Team", Perm.MEMBERS_VIEW, order=5))  # replaces by name
    navigation.register(NavItem("nowhere:yet", "Later", Perm.WORKSPACE_VIEW))
    links = {link.url_name: link for link in items_for(role=Role.AGENT, slug="shop-a")}
    assert links["workspace:members"].label == "Team"
    assert "nowhere:yet" not in links


def test_a_module_adds_a_home_panel_for_one_role(client, tenants, restore_registries):
    home.register_panel(
        home.HomePanel(
            "agent-only",
            "web/panels/conversations.html",
            roles=frozenset({Role.AGENT}),
            context=lambda request: {"seen_by": request.membership.role},
        )
    )
    login(client, tenants.agent_a)
    assert 'data-panel="agent-only"' in client.get(HOME_URL).content.decode()
    login(client, tenants.owner_a)
    assert 'data-panel="agent-only"' not in client.get(HOME_URL).content.decode()


# --- Static files ----------------------------------------------------------------------------------------


def test_stylesheet_uses_logical_properties_only():
    script = Path(settings.BASE_DIR) / "scripts" / "check_css_logical.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_the_persian_font_ships_with_its_licence_and_stays_small():
    font = finders.find("web/fonts/Vazirmatn-wght.woff2")
    licence = finders.find("web/fonts/OFL.txt")
    assert font and licence
    assert Path(font).stat().st_size < 300_000
    assert "SIL Open Font License" in Path(licence).read_text()
    css = Path(finders.find("web/css/mehvar.css")).read_text()
    assert 'url("../fonts/Vazirmatn-wght.woff2")' in css
    assert "Tahoma" in css
