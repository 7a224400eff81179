"""An eNPS pulse in the browser: the owner sends a round from the results page (HTMX), a member answers from
the e-mailed link on a phone, right to left, with the follow-up appearing as they tap; the owner sees the
results hidden with two answers, hidden while the round is open, shown once it is closed with the minimum
group reached. Screenshots in
test-artifacts/screenshots/."""

import re

import pytest
from django.core import mail

from mehvar.surveys import authoring, pulses
from mehvar.surveys.models import PulseInvitation, Response
from mehvar.surveys.tests.support import questions
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="fa-IR",
        timezone_id="Asia/Tehran",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def test_a_member_answers_on_a_phone_and_the_owner_sees_results_once_enough_answered(
    page, phone, shots, browser_tenants, live_server, settings
):
    from playwright.sync_api import expect

    tenants = browser_tenants
    settings.SITE_URL = live_server.url
    survey = authoring.survey_create(
        acting=tenants.owner_a, kind="enps", title_fa="حال‌وهوای کار", trigger="manual"
    )

    # The owner sends the first round from the results page; the section updates in place.
    sign_in(page, tenants.owner_a.user.email)
    page.goto(f"/w/shop-a/surveys/{survey.pk}/pulse/")
    expect(page.locator("[data-testid=pulse-empty]")).to_be_visible()
    page.locator("[data-testid=pulse-send-button]").click()
    expect(page.locator("[data-testid=pulse-sent]")).to_be_visible()
    assert PulseInvitation.objects.filter(survey=survey, round=1).count() == 6
    shots(page, "owner-sent")

    # The agent's e-mail carries their own link.
    message = next(m for m in mail.outbox if m.to == [tenants.agent_a.user.email])
    link = re.search(r"https?://\S+", message.body).group(0)
    assert link.startswith(f"{live_server.url}/s/p/")

    phone.goto(link)
    assert phone.locator("html").get_attribute("dir") == "rtl"
    expect(phone.locator("[data-testid=pulse-anonymous]")).to_contain_text("۵")
    options = phone.locator("[data-testid=scale] .survey-scale-option")
    expect(options).to_have_count(11)
    zero, ten = options.nth(0).bounding_box(), options.nth(10).bounding_box()
    assert zero["x"] > ten["x"], "in Persian the scale starts on the right"
    assert ten["x"] >= 0 and zero["x"] + zero["width"] <= PHONE["width"], "the whole scale fits the phone"
    expect(options.nth(0)).to_have_text("۰")
    shots(phone, "member-pulse")

    # A low score: "what went wrong?" appears without a reload (HTMX, from the pulse's own route).
    main, low, _high = questions(survey)
    expect(phone.locator(f"textarea[name=q{low.pk}]")).to_have_count(0)
    options.nth(4).tap()
    expect(phone.locator(f"textarea[name=q{low.pk}]")).to_be_visible()
    phone.locator(f"textarea[name=q{low.pk}]").fill("جلسه‌ها زیاد است و وقت کار کم.")
    shots(phone, "member-follow-up")
    phone.locator("[data-testid=survey-submit]").tap()
    expect(phone.locator("[data-testid=survey-thanks]")).to_be_visible()
    shots(phone, "member-thanks")
    response = Response.objects.get(survey=survey)
    assert response.score == 4 and response.invitation_id is None and response.agent_id is None

    # The link is used now: a 410 page that says so (the browser logs the status; nothing else).
    assert phone.goto(link).status == 410
    expect(phone.locator("[data-testid=survey-problem][data-kind=used]")).to_be_visible()
    shots(phone, "member-used")
    assert [e for e in phone.console_errors if "410" not in e] == []
    phone.console_errors.clear()

    # A second member answers: two answers, nothing shown yet.
    unanswered = [pulses.pulse_key(p) for p in PulseInvitation.objects.filter(answered_at__isnull=True)]
    pulses.pulse_answer(key=unanswered[0], answers={main.pk: "۱۰"})
    page.goto(f"/w/shop-a/surveys/{survey.pk}/pulse/")
    expect(page.locator("[data-testid=pulse-overall-hidden]")).to_be_visible()
    expect(page.locator("[data-testid=pulse-answered]")).to_have_text("۲")
    expect(page.locator("[data-testid=pulse-enps]")).to_have_text("—")
    expect(page.locator("[data-testid=pulse-comment]")).to_have_count(0)
    shots(page, "owner-two-answers")

    # Three more: five answers, the minimum; nothing shows while the round is open. The owner closes it
    # (confirming the dialog) and the figures and the comment show.
    for key in unanswered[1:4]:
        pulses.pulse_answer(key=key, answers={main.pk: "9"})
    page.reload()
    expect(page.locator("[data-testid=pulse-overall][data-hidden=open]")).to_be_visible()
    expect(page.locator("[data-testid=pulse-answered]")).to_have_text("۵")
    expect(page.locator("[data-testid=pulse-comment]")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-testid=pulse-close-button]").click()
    expect(page.locator("[data-testid=pulse-closed]")).to_be_visible()
    expect(page.locator("[data-testid=pulse-overall][data-hidden='']")).to_be_visible()
    # 4 promoters (10, 9, 9, 9), 1 detractor (4) of 5: (4 − 1) / 5 = 60.
    expect(page.locator("[data-testid=pulse-enps]")).to_have_text("۶۰")
    expect(page.locator("[data-testid=pulse-comment]")).to_have_text("جلسه‌ها زیاد است و وقت کار کم.")
    shots(page, "owner-five-answers")
