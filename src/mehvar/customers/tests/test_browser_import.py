"""Importing customers in a real browser: a CSV with bad rows shows every problem and imports nothing; the
fixed file imports, with the progress bar polled by HTMX until the task has finished."""

import re

import pytest

from mehvar.customers.models import Customer
from mehvar.ops.tests.conftest import run_waiting_tasks
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
    pytest.mark.urls("mehvar.customers.tests.import_urlconf"),
]

BAD = (
    "نام,نام خانوادگی,موبایل,ایمیل,تاریخ تولد\n"
    "علی,رضایی,۰۹۱۲ ۳۴۵ ۶۷۸۹,ali@example.com,۱۳۷۰/۰۵/۱۲\n"
    "سارا,کریمی,0912-ABC,,\n"
    "رضا,نوری,09121110001,reza@,1403/13/01\n"
    ",,,,1370/01/01\n"
    ",,,,\n"
    "مریم,احمدی,+98 912 111 0002,,\n"
)
FIXED = (
    "نام,نام خانوادگی,موبایل,ایمیل,تاریخ تولد\n"
    "علی,رضایی,۰۹۱۲ ۳۴۵ ۶۷۸۹,ali@example.com,۱۳۷۰/۰۵/۱۲\n"
    "سارا,کریمی,0912 111 0000,,\n"
    "رضا,نوری,09121110001,reza@example.com,1403/12/01\n"
    "مریم,احمدی,+98 912 111 0002,,\n"
)


def upload_and_start(page, shots, name: str, text: str, step: str) -> None:
    page.goto("/w/shop-a/customers/imports/")
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.locator("[data-testid=upload-form] button[type=submit]").click()
    page.wait_for_selector("[data-testid=mapping-form]")
    # The suggested mapping came from the Persian headers; the preview shows the first rows.
    assert page.locator("select[name=col_2]").input_value() == "phone"
    assert "۰۹۱۲ ۳۴۵ ۶۷۸۹" in page.locator("[data-testid=preview]").inner_text()
    shots(page, f"{step}-mapping")
    # Changing a column's field refreshes the preview through HTMX.
    from playwright.sync_api import expect

    page.locator("select[name=col_4]").select_option("")
    expect(page.locator("#preview")).not_to_contain_text("۱۳۷۰")
    page.locator("select[name=col_4]").select_option("birthday")
    expect(page.locator("#preview")).to_contain_text("۱۳۷۰")
    page.locator("[data-testid=start-import]").click()
    page.wait_for_selector("[data-testid=progress] progress")
    shots(page, f"{step}-progress")


def test_import_with_bad_rows_then_the_fixed_file(page, shots, browser_tenants):
    sign_in(page, browser_tenants.agent_a.user.email)

    upload_and_start(page, shots, "customers.csv", BAD, "1-bad")
    assert run_waiting_tasks() == 1
    page.wait_for_selector("[data-testid=errors]", timeout=15_000)  # the poll saw the end and reloaded
    rows = page.locator("[data-testid=error-row]")
    assert rows.count() == 4  # every problem of every bad row: two in row 4; the blank row 6 is skipped
    text = page.locator("[data-testid=errors]").inner_text()
    for row in ("۳", "۴", "۵"):
        assert re.search(rf"(^|\s){row}(\s|$)", text)
    assert page.locator("[data-testid=import-status]").get_attribute("data-status") == "invalid"
    with page.expect_download() as download:
        page.locator("[data-testid=error-report]").click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    assert len(report.strip().splitlines()) == 1 + 4
    assert not Customer.objects.filter(workspace=browser_tenants.ws_a).exists()
    shots(page, "2-errors")

    upload_and_start(page, shots, "customers-fixed.csv", FIXED, "3-fixed")
    assert run_waiting_tasks() == 1
    page.wait_for_selector("[data-testid=result]", timeout=15_000)
    assert page.locator("[data-testid=created-count]").inner_text() == "۴"
    assert page.locator("[data-testid=import-status]").get_attribute("data-status") == "done"
    assert Customer.objects.filter(workspace=browser_tenants.ws_a).count() == 4
    shots(page, "4-done")

    # The upload page lists both imports, to come back to.
    page.goto("/w/shop-a/customers/imports/")
    assert page.locator("[data-testid=recent-imports] tbody tr").count() == 2
    shots(page, "5-recent")
