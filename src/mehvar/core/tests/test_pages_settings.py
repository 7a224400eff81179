"""Workspace settings: name and digits, business hours, days off (Jalali), the next official holidays."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from mehvar.accounts.tests.helpers import (
    html,
    in_language,
    is_persian,
    mehvar_catalogue_missing,
    shows,
    too_long,
)
from mehvar.core.business_calendar import official_holidays
from mehvar.core.jalali import JalaliDateError, format_date, parse_date
from mehvar.core.models import AuditEntry, BusinessHours, DayOff, Workspace
from mehvar.core.roles import Role
from mehvar.core.workspace_forms import WEEK_ORDER
from mehvar.testing import login

pytestmark = pytest.mark.django_db

SETTINGS = "/w/shop-a/settings/"
HOURS = "/w/shop-a/settings/hours/"
DAYS_OFF = "/w/shop-a/settings/days-off/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def jalali_error(text: str, language: str) -> str:
    with translation.override(language):
        try:
            parse_date(text)
        except JalaliDateError as error:
            return error.message
    raise AssertionError(f"{text} parsed")


def week_post(**days):
    """Form data: every day closed except ``days`` (ISO weekday -> (start, end)); holidays observed."""
    data = {"observe_official_holidays": "on"}
    for day, _label in WEEK_ORDER:
        if day in days:
            data[f"open_{day}"] = "on"
            data[f"start_{day}"], data[f"end_{day}"] = days[day]
        else:
            data[f"start_{day}"], data[f"end_{day}"] = "", ""
    return data


def test_the_page_shows_the_iranian_default_week_and_the_next_holidays(client, tenants):
    login(client, tenants.by_role[Role.ADMIN])
    response = client.get(SETTINGS)
    assert response.status_code == 200
    form = response.context["hours_form"]
    assert form["open_4"].value() and form["end_4"].value() == "۱۳:۰۰"  # Thursday, half a day
    assert form["open_6"].value() and form["end_6"].value() == "۱۷:۰۰"  # Saturday
    assert not form["open_5"].value()  # Friday
    today = timezone.localdate()
    upcoming = sorted(
        (day, name)
        for year in (today.year, today.year + 1)
        for day, name in official_holidays(year, "fa_IR").items()
    )
    first_day, first_name = next((day, name) for day, name in upcoming if day >= today)
    assert first_name in html(response)
    assert format_date(first_day, digits="fa", style="long") in html(response)


def test_rename_and_digits_are_saved_and_audited(client, tenants):
    login(client, tenants.owner_a)
    response = client.post(SETTINGS, {"name": "فروشگاه تازه"})  # the digits box left unticked
    assert response.status_code == 302 and response["Location"] == SETTINGS
    workspace = Workspace.objects.get(pk=tenants.ws_a.pk)
    assert workspace.name == "فروشگاه تازه" and workspace.persian_digits is False
    entry = AuditEntry.objects.filter(object_type="core.workspace", action="update").get()
    assert entry.before == {"name": "فروشگاه الف", "persian_digits": True}
    assert entry.after == {"name": "فروشگاه تازه", "persian_digits": False}


@pytest.mark.parametrize(("name", "message"), [("ن" * 121, lambda lang: too_long(lang, 120, 121))])
def test_a_bad_name_is_a_field_error_in_persian_then_english(client, tenants, name, message):
    owner = tenants.owner_a.user
    login(client, tenants.owner_a)
    response = client.post(SETTINGS, {"name": name, "persian_digits": "on"})
    assert response.status_code == 200 and is_persian(message("fa")) and shows(response, message("fa"))
    owner.language = "en"
    owner.save()
    response = client.post(SETTINGS, {"name": name, "persian_digits": "on"})
    assert shows(response, message("en"))
    response = client.post(SETTINGS, {"name": "  "})
    assert shows(response, "This field is required.")
    assert Workspace.objects.get(pk=tenants.ws_a.pk).name == "فروشگاه الف"
    assert not AuditEntry.objects.filter(object_type="core.workspace", action="update").exists()


def test_business_hours_are_saved_with_persian_digits_and_audited(client, tenants):
    login(client, tenants.owner_a)
    data = week_post(**{"6": ("۰۹:۰۰", "۱۸:۳۰"), "5": ("10:00", "12:00")})
    del data["observe_official_holidays"]
    response = client.post(HOURS, data)
    assert response.status_code == 302
    hours = BusinessHours.objects.get(workspace=tenants.ws_a)
    assert hours.week == {"5": ["10:00", "12:00"], "6": ["09:00", "18:30"]}
    assert hours.observe_official_holidays is False
    entry = AuditEntry.objects.get(object_type="core.businesshours", action="update")
    assert (
        entry.after["observe_official_holidays"] is False
        and entry.before["observe_official_holidays"] is True
    )
    assert entry.before["week"]["4"] == ["08:00", "13:00"] and entry.after["week"]["6"] == ["09:00", "18:30"]
    page = client.get(SETTINGS)
    assert page.context["hours_form"]["start_6"].value() == "۰۹:۰۰"
    assert shows(page, in_language("fa", "Official holidays are working days in this workspace."))


def test_closing_before_opening_is_a_field_error(client, tenants):
    login(client, tenants.owner_a)
    response = client.post(HOURS, week_post(**{"6": ("17:00", "08:00")}))
    assert response.status_code == 200
    assert shows(response, in_language("fa", "The closing time must come after the opening time."))
    response = client.post(HOURS, week_post(**{"6": ("25:00", "26:00")}))
    assert shows(response, in_language("fa", "Enter a valid time."))
    assert BusinessHours.objects.get(workspace=tenants.ws_a).week["6"] == ["08:00", "17:00"]
    assert not AuditEntry.objects.filter(object_type="core.businesshours").exists()


def test_add_a_day_off_by_jalali_date_with_htmx(client, tenants):
    login(client, tenants.owner_a)
    response = client.post(DAYS_OFF, {"date": "۱۴۰۵/۱۰/۱۰", "title": "جابه‌جایی دفتر"}, **HTMX)
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.strip().startswith('<section class="card" id="days-off"') and "<html" not in fragment
    day = DayOff.objects.get(workspace=tenants.ws_a)
    assert day.date == parse_date("1405/10/10") and day.title == "جابه‌جایی دفتر"
    assert format_date(day.date, digits="fa", style="long") in fragment
    entry = AuditEntry.objects.get(object_type="core.dayoff", action="create")
    assert entry.after == {"date": day.date.isoformat(), "title": "جابه‌جایی دفتر"}


def test_add_a_day_off_without_javascript(client, tenants):
    login(client, tenants.owner_a)
    response = client.post(DAYS_OFF, {"date": "2027-03-01", "title": "Inventory"})
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert DayOff.objects.filter(workspace=tenants.ws_a, date=dt.date(2027, 3, 1)).exists()


@pytest.mark.parametrize("bad_date", ["1404/12/30", "1403/13/01"])
def test_an_impossible_jalali_date_is_a_field_error_and_nothing_is_written(client, tenants, bad_date):
    owner = tenants.owner_a.user
    login(client, tenants.owner_a)
    response = client.post(DAYS_OFF, {"date": bad_date, "title": "روز"})
    assert response.status_code == 200
    assert shows(response, jalali_error(bad_date, "fa"))
    owner.language = "en"
    owner.save()
    response = client.post(DAYS_OFF, {"date": bad_date, "title": "روز"}, **HTMX)
    assert shows(response, jalali_error(bad_date, "en"))
    assert not DayOff.objects.exists()
    assert not AuditEntry.objects.filter(object_type="core.dayoff").exists()


@pytest.mark.skipif(mehvar_catalogue_missing(), reason="Mehvar's Persian catalogue is not compiled yet")
def test_jalali_date_errors_are_persian_by_default(client, tenants):
    login(client, tenants.owner_a)
    message = jalali_error("1403/13/01", "fa")
    assert is_persian(message)
    assert shows(client.post(DAYS_OFF, {"date": "1403/13/01", "title": "روز"}), message)


def test_a_date_that_is_already_off_and_a_long_title_are_refused(client, tenants):
    DayOff.objects.create(workspace=tenants.ws_a, date=dt.date(2027, 1, 1), title="first")
    login(client, tenants.owner_a)
    response = client.post(DAYS_OFF, {"date": "2027-01-01", "title": "again"})
    assert shows(response, in_language("fa", "This date is already a day off."))
    response = client.post(DAYS_OFF, {"date": "2027-01-02", "title": "ع" * 121})
    assert shows(response, too_long("fa", 120, 121))
    assert DayOff.objects.filter(workspace=tenants.ws_a).count() == 1


def test_remove_a_day_off(client, tenants):
    first = DayOff.objects.create(workspace=tenants.ws_a, date=dt.date(2027, 1, 1), title="first")
    second = DayOff.objects.create(workspace=tenants.ws_a, date=dt.date(2027, 1, 2), title="second")
    login(client, tenants.owner_a)
    response = client.post(f"/w/shop-a/settings/days-off/{first.pk}/remove/", **HTMX)
    assert response.status_code == 200 and "first" not in html(response) and "second" in html(response)
    response = client.post(f"/w/shop-a/settings/days-off/{second.pk}/remove/")
    assert response.status_code == 302
    assert not DayOff.objects.exists()
    assert AuditEntry.objects.filter(object_type="core.dayoff", action="delete").count() == 2


def test_business_hours_are_plain_24_hour_text_in_the_readers_digits(client, tenants):
    """No browser time picker (AM/PM, no Persian digits): a text input showing ۱۳:۰۰ to a Persian reader."""
    login(client, tenants.by_role[Role.ADMIN])
    page = html(client.get(SETTINGS))
    thursday_end = re.search(r'<input[^>]*name="end_4"[^>]*>', page).group(0)
    assert 'type="text"' in thursday_end
    assert 'value="۱۳:۰۰"' in thursday_end
