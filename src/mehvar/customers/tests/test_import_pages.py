"""The import pages: upload, mapping with preview, HTMX progress, every error and its report, the result;
access for outsiders and roles that may not import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mehvar.core.roles import Role
from mehvar.customers.models import Customer, Import
from mehvar.customers.tests.import_helpers import csv_file
from mehvar.ops.tests.conftest import run_waiting_tasks
from mehvar.testing import login

pytestmark = pytest.mark.urls("mehvar.customers.tests.import_urlconf")

GOOD = "نام,نام خانوادگی,موبایل\nعلی,رضایی,۰۹۱۲ ۳۴۵ ۶۷۸۹\nسارا,کریمی,09121110000\n"
BAD = "نام,موبایل,ایمیل\nعلی,0912abc,\nسارا,09121110000,bad@\nرضا,09121110001,\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def english_agent(tenants):
    """The agent reads Mehvar in English, so that messages can be compared with their English text."""
    tenants.agent_a.user.language = "en"
    tenants.agent_a.user.save(update_fields=["language"])
    return tenants.agent_a


def url(name: str, *args) -> str:
    return reverse(f"customers:{name}", args=["shop-a", *args])


def upload(client, content: SimpleUploadedFile):
    return client.post(url("import_upload"), {"file": content})


def mapping_post(imp: Import) -> dict[str, str]:
    return {f"col_{n}": imp.mapping.get(h, "") for n, h in enumerate(imp.headers)}


def test_upload_map_preview_run_and_see_the_result(client, tenants, django_capture_on_commit_callbacks):
    login(client, tenants.agent_a)
    assert client.get(url("import_upload")).status_code == 200
    response = upload(client, csv_file(GOOD))
    imp = Import.objects.get(workspace=tenants.ws_a)
    assert response.status_code == 302
    assert response["Location"] == url("import_detail", imp.pk)

    page = client.get(url("import_detail", imp.pk)).content.decode()
    assert 'data-testid="mapping-form"' in page
    assert '<option value="phone" selected>' in page
    assert "۰۹۱۲ ۳۴۵ ۶۷۸۹" in page and "سارا" in page  # the preview

    partial = client.post(url("import_preview", imp.pk), {"col_0": "display_name", "col_2": "phone"})
    assert partial.status_code == 200
    assert 'id="preview"' in partial.content.decode() and "<html" not in partial.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("import_detail", imp.pk), mapping_post(imp))
    assert response.status_code == 302
    running = client.get(url("import_detail", imp.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in running
    progress = client.get(url("import_progress", imp.pk), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in progress.content.decode()

    assert run_waiting_tasks() == 1
    done = client.get(url("import_progress", imp.pk), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    result = client.get(url("import_detail", imp.pk)).content.decode()
    assert 'data-testid="result"' in result
    assert 'hx-trigger="every 1s"' not in result
    assert Customer.objects.filter(workspace=tenants.ws_a).count() == 2


def test_bad_rows_are_all_listed_and_the_report_downloads(
    client, tenants, django_capture_on_commit_callbacks
):
    login(client, tenants.agent_a)
    upload(client, csv_file(BAD))
    imp = Import.objects.get(workspace=tenants.ws_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("import_detail", imp.pk), mapping_post(imp))
    run_waiting_tasks()
    page = client.get(url("import_detail", imp.pk)).content.decode()
    assert page.count('data-testid="error-row"') == 2
    assert "موبایل" in page and "ایمیل" in page
    assert not Customer.objects.filter(workspace=tenants.ws_a).exists()

    report = client.get(url("import_errors", imp.pk))
    assert report["Content-Type"].startswith("text/csv")
    text = report.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "ردیف,ستون,مشکل"  # the report speaks the viewer's language (Persian by default)
    assert [line.split(",")[0] for line in lines[1:]] == ["2", "3"]


@pytest.mark.parametrize(
    ("language", "header", "phone_problem"),
    [("en", "Row,Column,Problem", "This is not a phone number"), ("fa", None, "این یک شماره تلفن نیست")],
)
def test_the_errors_are_in_the_users_language(
    client, tenants, django_capture_on_commit_callbacks, language, header, phone_problem
):
    tenants.agent_a.user.language = language
    tenants.agent_a.user.save(update_fields=["language"])
    login(client, tenants.agent_a)
    upload(client, csv_file(BAD))
    imp = Import.objects.get(workspace=tenants.ws_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("import_detail", imp.pk), mapping_post(imp))
    run_waiting_tasks()
    report = client.get(url("import_errors", imp.pk)).content.decode()
    if header:
        assert report.lstrip("\ufeff").startswith(header)
    assert phone_problem in report
    assert phone_problem in client.get(url("import_detail", imp.pk)).content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (SimpleUploadedFile("big.csv", b"a,b\n" + b"x" * (30 * 1024 * 1024)), "too big"),
        (SimpleUploadedFile("p.csv", b"\x89PNG\r\n\x1a\n" + bytes(200)), "not a CSV"),
        (SimpleUploadedFile("p.pdf", b"%PDF-1.4"), "CSV or XLSX"),
    ],
    ids=["30mb", "png", "pdf"],
)
def test_bad_files_get_a_clear_error(client, tenants, english_agent, content, message):
    login(client, english_agent)
    response = upload(client, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Import.objects.exists()


def test_a_million_rows_are_refused_without_a_500(client, tenants, english_agent, tmp_path):
    login(client, english_agent)
    path = tmp_path / "million.csv"
    path.write_text("name,phone\n" + "a,1\n" * 1_000_001)
    with path.open("rb") as handle:
        response = client.post(url("import_upload"), {"file": handle})
    assert response.status_code == 400
    assert "more than 200,000 rows" in response.content.decode()
    assert not Import.objects.exists()


def test_outsider_404_and_analyst_403(client, tenants):
    login(client, tenants.agent_a)
    upload(client, csv_file(GOOD))
    imp = Import.objects.get(workspace=tenants.ws_a)
    login(client, tenants.outsider_b)
    for name, args in [("import_upload", ()), ("import_detail", (imp.pk,)), ("import_errors", (imp.pk,))]:
        assert client.get(url(name, *args)).status_code == 404
    # Another workspace's import id under one's own workspace is not found either.
    other = reverse("customers:import_detail", args=["shop-b", imp.pk])
    assert client.get(other).status_code == 404
    login(client, tenants.by_role[Role.ANALYST])
    assert client.get(url("import_upload")).status_code == 403
    assert upload(client, csv_file(GOOD)).status_code == 403
    assert client.get(url("import_detail", imp.pk)).status_code == 403
