"""The page that imports a survey's historic responses from a spreadsheet: CSV and XLSX, Persian digits and
Jalali dates, every bad row named by its row and column with nothing stored, one transaction over every
chunk, a second upload that creates nothing, files refused as a whole without a 500, the template, eNPS
refused, and who may open it."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mehvar.core import spreadsheet_uploads
from mehvar.customers.models import Customer
from mehvar.customers.tests.import_helpers import csv_file, xlsx_file
from mehvar.surveys import authoring
from mehvar.surveys.models import Answer, Response
from mehvar.surveys.questions import question_add
from mehvar.surveys.tests.support import customer, nps_survey, questions
from mehvar.testing import login

pytestmark = pytest.mark.django_db

HEADER = "external_id,answered_at,phone,email,customer_id,channel,language,q1,q2,q3"
GOOD = (
    f"{HEADER}\n"
    "old-1,۱۴۰۳/۰۷/۱۵ ۱۰:۳۰,۰۹۱۲ ۳۴۵ ۶۷۸۹,,,sms,fa,۳,پیک دیر رسید,\n"
    "old-2,2024-10-07 09:00,,sara@example.com,,email,,10,,همه چیز عالی بود\n"
    "old-3,1403/08/02,09121110000,,,,,۹,,\n"
)


def url(name, *args, slug="shop-a"):
    return reverse(f"surveys:{name}", args=[slug, *args])


def upload(client, survey, content, slug="shop-a"):
    return client.post(url("import", survey.pk, slug=slug), {"file": content})


def problems(page):
    """(row, column) of every problem listed on the page."""
    return re.findall(r'data-testid="problem-row" data-row="(\d+)" data-column="([^"]*)"', page)


def file_errors(response):
    """The file's errors as the page shows them (in the member's language)."""
    return [
        html.unescape(e)
        for e in re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    ]


@pytest.fixture
def survey(tenants):
    return nps_survey(tenants.owner_a, trigger="manual")


@pytest.fixture
def owner(client, tenants):
    """The owner, reading Mehvar in English so that messages can be compared."""
    tenants.owner_a.user.language = "en"
    tenants.owner_a.user.save(update_fields=["language"])
    login(client, tenants.owner_a)
    return tenants.owner_a


def test_a_good_csv_with_persian_digits_and_jalali_dates_is_imported(client, tenants, survey, owner):
    page = client.get(url("import", survey.pk))
    assert page.status_code == 200
    body = page.content.decode()
    for column in ("external_id", "answered_at", "phone", "customer_id", "q1", "q3"):
        assert f'data-testid="column-{column}"' in body
    assert questions(survey)[0].text_fa in body  # each question column says which question it is

    response = upload(client, survey, csv_file(GOOD))
    assert response.status_code == 200, problems(response.content.decode())
    body = response.content.decode()
    assert 'data-testid="upload-result"' in body
    assert response.context["outcome"].created == 3 and response.context["outcome"].existing == 0
    stored = {r.external_id: r for r in Response.objects.filter(survey=survey)}
    assert set(stored) == {"old-1", "old-2", "old-3"}
    first = stored["old-1"]
    assert first.score == 3 and first.channel_kind == "sms"
    assert first.created_at.isoformat() == "2024-10-06T07:00:00+00:00"  # ۱۴۰۳/۰۷/۱۵ ۱۰:۳۰ in Tehran
    assert first.customer.identities.get(kind="phone").value == "+989123456789"
    assert Answer.objects.get(response=first, question=questions(survey)[1]).text == "پیک دیر رسید"
    assert stored["old-2"].score == 10 and stored["old-2"].customer.identities.filter(kind="email").exists()
    assert stored["old-3"].created_at.isoformat() == "2024-10-22T20:30:00+00:00"  # midnight in Tehran
    assert Answer.objects.filter(response__survey=survey, via="import").count() == 5


def test_a_good_xlsx_is_imported_and_a_second_upload_creates_nothing(client, tenants, survey, owner):
    person = customer(tenants.owner_a)
    rows = [
        ["external_id", "answered_at", "customer_id", "q1", "q3"],
        ["x-1", "۱۴۰۳/۰۹/۰۱ ۰۸:۱۵", person.pk, 9, "سریع بود"],
        ["x-2", "2024-12-01", str(person.pk), "۷", None],
    ]
    response = upload(client, survey, xlsx_file(rows))
    assert response.status_code == 200, problems(response.content.decode())
    assert (response.context["outcome"].created, response.context["outcome"].existing) == (2, 0)
    assert set(Response.objects.filter(survey=survey).values_list("customer_id", flat=True)) == {person.pk}

    again = upload(client, survey, xlsx_file(rows))
    assert again.status_code == 200
    assert (again.context["outcome"].created, again.context["outcome"].existing) == (0, 2)
    assert 'data-testid="existing-count">2<' in again.content.decode()
    assert Response.objects.filter(survey=survey).count() == 2


def test_three_bad_rows_are_all_named_and_nothing_is_stored(client, tenants, survey, owner):
    text = (
        f"{HEADER}\n"
        "ok-1,1403/07/15,09121110001,,,,,9,,\n"
        "bad-date,۱۴۰۳/۱۳/۴۰,09121110002,,,,,9,,\n"  # row 3: no 13th month
        "ok-2,1403/07/16,09121110003,,,,,8,,\n"
        "bad-score,1403/07/16,09121110004,,,,,11,,\n"  # row 5: NPS goes to 10
        "bad-phone,1403/07/16,۱۲۳,,,pigeon,,5,,\n"  # row 6: two problems
    )
    response = upload(client, survey, csv_file(text))
    assert response.status_code == 422
    body = response.content.decode()
    assert problems(body) == [("3", "answered_at"), ("5", "q1"), ("6", "channel"), ("6", "phone")]
    assert response.context["outcome"].bad_rows == [3, 5, 6]
    assert 'data-testid="upload-result"' not in body
    assert not Response.objects.filter(survey=survey).exists()
    assert not Customer.objects.filter(workspace=tenants.ws_a).exists()


def test_every_chunk_applies_in_one_transaction(client, tenants, survey, owner, monkeypatch):
    """Chunks of two: the first two chunks are stored, the third has a bad row, so nothing stays."""
    monkeypatch.setattr(spreadsheet_uploads, "CHUNK", 2)
    lines = [f"c-{n},1403/07/{n + 10},0912111{n:04d},,,,,9,," for n in range(1, 6)]
    lines[4] = "c-5,1403/07/15,09121110005,,,,,eleven,,"
    response = upload(client, survey, csv_file(HEADER + "\n" + "\n".join(lines) + "\n"))
    assert response.status_code == 422
    assert problems(response.content.decode()) == [("6", "q1")]
    assert not Response.objects.filter(survey=survey).exists()
    assert not Customer.objects.filter(workspace=tenants.ws_a).exists()

    lines[4] = "c-5,1403/07/15,09121110005,,,,,10,,"
    response = upload(client, survey, csv_file(HEADER + "\n" + "\n".join(lines) + "\n"))
    assert response.status_code == 200
    assert response.context["outcome"].created == 5
    assert Response.objects.filter(survey=survey).count() == 5


def test_the_same_external_id_twice_in_a_file_is_a_problem_of_the_later_row(client, survey, owner):
    text = f"{HEADER}\nd-1,1403/07/15,09121110001,,,,,9,,\nd-1,1403/07/16,09121110002,,,,,8,,\n"
    response = upload(client, survey, csv_file(text))
    assert problems(response.content.decode()) == [("3", "external_id")]
    assert "Rows 2 and 3 have the same external id." in response.content.decode()
    assert not Response.objects.exists()


def test_choices_by_key_or_label_separated_by_a_bar_or_a_persian_comma(client, tenants, survey, owner):
    question_add(
        acting=tenants.owner_a,
        survey=survey,
        data={
            "type": "multiple",
            "text_fa": "چه چیزی خوب بود؟",
            "choices": [
                {"key": "fast", "fa": "سرعت"},
                {"key": "price", "fa": "قیمت"},
                {"key": "staff", "fa": "برخورد"},
            ],
        },
    )
    text = (
        "external_id,answered_at,phone,q1,q4\n"
        "m-1,1403/07/15,09121110001,9,fast|price\n"
        "m-2,1403/07/15,09121110002,9,سرعت، برخورد\n"
        "m-3,1403/07/15,09121110003,9,fast|nothing\n"
    )
    response = upload(client, survey, csv_file(text))
    assert problems(response.content.decode()) == [("4", "q4")]
    text = text.replace("fast|nothing", "staff")
    response = upload(client, survey, csv_file(text))
    assert response.status_code == 200
    chosen = {
        a.response.external_id: a.choices for a in Answer.objects.filter(choices__isnull=False, text="")
    }
    assert chosen == {"m-1": ["fast", "price"], "m-2": ["fast", "staff"], "m-3": ["staff"]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (csv_file("", name="empty.csv"), "The submitted file is empty."),
        (csv_file("\n\n", name="blank.csv"), "The file is empty: the first row should name the columns."),
        (csv_file("a,b", name="notes.pdf"), "Upload a CSV or XLSX (Excel) file."),
        (
            SimpleUploadedFile("garbage.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
            "not a CSV text file",
        ),
        (SimpleUploadedFile("broken.xlsx", b"PK\x03\x04 this is no spreadsheet"), "not a readable XLSX"),
        (csv_file("external_id,q1\nr-1,9\n"), "lacks a required column: answered_at."),
        (csv_file("external_id,answered_at,q1,mood\nr-1,1403/07/15,9,:)\n"), "does not read: mood."),
        (csv_file("external_id,answered_at,phone\nr-1,1403/07/15,0912\n"), "names no question"),
        (csv_file("external_id,answered_at,q1,q1\nr-1,1403/07/15,9,9\n"), "more than once"),
        (csv_file("external_id,answered_at,q1\n"), "column names but no rows"),
    ],
)
def test_a_file_refused_as_a_whole_says_why(client, survey, owner, content, message):
    response = upload(client, survey, content)
    assert response.status_code == 422
    assert any(message in error for error in file_errors(response)), file_errors(response)
    assert not Response.objects.exists()


def test_a_row_with_too_many_cells_is_named(client, survey, owner):
    text = (
        "external_id,answered_at,phone,q1\n"
        "r-1,1403/07/15,09121110001,9,extra,cells\n"
        "r-2,1403/07/15,09121110002,9,,\n"  # empty cells past the last column are fine
    )
    response = upload(client, survey, csv_file(text))
    assert response.status_code == 422
    assert problems(response.content.decode()) == [("2", "")]
    assert "This row has 6 cells, but the first row names only 4 columns." in response.content.decode()


def test_more_rows_than_the_cap_are_refused(client, survey, owner, monkeypatch):
    monkeypatch.setattr(spreadsheet_uploads, "MAX_ROWS", 2)
    text = HEADER + "\n" + "".join(f"r-{n},1403/07/15,0912111{n:04d},,,,,9,,\n" for n in range(3))
    response = upload(client, survey, csv_file(text))
    assert response.status_code == 422
    assert any("more than 2 rows" in error for error in file_errors(response))
    assert not Response.objects.exists()


def test_the_template_has_the_surveys_columns(client, tenants, survey, owner):
    response = client.get(url("import_template", survey.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").strip() == HEADER
    anonymous = authoring.survey_create(
        acting=tenants.owner_a, kind="csat", title_fa="بی‌نام", trigger="manual", anonymous=True
    )
    header = client.get(url("import_template", anonymous.pk)).content.decode("utf-8-sig").strip()
    assert header == "external_id,answered_at,channel,language,q1,q2"


def test_enps_surveys_are_refused_and_the_edit_page_links_only_to_others(client, tenants, survey, owner):
    enps = authoring.survey_create(
        acting=tenants.owner_a, kind="enps", title_fa="حال‌وهوای کار", trigger="manual"
    )
    for page in (url("import", enps.pk), url("import_template", enps.pk)):
        response = client.get(page)
        assert response.status_code == 403
        assert 'data-testid="import-refused"' in response.content.decode()
    assert upload(client, enps, csv_file(GOOD)).status_code == 403
    assert not Response.objects.exists()
    assert url("import", enps.pk) not in client.get(url("edit", enps.pk)).content.decode()
    assert url("import", survey.pk) in client.get(url("edit", survey.pk)).content.decode()


def test_who_may_import(client, tenants, survey):
    for role in ("marketer", "supervisor"):
        login(client, tenants.by_role[role])
        assert client.get(url("import", survey.pk)).status_code == 200, role
    for role in ("agent", "analyst"):
        login(client, tenants.by_role[role])
        assert client.get(url("import", survey.pk)).status_code == 403, role
        assert upload(client, survey, csv_file(GOOD)).status_code == 403, role
        assert client.get(url("import_template", survey.pk)).status_code == 403, role
    # Another workspace's member: A's survey is not found, neither under A's slug nor under their own.
    login(client, tenants.outsider_b)
    for slug in ("shop-a", "shop-b"):
        assert client.get(url("import", survey.pk, slug=slug)).status_code == 404
        assert upload(client, survey, csv_file(GOOD), slug=slug).status_code == 404
        assert client.get(url("import_template", survey.pk, slug=slug)).status_code == 404
    assert not Response.objects.exists()
