"""The agent opens a customer's 360 page: the Feedback panel shows the latest NPS and CSAT, the comments
(escaped) and the open recovery task; "All their survey responses" filters the timeline in place (HTMX).
Screenshot: test-artifacts/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone

from mehvar.core.jalali import TEHRAN
from mehvar.surveys import authoring
from mehvar.surveys.imports import responses_import
from mehvar.surveys.responses import response_submit
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, sms_channel
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


def _midday() -> dt.datetime:
    today = timezone.now().astimezone(TEHRAN).date()
    return dt.datetime.combine(today, dt.time(11, 0), tzinfo=TEHRAN)


def test_the_agent_sees_the_feedback_panel(page, shots, browser_tenants):
    from playwright.sync_api import expect

    tenants = browser_tenants
    sms_channel(tenants.ws_a)
    authoring.survey_settings_update(acting=tenants.owner_a, throttle_days=0)
    person = customer(tenants.owner_a, first_name="سارا", last_name="نوری", owner_id=tenants.agent_a.pk)
    nps = nps_survey(tenants.owner_a, trigger="manual")
    csat = authoring.survey_create(acting=tenants.owner_a, kind="csat", title_fa="رضایت از پشتیبانی")
    nps_q, csat_q = questions(nps), questions(csat)
    responses_import(
        acting=tenants.owner_a,
        survey=csat,
        items=[
            {
                "external_id": "crm-77",
                "answered_at": "۱۴۰۳/۰۷/۱۵ ۱۰:۳۰",
                "customer_id": person.pk,
                "answers": [
                    {"question": csat_q[0].pk, "value": "۵"},
                    {"question": csat_q[1].pk, "text": "عالی بود، پشتیبانی خوب و سریع"},
                ],
            }
        ],
    )
    invitation = invite(nps, person, now=_midday())
    shown = [q.pk for q in nps_q]
    response_submit(
        invitation=invitation,
        data={shown[0]: "2", shown[1]: "<b>بسته</b> شکسته رسید و کسی جواب نداد"},
        shown=shown,
        now=_midday(),
    )

    sign_in(page, tenants.agent_a.user.email)
    page.goto(f"/w/shop-a/customers/{person.pk}/")
    panel = page.locator("[data-testid=feedback-panel]")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-kind=nps]")).to_contain_text("۲")
    expect(panel.locator("[data-kind=csat]")).to_contain_text("۵")
    expect(panel.locator("[data-kind=csat]")).to_contain_text("۱۴۰۳/۰۷/۱۵")
    expect(panel.locator("[data-testid=feedback-comment]").first).to_contain_text("<b>بسته</b>")
    expect(panel.locator("[data-testid=feedback-task]")).to_have_count(1)
    expect(page.locator("[data-testid=key-numbers]")).to_contain_text("۲")
    shots(page, "customer-360-feedback")

    panel.locator("[data-testid=feedback-responses-link]").click()
    items = page.locator("#timeline [data-testid=timeline-item]")
    expect(items).to_have_count(2)
    for kind in items.evaluate_all("nodes => nodes.map(n => n.dataset.kind)"):
        assert kind == "survey_response"
    assert page.url.endswith(f"/customers/{person.pk}/"), "filtered in place, no reload"
