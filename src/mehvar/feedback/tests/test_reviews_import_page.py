"""The page that imports customer reviews from a spreadsheet: CSV and XLSX, Persian digits and Jalali dates,
every bad row named with nothing stored, a second upload that creates nothing, the template, the link from
the feedback page, and who may open it (``customers.edit``, as the reviews API)."""

import html
import re

import pytest
from django.urls import reverse

from mehvar.core.roles import ROLE_PERMISSIONS, Perm, Role
from mehvar.customers.models import Activity, Customer
from mehvar.customers.tests.import_helpers import csv_file, xlsx_file
from mehvar.feedback.models import Review
from mehvar.testing import login

pytestmark = pytest.mark.django_db

HEADER = "source,external_id,text,rating,rating_max,written_at,phone,email"
GOOD = (
    f"{HEADER}\n"
    "digikala,dk-1,گوشی سالم رسید ولی جعبه‌اش له شده بود,۲,,۱۴۰۳/۰۷/۱۵ ۱۰:۳۰,۰۹۱۲ ۱۲۳ ۴۵۶۷,\n"
    'digikala,dk-2,"خیلی سریع رسید، ممنون از فروشنده",5,5,2024-10-07 08:15,,\n'
    "google,g-1,پارکینگ ندارد و برخورد صندوقدار هم سرد بود,۱,۵,1403/08/02,,ali@example.com\n"
)


def url(name, slug="shop-a"):
    return reverse(f"feedback:{name}", args=[slug])


def upload(client, content, slug="shop-a"):
    return client.post(url("reviews_import", slug), {"file": content})


def problems(page):
    return re.findall(r'data-testid="problem-row" data-row="(\d+)" data-column="([^"]*)"', page)


@pytest.fixture
def agent(client, tenants):
    tenants.agent_a.user.language = "en"
    tenants.agent_a.user.save(update_fields=["language"])
    login(client, tenants.agent_a)
    return tenants.agent_a


def test_a_good_csv_with_persian_digits_and_jalali_dates_is_imported(client, tenants, agent):
    page = client.get(url("reviews_import"))
    assert page.status_code == 200
    for column in ("source", "external_id", "text", "rating", "rating_max", "written_at", "phone", "email"):
        assert f'data-testid="column-{column}"' in page.content.decode()

    response = upload(client, csv_file(GOOD))
    assert response.status_code == 200, problems(response.content.decode())
    assert 'data-testid="upload-result"' in response.content.decode()
    assert (response.context["outcome"].created, response.context["outcome"].existing) == (3, 0)
    stored = {r.external_id: r for r in Review.objects.filter(workspace=tenants.ws_a)}
    assert set(stored) == {"dk-1", "dk-2", "g-1"}
    assert (stored["dk-1"].rating, stored["dk-1"].rating_max) == (2, 5)
    assert stored["dk-1"].written_at.isoformat() == "2024-10-06T07:00:00+00:00"
    assert stored["dk-1"].model == "base" and stored["dk-1"].sentiment in {"negative", "neutral", "positive"}
    assert stored["dk-2"].text == "خیلی سریع رسید، ممنون از فروشنده"
    assert (stored["g-1"].source, stored["g-1"].rating, stored["g-1"].rating_max) == ("google", 1, 5)
    assert stored["g-1"].written_at.isoformat() == "2024-10-22T20:30:00+00:00"
    assert stored["dk-1"].customer.identities.get(kind="phone").value == "+989121234567"
    assert stored["g-1"].customer.identities.get(kind="email").value == "ali@example.com"
    assert stored["dk-2"].customer is None
    assert Activity.objects.filter(workspace=tenants.ws_a, kind="review").count() == 2


def test_a_good_xlsx_is_imported_and_a_second_upload_creates_nothing(client, tenants, agent):
    rows = [
        ["source", "external_id", "text", "rating", "written_at", "phone"],
        ["snappfood", "sf-1", "غذا سرد رسید", 2, "۱۴۰۳/۰۹/۰۱ ۲۰:۱۵", "09121110000"],
        ["snappfood", "sf-2", "خیلی خوشمزه بود", "۵", "2024-12-01", None],
    ]
    response = upload(client, xlsx_file(rows))
    assert response.status_code == 200, problems(response.content.decode())
    assert (response.context["outcome"].created, response.context["outcome"].existing) == (2, 0)
    again = upload(client, xlsx_file(rows))
    assert (again.context["outcome"].created, again.context["outcome"].existing) == (0, 2)
    assert Review.objects.filter(workspace=tenants.ws_a).count() == 2
    assert Customer.objects.filter(workspace=tenants.ws_a).count() == 1


def test_three_bad_rows_are_all_named_and_nothing_is_stored(client, tenants, agent):
    text = (
        f"{HEADER}\n"
        "digikala,ok-1,کالا سالم رسید,4,,1403/07/15,09121110001,\n"
        "Digi Kala!,bad-source,کالا سالم رسید,4,,1403/07/15,,\n"  # row 3
        "digikala,ok-2,کالا سالم رسید,4,,1403/07/15,,\n"
        "digikala,bad-rating,کالا خراب بود,7,5,1403/07/15,,\n"  # row 5
        "digikala,bad-date,,3,,۱۴۰۳/۱۳/۰۱,,bad@\n"  # row 6: text, date and e-mail
        "digikala,ok-1,دوباره,4,,1403/07/15,,\n"  # row 7: the same review twice in one file
    )
    response = upload(client, csv_file(text))
    assert response.status_code == 422
    body = response.content.decode()
    assert problems(body) == [
        ("3", "source"),
        ("5", "rating"),
        ("6", "email"),
        ("6", "text"),
        ("6", "written_at"),
        ("7", "external_id"),
    ]
    assert "Rows 2 and 7 have the same source and external id." in html.unescape(body)
    assert not Review.objects.exists()
    assert not Customer.objects.filter(workspace=tenants.ws_a).exists()


def test_a_missing_and_an_unknown_column_are_named(client, agent):
    response = upload(client, csv_file("source,external_id,body,written_at\ndigikala,x,متن,1403/07/15\n"))
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert "The first row lacks a required column: text." in body
    assert "The first row names a column this page does not read: body." in body
    assert not Review.objects.exists()


def test_the_template_has_the_columns(client, agent):
    response = client.get(url("reviews_import_template"))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").strip() == HEADER


def test_who_may_import_and_who_sees_the_link(client, tenants, monkeypatch):
    for role in ("owner", "supervisor", "agent"):
        login(client, tenants.by_role[role])
        assert client.get(url("reviews_import")).status_code == 200, role
        assert url("reviews_import") in client.get(url("page")).content.decode(), role
    for role in ("marketer", "analyst"):
        login(client, tenants.by_role[role])
        assert client.get(url("reviews_import")).status_code == 403, role
        assert upload(client, csv_file(GOOD)).status_code == 403, role
        assert client.get(url("reviews_import_template")).status_code == 403, role
    # An agent who may correct the feedback but not edit customers sees no link.
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.AGENT, ROLE_PERMISSIONS[Role.AGENT] - {Perm.CUSTOMERS_EDIT})
    login(client, tenants.agent_a)
    page = client.get(url("page"))
    assert page.status_code == 200 and url("reviews_import") not in page.content.decode()
    assert client.get(url("reviews_import")).status_code == 403
    login(client, tenants.outsider_b)
    assert client.get(url("reviews_import")).status_code == 404
    assert upload(client, csv_file(GOOD)).status_code == 404
    assert not Review.objects.exists()
