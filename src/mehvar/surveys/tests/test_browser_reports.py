"""A CX leader reads the survey reports in Persian: NPS by Jalali month with its chart drawn right to left,
narrows them to one channel, drills down from a month to the detractors behind it, reads the drivers and the
comments feed. Each page is saved as a screenshot (test-artifacts/screenshots/)."""

import datetime as dt

import pytest
from django.utils import timezone

from mehvar.conversations.models import Team
from mehvar.core.jalali import TEHRAN
from mehvar.surveys import authoring
from mehvar.surveys.reports.rollups import workspace_rollup
from mehvar.surveys.tests.support import customer, email_channel, nps_survey, respond, sms_channel
from mehvar.web.tests.browser_fixtures import CHROMIUM_ARGS, chromium_missing, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]
COMMENTS = [
    ("پیک دیر رسید و غذا سرد بود", "negative", ["delivery"]),
    ("قیمت‌ها نسبت به کیفیت زیاد است", "negative", ["price_value"]),
    ("پشتیبانی سریع جواب داد، ممنون", "positive", ["support"]),
]


def _months_ago(months: int) -> dt.datetime:
    now = timezone.now().astimezone(TEHRAN).replace(hour=11, minute=0, second=0, microsecond=0)
    return now - dt.timedelta(days=30 * months)


@pytest.fixture
def answered(browser_tenants):
    tenants = browser_tenants
    sms_channel(tenants.ws_a)
    email_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    authoring.survey_create(acting=tenants.owner_a, kind="csat", title_fa="رضایت از پاسخ", trigger="manual")
    team = Team.objects.create(workspace=tenants.ws_a, name="پشتیبانی")
    person = customer(tenants.owner_a, first_name="سارا")
    for months in range(5, -1, -1):
        at = _months_ago(months)
        scores = [10, 9, 9, 8, 7, 3] if months % 2 else [10, 9, 6, 5, 2, 8]
        for n, score in enumerate(scores):
            said = (n < 3 and score <= 6) or n == 0
            text, sentiment, topics = COMMENTS[n % 3] if said else ("", "", [])
            respond(
                survey, score, at + dt.timedelta(hours=n), agent=tenants.agent_a, team=team, person=person,
                channel="sms" if n % 2 else "email", text=text, sentiment=sentiment, topics=topics,
            )  # fmt: skip
    workspace_rollup(workspace_id=tenants.ws_a.pk)
    return tenants


def test_a_cx_leader_reads_the_nps_report_and_drills_down(page, shots, answered):
    from playwright.sync_api import expect

    sign_in(page, answered.owner_a.user.email)
    page.goto("/w/shop-a/")
    page.get_by_role("link", name="گزارش نظرسنجی‌ها").first.click()
    expect(page.get_by_test_id("report-headline")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    chart = page.get_by_test_id("report-chart").locator("svg")
    expect(chart).to_be_visible()
    points = chart.locator("circle.chart-point")
    assert points.count() >= 5
    first, last = points.first.bounding_box(), points.last.bounding_box()
    assert first["x"] > last["x"]  # the oldest month on the right
    shots(page, "reports-nps")

    page.get_by_label("بخش").select_option(label="پیامک")
    page.get_by_role("button", name="نمایش").click()
    expect(page.get_by_test_id("report-headline")).to_be_visible()
    assert "segment=channel%3Asms" in page.url
    shots(page, "reports-nps-sms")

    page.get_by_test_id("group-detractor").click()
    rows = page.get_by_test_id("response-row")
    expect(rows.first).to_be_visible()
    scores = [int(text.strip().translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")))
              for text in rows.locator("td.numeric").all_inner_texts()]  # fmt: skip
    assert scores and all(score <= 6 for score in scores)
    shots(page, "reports-drill-down")

    page.goto("/w/shop-a/surveys/reports/drivers/")
    expect(page.get_by_test_id("driver-row").first).to_be_visible()
    shots(page, "reports-drivers")

    page.get_by_role("link", name="نظرها").click()
    expect(page.get_by_test_id("comment").first).to_be_visible()
    shots(page, "reports-comments")
