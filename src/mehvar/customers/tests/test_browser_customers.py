"""The customer pages in a real browser: instant search with Arabic letters and Persian digits, the 360 page
with a note added in place, and a merge from the review queue undone from the survivor's page. Each page is
saved as a screenshot (test-artifacts/screenshots/) to look at: right to left, Persian, Jalali dates."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from mehvar.customers import services
from mehvar.customers.models import Customer, DuplicateSuggestion
from mehvar.customers.timeline import activity_record
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


def _customers(tenants):
    owner = tenants.owner_a
    ali = services.customer_create(
        acting=owner,
        first_name="علی",
        last_name="رضایی",
        phone="09121234567",
        city="اصفهان",
        birthday="1370/05/12",
        lifecycle="loyal",
        tags=["مشتری ویژه"],
        contact_policy="فقط بعدازظهرها تماس بگیرید.",
        owner_id=tenants.agent_a.pk,
    )
    maryam = services.customer_create(
        acting=owner, first_name="مریم", last_name="کاظمی", phone="09351112233", city="تهران"
    )
    twin = services.customer_create(
        acting=owner, first_name="علي", last_name="رضائي", email="ali.rezaei@example.com", city="کاشان"
    )
    services.note_add(acting=owner, customer=ali, text="سفارش قبلی دیر رسید؛ با حوصله پیگیری شود.")
    services.call_log(
        acting=owner, customer=ali, direction="inbound", outcome="answered", duration_seconds=185
    )
    services.consent_record(acting=owner, customer=ali, channel="sms", granted=True, source="فرم سایت")
    return ali, maryam, twin


def test_search_360_note_merge_and_undo(page, shots, browser_tenants):
    from playwright.sync_api import expect

    tenants = browser_tenants
    ali, maryam, twin = _customers(tenants)
    suggestion = DuplicateSuggestion.objects.create(
        workspace=tenants.ws_a,
        customer_a=ali,
        customer_b=twin,
        score=0.65,
        evidence=[
            {"signal": "name", "a": "علی رضایی", "b": "علي رضائي", "weight": 0.35},
            {"signal": "city differs", "a": "اصفهان", "b": "کاشان", "weight": -0.3},
        ],
    )
    sign_in(page, tenants.agent_a.user.email)
    page.goto("/w/shop-a/customers/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    rows = page.locator("[data-testid=customer-row]")
    assert rows.count() == 3
    shots(page, "list")

    # Arabic letters (ي, ئ) find the Persian spelling, as the person types (HTMX, no reload).
    search = page.locator("[data-testid=customer-search]")
    search.press_sequentially("رضائي", delay=30)
    expect(page.locator("[data-testid=customer-row]")).to_have_count(2)
    assert "مریم" not in page.locator("[data-testid=customer-results]").inner_text()
    # Persian digits find a phone stored as +98…
    search.fill("")
    search.press_sequentially("۰۹۳۵۱۱۱", delay=30)
    expect(page.locator("[data-testid=customer-row]")).to_have_count(1)
    assert "کاظمی" in page.locator("[data-testid=customer-results]").inner_text()
    assert "q=" in page.url  # the search is in the address, so it can be shared or saved
    shots(page, "search-persian-digits")

    # The 360 page.
    search.fill("")
    search.press_sequentially("علی", delay=30)
    expect(page.locator("[data-testid=customer-row]")).to_have_count(2)
    page.get_by_role("link", name="علی رضایی").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=customer-name]").inner_text() == "علی رضایی"
    assert "۰۹۱۲ ۱۲۳ ۴۵۶۷" in page.locator("[data-testid=contacts]").inner_text()
    assert "فقط بعدازظهرها" in page.locator("[data-testid=contact-policy]").inner_text()
    assert re.search("مرداد ۱۳۷۰", page.locator("[data-testid=profile]").inner_text())
    assert page.locator("[data-testid=timeline-item]").count() == 2
    shots(page, "360")

    # A note appears on the timeline without a reload.
    page.evaluate("window.__marker = 'same page'")
    page.locator("[data-testid=note-form] textarea").fill("مشتری تماس گرفت و از پیگیری تشکر کرد.")
    page.locator("[data-testid=note-form] button[type=submit]").click()
    expect(page.locator("[data-testid=timeline-item]")).to_have_count(3)
    assert page.evaluate("window.__marker") == "same page"
    assert "از پیگیری تشکر کرد" in page.locator("[data-testid=timeline-item]").first.inner_text()
    assert page.locator("[data-testid=note-form] textarea").input_value() == ""
    shots(page, "360-note-added")

    # The review queue: evidence side by side, a choice per conflict, merge.
    page.goto("/w/shop-a/customers/duplicates/")
    card = page.locator("[data-testid=suggestion]")
    assert card.count() == 1
    assert "کاشان" in card.inner_text()
    shots(page, "duplicates")
    card.locator(f"input[name='s{suggestion.pk}-city'][value=b]").check()
    card.locator("[data-testid=merge]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/customers/{ali.pk}/")
    assert Customer.objects.get(pk=twin.pk).merged_into_id == ali.pk
    assert "کاشان" in page.locator("[data-testid=profile]").inner_text()
    assert "ali.rezaei@example.com" in page.locator("[data-testid=contacts]").inner_text()
    shots(page, "merged")

    # Undo from the survivor's page.
    page.locator("[data-testid=undo-merge] button").click()
    page.wait_for_load_state()
    assert Customer.objects.get(pk=twin.pk).merged_into_id is None
    assert "اصفهان" in page.locator("[data-testid=profile]").inner_text()
    assert "ali.rezaei@example.com" not in page.locator("[data-testid=contacts]").inner_text()
    shots(page, "merge-undone")

    # The timeline's older pages load in place.
    now = timezone.now()
    for n in range(25):
        activity_record(
            workspace=tenants.ws_a,
            customer=maryam,
            kind="order",
            occurred_at=now - dt.timedelta(days=n),
            summary=f"سفارش شماره {n + 1}",
        )
    page.goto(f"/w/shop-a/customers/{maryam.pk}/")
    expect(page.locator("[data-testid=timeline-item]")).to_have_count(20)
    page.locator("[data-testid=timeline-older]").click()
    expect(page.locator("[data-testid=timeline-item]")).to_have_count(25)
    expect(page.locator("[data-testid=timeline-older]")).to_have_count(0)
    shots(page, "timeline-older")
