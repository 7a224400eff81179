"""Customer imports, the service and the task: encodings, formats, every bad row, all or nothing, dedupe."""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import translation

from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.customers import importing
from mehvar.customers.importing import import_create, import_set_mapping, import_start
from mehvar.customers.models import Activity, Customer, CustomField, Identity, Import, ImportMapping
from mehvar.customers.tests.import_helpers import csv_file, xlsx_file
from mehvar.ops.tests.conftest import run_waiting_tasks


@pytest.fixture(autouse=True)
def english():
    """The messages are compared in English here; the Persian catalogue is checked in test_catalogues.py and
    the Persian pages in test_import_pages.py."""
    with translation.override("en"):
        yield


PERSIAN_CSV = (
    "نام,نام خانوادگی,موبایل,ایمیل,شهر,تاریخ تولد,برچسب\n"
    "علی,رضایی,۰۹۱۲ ۳۴۵ ۶۷۸۹,Ali@Example.com,تهران,۱۳۷۰/۰۵/۱۲,وفادار، عمده\n"
    "مریم,احمدی,+98 912-000-1111,,شیراز,1995-02-03,\n"
)


def run(imp: Import, acting) -> Import:
    """Map as suggested, start, and run the task the way the worker does."""
    import_set_mapping(acting=acting, imp=imp, mapping=imp.mapping)
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_start(acting=acting, imp=imp)
    run_waiting_tasks()
    imp.refresh_from_db()
    return imp


def file_error(excinfo) -> str:
    return " ".join(excinfo.value.message_dict["file"])


