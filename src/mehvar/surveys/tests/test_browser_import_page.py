"""Importing historic responses in a real browser, right to left in Persian: from the survey's page to the
import page, a CSV with a bad row lists the problem by row and column and stores nothing; the fixed file is
imported. Screenshots in test-artifacts/screenshots/."""

import pytest

from mehvar.surveys.models import Response
from mehvar.surveys.tests.support import nps_survey
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

HEADER = "external_id,answered_at,phone,email,customer_id,channel,language,q1,q2,q3\n"
BAD = (
    HEADER + "crm-1,۱۴۰۳/۰۷/۱۵ ۱۰:۳۰,۰۹۱۲ ۳۴۵ ۶۷۸۹,,,sms,fa,۳,پیک دیر رسید,\n"
    "crm-2,۱۴۰۳/۰۷/۱۶,09121110000,,,sms,,۱۲,,\n"  # row 3: NPS goes to 10
    "crm-3,2024-10-08 12:00,,sara@example.com,,email,,10,,همه چیز عالی بود\n"
)
FIXED = BAD.replace(",۱۲,", ",۹,")


def upload(page, name: str, text: str) -> None:
    page.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.locator("[data-testid=upload-submit]").click()
    page.wait_for_load_state()


def test_a_bad_row_is_listed_then_the_fixed_file_is_imported(page, shots, browser_tenants):
    from playwright.sync_api import expect

    tenants = browser_tenants
    survey = nps_survey(tenants.owner_a, trigger="manual")
    sign_in(page, tenants.owner_a.user.email)

    page.goto(f"/w/shop-a/surveys/{survey.pk}/")
    page.locator("[data-testid=import-link]").click()
    expect(page.locator("[data-testid=column-guide]")).to_contain_text("q1")
    assert page.locator("html").get_attribute("dir") == "rtl"

    upload(page, "old-answers.csv", BAD)
    problems = page.locator("[data-testid=problem-row]")
    expect(problems).to_have_count(1)
    assert problems.first.get_attribute("data-row") == "3"
    assert problems.first.get_attribute("data-column") == "q1"
    expect(problems.first).to_contain_text("۳")  # the row, in Persian digits
    expect(page.locator("[data-testid=upload-problems]")).to_be_visible()
    assert not Response.objects.filter(survey=survey).exists()
    # The page answered 422, which Chromium logs; nothing else may have gone wrong.
    assert [e for e in page.console_errors if "422" not in e] == []
    page.console_errors.clear()
    shots(page, "1-problems")

    upload(page, "old-answers.csv", FIXED)
    expect(page.locator("[data-testid=created-count]")).to_have_text("۳")
    assert Response.objects.filter(survey=survey).count() == 3
    shots(page, "2-imported")
