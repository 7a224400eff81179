"""An agent opens the feedback page in Persian, right to left, corrects the sentiment of an imported review
with HTMX, and tries a text. Each step is saved as a screenshot (test-artifacts/screenshots/)."""

import pytest

from mehvar.feedback.models import FeedbackCorrection, Review
from mehvar.feedback.reviews import reviews_import
from mehvar.surveys.models import Answer
from mehvar.surveys.tests.support import nps_survey, respond, tehran
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]

REVIEW = "جعبه‌اش کمی له شده بود ولی خود گوشی سالم و عالی بود، از فروشنده ممنونم"


def test_an_agent_corrects_a_sentiment_on_the_page(page, shots, browser_tenants):
    from playwright.sync_api import expect

    tenants = browser_tenants
    survey = nps_survey(tenants.owner_a)
    respond(
        survey,
        2,
        tehran(hour=9),
        text="پیک خیلی دیر آورد و غذا سرد بود",
        sentiment="negative",
        sentiment_score=-0.9,
        topics=["delivery"],
    )
    result = reviews_import(
        acting=tenants.owner_a,
        items=[
            {
                "source": "digikala",
                "external_id": "dk-88123456",
                "text": REVIEW,
                "rating": "۴",
                "written_at": "۱۴۰۳/۰۹/۰۱ ۱۱:۰۰",
                "identities": [{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}],
            }
        ],
    )
    review = Review.objects.get(pk=result.items[0].review_id)
    wanted = "neutral" if review.sentiment != "neutral" else "positive"
    assert Answer.objects.filter(workspace=tenants.ws_a).exclude(text="").exists()

    sign_in(page, tenants.agent_a.user.email)
    page.goto("/w/shop-a/feedback/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.locator("[data-testid=model-state]")).to_have_attribute("data-model", "base")
    expect(page.locator("[data-testid=feedback-item]")).to_have_count(2)
    expect(page.locator("[data-nav='feedback:page']")).to_have_attribute("aria-current", "page")
    shots(page, "1-page")

    card = page.locator(f"#feedback-review-{review.pk}")
    card.locator("[data-testid=correct-open]").click()
    card.locator(f"select[name='review-{review.pk}-sentiment']").select_option(wanted)
    shots(page, "2-correcting")
    card.locator("[data-testid=correct-save]").click()
    saved = page.locator(f"#feedback-review-{review.pk} [data-testid=correction-saved]")
    expect(saved).to_be_visible()
    expect(page.locator(f"#feedback-review-{review.pk} [data-testid=feedback-corrected]")).to_be_visible()
    shots(page, "3-saved")

    correction = FeedbackCorrection.objects.get()
    assert (correction.sentiment, correction.text, correction.corrected_by_id) == (
        wanted,
        REVIEW,
        tenants.agent_a.pk,
    )
    assert correction.topics is None and correction.urgency == "" and correction.abusive is None

    page.locator("[data-testid=try-form] textarea").fill("سه روزه پولم برنگشته، جواب هم نمیدید!")
    page.locator("[data-testid=try-submit]").click()
    expect(page.locator("[data-testid=try-result]")).to_be_visible()
    expect(page.locator("[data-testid=try-result] [data-testid=label-sentiment]")).to_have_attribute(
        "data-value", "negative"
    )
    shots(page, "4-tried")