def test_persian_headers_and_messy_phones_import(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    imp = import_create(acting=tenants.agent_a, uploaded_file=csv_file(PERSIAN_CSV))
    assert imp.total_rows == 2
    assert imp.mapping == {
        "نام": "first_name",
        "نام خانوادگی": "last_name",
        "موبایل": "phone",
        "ایمیل": "email",
        "شهر": "city",
        "تاریخ تولد": "birthday",
        "برچسب": "tags",
    }
    assert str(tmp_path / "imports" / str(tenants.ws_a.pk)) in imp.stored_path
    preview = importing.import_preview(imp)
    assert [p["row"] for p in preview] == [2, 3]
    assert preview[0]["values"]["phone"] == "۰۹۱۲ ۳۴۵ ۶۷۸۹"

    imp = run(imp, tenants.agent_a)
    assert imp.status == Import.Status.DONE, imp.errors
    assert (imp.created_count, imp.updated_count, imp.processed_rows) == (2, 0, 2)
    ali = Customer.objects.get(workspace=tenants.ws_a, phone="+989123456789")
    assert (ali.first_name, ali.last_name, ali.display_name) == ("علی", "رضایی", "علی رضایی")
    assert ali.email == "ali@example.com"
    assert ali.city == "تهران"
    assert ali.birthday == dt.date(1991, 8, 3)  # 1370/05/12
    assert sorted(t.name for t in ali.tags.all()) == ["عمده", "وفادار"]
    assert Identity.objects.filter(customer=ali, kind="phone", value="+989123456789").exists()
    assert ali.search_text
    maryam = Customer.objects.get(workspace=tenants.ws_a, phone="+989120001111")
    assert maryam.birthday == dt.date(1995, 2, 3)
    assert AuditEntry.objects.filter(workspace=tenants.ws_a, object_type="customers.import").count() >= 2


def test_windows_1256_csv(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Windows-1256 has only the Arabic forms of ye and kaf; they are read as the Persian letters.
    text = "نام كامل;تلفن\r\nكيوان كاظمي;09121112233\r\n"
    imp = import_create(acting=tenants.agent_a, uploaded_file=csv_file(text, encoding="cp1256"))
    assert imp.headers == ["نام کامل", "تلفن"]
    imp = run(imp, tenants.agent_a)
    assert imp.status == Import.Status.DONE, imp.errors
    assert Customer.objects.get(workspace=tenants.ws_a, phone="+989121112233").display_name == "کیوان کاظمی"


def test_utf8_bom_csv(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("c.csv", "\ufeffName,Mobile\nSara,09120000001\n".encode())
    imp = import_create(acting=tenants.agent_a, uploaded_file=upload)
    assert imp.headers == ["Name", "Mobile"]
    assert imp.mapping == {"Name": "display_name", "Mobile": "phone"}


def test_xlsx_imports(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = xlsx_file(
        [
            ["First name", "Last name", "Phone", "Birthday"],
            ["Sara", "Karimi", 9121234000, dt.datetime(1990, 1, 2)],
            ["Reza", "Nouri", "۰۹۱۲۱۲۳۴۰۰۱", "۱۳۶۹/۱۰/۱۲"],
        ]
    )
    imp = import_create(acting=tenants.agent_a, uploaded_file=upload)
    assert imp.file_format == "xlsx"
    imp = run(imp, tenants.agent_a)
    assert imp.status == Import.Status.DONE, imp.errors
    sara = Customer.objects.get(workspace=tenants.ws_a, phone="+989121234000")
    assert sara.birthday == dt.date(1990, 1, 2)
    assert Customer.objects.get(workspace=tenants.ws_a, phone="+989121234001").birthday == dt.date(1991, 1, 2)


def test_xlsx_formula_cell_is_a_row_error(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = xlsx_file([["Name", "Phone"], ["Sara", "09121234000"], ["Reza", '=CONCAT("0912", "1234001")']])
    imp = run(import_create(acting=tenants.agent_a, uploaded_file=upload), tenants.agent_a)
    assert imp.status == Import.Status.INVALID
    with translation.override("fa"):  # stored in the uploader's language (Persian by default)
        message = translation.gettext("Formulas are not accepted: type the value itself.")
    assert imp.errors == [{"row": 3, "field": "Phone", "message": message}]
    assert not Customer.objects.filter(workspace=tenants.ws_a).exists()


def test_a_30_mb_file_is_refused_and_nothing_kept(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = SimpleUploadedFile("big.csv", b"name,phone\n" + b"x" * (30 * 1024 * 1024))
    with pytest.raises(ValidationError) as excinfo:
        import_create(acting=tenants.agent_a, uploaded_file=big)
    assert "too big" in file_error(excinfo)
    assert "20 MB" in file_error(excinfo)
    assert not Import.objects.exists()
    assert not list((tmp_path).rglob("*.csv"))


def test_png_named_csv_is_refused(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    png = SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10)
    with pytest.raises(ValidationError) as excinfo:
        import_create(acting=tenants.agent_a, uploaded_file=png)
    assert "not a CSV" in file_error(excinfo)
    assert not Import.objects.exists()
    assert not list(tmp_path.rglob("*.csv"))


def test_garbage_xlsx_is_refused(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as excinfo:
        import_create(acting=tenants.agent_a, uploaded_file=SimpleUploadedFile("a.xlsx", b"PK\x03\x04junk"))
    assert "not a readable XLSX" in file_error(excinfo)


def test_a_million_row_csv_is_refused_early(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "million.csv"
    with path.open("w") as out:
        out.write("name,phone\n")
        out.write("a,1\n" * 1_000_001)
    with path.open("rb") as handle, pytest.raises(ValidationError) as excinfo:
        import_create(acting=tenants.agent_a, uploaded_file=File(handle, name="million.csv"))
    assert "more than 200,000 rows" in file_error(excinfo)
    assert not Import.objects.exists()


def test_a_million_row_xlsx_is_refused_from_its_dimension(tenants, settings, tmp_path):
    """A sheet that says it has a million rows is refused without reading them."""
    settings.MEDIA_ROOT = tmp_path
    upload = xlsx_file([["Name", "Phone"], ["a", "09121234000"]])
    data = upload.read()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="A1:B2"\s*/>', b'<dimension ref="A1:B1000001"/>', content)
                assert b"B1000001" in content
            target.writestr(item, content)
    with pytest.raises(ValidationError) as excinfo:
        import_create(acting=tenants.agent_a, uploaded_file=SimpleUploadedFile("m.xlsx", out.getvalue()))
    assert "more than 200,000 rows" in file_error(excinfo)


def test_bad_rows_are_all_reported_and_nothing_is_written(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    CustomField.objects.create(workspace=tenants.ws_a, key="vip", label="ویژه", type=CustomField.Type.BOOLEAN)
    CustomField.objects.create(workspace=tenants.ws_a, key="size", label="Size", type=CustomField.Type.NUMBER)
    text = (
        "نام,موبایل,ایمیل,تاریخ تولد,ویژه,Size,شهر\n"
        "خوب,09120000001,,,بله,۱۲,\n"
        "بد تلفن,0912abc,,,,,\n"
        "بد ایمیل,,not-an-email,,,,\n"
        "بد تاریخ,09120000002,,1403/13/40,,,\n"
        ",,,,,,تهران\n"
        "نوع,09120000003,,,شاید,دوازده,\n"
        f"طولانی,09120000004,,,,,{'ش' * 101}\n"
    )
    imp = run(import_create(acting=tenants.agent_a, uploaded_file=csv_file(text)), tenants.agent_a)
    assert imp.mapping["ویژه"] == "custom.vip"
    assert imp.status == Import.Status.INVALID
    bad = {(e["row"], e["field"]) for e in imp.errors}
    assert bad == {
        (3, "موبایل"),
        (4, "ایمیل"),
        (5, "تاریخ تولد"),
        (6, ""),
        (7, "ویژه"),
        (7, "Size"),
        (8, "شهر"),
    }
    assert all(e["message"] for e in imp.errors)
    assert imp.processed_rows == 7
    assert not Customer.objects.filter(workspace=tenants.ws_a).exists()  # not even the good row
    report = importing.error_report_csv(imp)
    assert report.splitlines()[0] == "Row,Column,Problem"
    assert len(report.splitlines()) == 1 + len(imp.errors)


def test_a_matching_phone_updates_the_existing_customer(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    existing = Customer.objects.create(
        workspace=tenants.ws_a, first_name="علی", display_name="علی", phone="+989123456789", city="کرج"
    )
    other_ws = Customer.objects.create(workspace=tenants.ws_b, phone="+989120001111")
    imp = run(import_create(acting=tenants.agent_a, uploaded_file=csv_file(PERSIAN_CSV)), tenants.agent_a)
    assert imp.status == Import.Status.DONE, imp.errors
    assert (imp.created_count, imp.updated_count) == (1, 1)
    existing.refresh_from_db()
    assert existing.city == "کرج"  # filled fields are kept
    assert existing.last_name == "رضایی"  # empty ones are filled
    assert existing.email == "ali@example.com"
    assert Customer.objects.filter(workspace=tenants.ws_a, phone="+989123456789").count() == 1
    assert Customer.objects.filter(workspace=tenants.ws_a, phone="+989120001111").count() == 1
    other_ws.refresh_from_db()
    assert other_ws.first_name == ""


def test_the_mapping_is_remembered_for_the_same_headers(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    text = "ستون الف,ستون ب\nعلی,09120000001\n"
    imp = import_create(acting=tenants.agent_a, uploaded_file=csv_file(text))
    assert imp.mapping == {}
    import_set_mapping(
        acting=tenants.agent_a, imp=imp, mapping={"ستون الف": "display_name", "ستون ب": "phone"}
    )
    assert ImportMapping.objects.filter(workspace=tenants.ws_a).count() == 1
    again = import_create(
        acting=tenants.agent_a, uploaded_file=csv_file("ستون  الف,ستون ب\nرضا,09120000002\n")
    )
    assert again.headers == ["ستون الف", "ستون ب"]  # spaces are tidied before the headers are compared
    assert again.mapping == {"ستون الف": "display_name", "ستون ب": "phone"}
    elsewhere = import_create(acting=tenants.outsider_b, uploaded_file=csv_file(text))
    assert elsewhere.mapping == {}


def test_mapping_errors(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    imp = import_create(acting=tenants.agent_a, uploaded_file=csv_file("a,b,c\n1,2,3\n"))
    with pytest.raises(ValidationError) as excinfo:
        import_set_mapping(acting=tenants.agent_a, imp=imp, mapping={"a": "phone", "b": "phone"})
    assert "b" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        import_set_mapping(acting=tenants.agent_a, imp=imp, mapping={"a": "city"})
    with pytest.raises(ValidationError):
        import_set_mapping(acting=tenants.agent_a, imp=imp, mapping={"a": "nonsense"})


def test_an_analyst_may_not_import(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(PermissionDenied):
        import_create(acting=tenants.by_role[Role.ANALYST], uploaded_file=csv_file(PERSIAN_CSV))


def test_running_the_task_twice_does_no_harm(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    imp = run(import_create(acting=tenants.agent_a, uploaded_file=csv_file(PERSIAN_CSV)), tenants.agent_a)
    importing.import_run_now(imp)
    assert Customer.objects.filter(workspace=tenants.ws_a).count() == 2
    with pytest.raises(ValidationError):
        import_start(acting=tenants.agent_a, imp=imp)


def test_a_large_file_is_applied_in_batches_with_duplicates_across_them(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lines = ["نام,موبایل,شهر"]
    lines += [f"مشتری {n},0912{n:07d},{'' if n == 5 else 'تهران'}" for n in range(2500)]
    lines.append("تکراری,09120000005,یزد")  # row 2,502 repeats row 7's phone, 2,000 rows later
    imp = run(
        import_create(acting=tenants.agent_a, uploaded_file=csv_file("\n".join(lines))), tenants.agent_a
    )
    assert imp.status == Import.Status.DONE, imp.errors[:3]
    assert (imp.created_count, imp.updated_count, imp.processed_rows) == (2500, 0, 2501)
    assert Customer.objects.filter(workspace=tenants.ws_a).count() == 2500
    repeated = Customer.objects.get(workspace=tenants.ws_a, phone="+989120000005")
    assert (repeated.display_name, repeated.city) == ("مشتری 5", "یزد")  # only the empty field was filled
    assert Activity.objects.filter(workspace=tenants.ws_a, kind="import").count() == 2500


def test_the_timeline_says_the_customer_was_imported(tenants, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    imp = run(import_create(acting=tenants.agent_a, uploaded_file=csv_file(PERSIAN_CSV)), tenants.agent_a)
    ali = Customer.objects.get(workspace=tenants.ws_a, phone="+989123456789")
    activity = Activity.objects.get(customer=ali, kind="import")
    assert activity.record == imp
    assert "customers.csv" in activity.summary


def test_a_million_row_xlsx_without_a_dimension_is_refused_early(tenants, settings, tmp_path):
    """A real sheet of 1,000,001 rows that does not state its size: counting stops after 200,001 rows."""
    settings.MEDIA_ROOT = tmp_path / "media"
    template = zipfile.ZipFile(io.BytesIO(xlsx_file([["Name"]]).read()))
    path = tmp_path / "million.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in template.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, template.read(item.filename))
        with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>')
            for start in range(2, 1_000_003, 10_000):
                sheet.write(
                    "".join(
                        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>a</t></is></c></row>'
                        for n in range(start, min(start + 10_000, 1_000_003))
                    ).encode()
                )
            sheet.write(b"</sheetData></worksheet>")
    assert path.stat().st_size < importing.MAX_FILE_BYTES
    with path.open("rb") as handle, pytest.raises(ValidationError) as excinfo:
        import_create(acting=tenants.agent_a, uploaded_file=File(handle, name="million.xlsx"))
    assert "more than 200,000 rows" in file_error(excinfo)
    assert not Import.objects.exists()


def test_windows_1256_after_a_long_ascii_start(tenants, settings, tmp_path):
    """The encoding is decided on the whole file, not on its first kilobytes."""
    settings.MEDIA_ROOT = tmp_path
    lines = ["name,phone"] + [f"customer {n},0912{n:07d}" for n in range(5000)] + ["كيوان,09129999999"]
    upload = csv_file("\n".join(lines), encoding="cp1256")
    assert upload.size > importing.SNIFF_BYTES
    imp = run(import_create(acting=tenants.agent_a, uploaded_file=upload), tenants.agent_a)
    assert imp.status == Import.Status.DONE, imp.errors[:3]
    assert Customer.objects.get(workspace=tenants.ws_a, phone="+989129999999").display_name == "کیوان"
