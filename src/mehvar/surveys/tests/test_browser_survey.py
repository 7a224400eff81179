"""A customer answers an NPS survey from the SMS link on a phone, right to left, with a detractor score; the
follow-up question appears as they tap; then the agent sees the recovery task and closes it. Each page is
saved as a screenshot (test-artifacts/screenshots/)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from mehvar.channels.models import OutboxMessage
from mehvar.conversations import services as conversation_services
from mehvar.conversations.tests.inbox_helpers import receive, sms_channel
from mehvar.core.jalali import TEHRAN
from mehvar.surveys.models import Invitation, RecoveryTask, Response
from mehvar.surveys.tests.support import nps_survey
from mehvar.web.tests.browser_fixtures import CHROMIUM_ARGS, chromium_missing, sign_in  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]
PHONE = {"width": 390, "height": 844}


def _midday() -> dt.datetime:
    """Today at 11:00 in Tehran: outside quiet hours whenever the test runs."""
    today = timezone.now().astimezone(TEHRAN).date()
    return dt.datetime.combine(today, dt.time(11, 0), tzinfo=TEHRAN)


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
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def test_a_detractor_answers_on_a_phone_and_the_agent_sees_the_recovery_task(
    phone, page, shots, browser_tenants, live_server, settings
):
    from playwright.sync_api import expect

    tenants = browser_tenants
    settings.SITE_URL = live_server.url
    channel = sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a)
    conversation = receive(
        channel, "سلام، سفارشم شکسته رسید.", phone="09121234567", name="علی رضایی"
    ).conversation
    conversation_services.conversation_assign(
        conversation=conversation, assignee=tenants.agent_a, acting=tenants.agent_a
    )
    conversation_services.message_send(
        conversation=conversation, acting=tenants.agent_a, text="پوزش، پیگیری می‌کنیم."
    )
    conversation_services.conversation_status_set(
        conversation=conversation, status="resolved", acting=tenants.agent_a, now=_midday()
    )

    # The SMS the customer got carries the survey's link.
    invitation = Invitation.objects.get(survey=survey)
    sms = OutboxMessage.objects.get(idempotency_key=f"survey:{invitation.pk}:invite")
    link = re.search(r"https?://\S+", sms.payload["text"]).group(0)
    assert link.startswith(live_server.url)

    phone.goto(link)
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert phone.locator("html").get_attribute("lang") == "fa"
    options = phone.locator("[data-testid=scale] .survey-scale-option")
    expect(options).to_have_count(11)
    zero, ten = options.nth(0).bounding_box(), options.nth(10).bounding_box()
    assert zero["x"] > ten["x"], "in Persian the scale starts on the right"
    assert ten["x"] >= 0 and zero["x"] + zero["width"] <= PHONE["width"], "the whole scale fits the phone"
    assert zero["height"] >= 40, "the scale's buttons are big enough to tap"
    expect(options.nth(0)).to_have_text("۰")
    shots(phone, "phone-survey")

    # A detractor's score: the follow-up "what went wrong?" appears without a reload (HTMX).
    follow_up = phone.get_by_text("چه چیزی شما را ناراضی کرد؟")
    expect(follow_up).to_have_count(0)
    options.nth(3).tap()
    expect(follow_up).to_be_visible()
    expect(phone.get_by_text("چه چیزی را بیشتر پسندیدید؟")).to_have_count(0)
    phone.locator("textarea").fill("بسته شکسته رسید و کسی جواب تلفن را نداد.")
    shots(phone, "phone-follow-up")
    phone.locator("[data-testid=survey-submit]").tap()
    expect(phone.locator("[data-testid=survey-thanks]")).to_be_visible()
    shots(phone, "phone-thanks")

    response = Response.objects.get(invitation=invitation)
    assert response.score == 3 and response.submitted_at is not None
    task = RecoveryTask.objects.get(response=response)
    assert task.owner_id == tenants.agent_a.pk

    # Opening the link again shows the thanks, nothing is stored twice.
    phone.goto(link)
    expect(phone.locator("[data-testid=thanks-again]")).to_be_visible()
    assert Response.objects.filter(invitation=invitation).count() == 1

    # The agent: the recovery task is in their list, from the navigation.
    sign_in(page, tenants.agent_a.user.email)
    page.goto("/w/shop-a/")
    page.locator("[data-nav='surveys:recovery']").click()
    card = page.locator("[data-testid=recovery-task]")
    expect(card).to_have_count(1)
    expect(card.locator("[data-testid=recovery-reason]")).to_contain_text("۳")
    expect(card).to_contain_text("بسته شکسته رسید")
    expect(card).to_contain_text("علی")
    shots(page, "agent-recovery")
    card.locator("textarea[name$=resolution]").fill("تماس گرفتم، کالا تعویض شد و هزینهٔ ارسال برگشت.")
    card.locator("[data-testid=recovery-close]").click()
    expect(page.locator("[data-testid=recovery-task][data-status=done]")).to_be_visible()
    shots(page, "agent-recovery-closed")
    task.refresh_from_db()
    assert task.status == "done" and task.resurvey_id is not None
