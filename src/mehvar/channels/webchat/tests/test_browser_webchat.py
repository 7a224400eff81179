"""The widget in a real browser: embedded on the sample site, a visitor leaves a Persian mobile number and
writes in Persian, an agent's reply appears without a reload, and the conversation is there again after one.
Screenshots: test-artifacts/screenshots/test_widget_*.png."""

import re
import time

import pytest

from mehvar.channels.models import Channel
from mehvar.channels.outbox import outbox_send
from mehvar.channels.webchat.visitors import public_id
from mehvar.conversations import services
from mehvar.conversations.models import Message
from mehvar.customers.services import customer_create
from mehvar.web.tests.browser_fixtures import chromium_missing

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


def _wait_for(query, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = query()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("waited in vain")


def test_widget_chat_with_contact_reply_and_history(page, shots, browser_tenants):
    from playwright.sync_api import expect

    tenants = browser_tenants
    known = customer_create(acting=tenants.owner_a, first_name="سارا", last_name="محمدی", phone="09123456789")
    chat = Channel.objects.create(
        workspace=tenants.ws_a,
        kind="webchat",
        name="چت سایت",
        config={"title": "پشتیبانی فروشگاه الف", "welcome_text": "سلام! چطور می‌توانیم کمکتان کنیم؟"},
    )
    page.goto(f"/chat/{public_id(chat)}/preview/")
    bubble = page.locator("[data-testid=chat-bubble]")
    expect(bubble).to_be_visible()
    assert bubble.get_attribute("aria-expanded") == "false"
    shots(page, "site")

    bubble.click()
    panel = page.locator("[data-testid=chat-panel]")
    expect(panel).to_be_visible()
    assert bubble.get_attribute("aria-expanded") == "true"
    assert page.locator(".mc-root").get_attribute("dir") == "rtl"
    expect(page.locator("[data-testid=chat-welcome]")).to_contain_text("چطور می‌توانیم")
    contact = page.locator("[data-testid=chat-contact]")
    expect(contact).to_be_visible()
    contact.locator("input[name=name]").fill("سارا")
    contact.locator("input[name=phone]").fill("۰۹۱۲ ۳۴۵ ۶۷۸۹")  # Persian digits, spaces
    shots(page, "contact")
    contact.locator("button[type=submit]").click()

    text = page.locator("[data-testid=chat-text]")
    expect(text).to_be_focused()
    text.fill("سلام، سفارش ۴۵۲۱ من هنوز نرسیده است.")
    text.press("Enter")
    expect(page.locator("[data-testid=chat-mine]")).to_have_count(1)
    expect(page.locator("[data-testid=chat-mine]")).not_to_have_class(re.compile(r"\bmc-pending\b"))

    message = _wait_for(lambda: Message.objects.filter(channel=chat).select_related("conversation").first())
    conversation = message.conversation
    assert conversation.customer_id == known.pk  # matched by the Persian-digit mobile number
    assert message.text == "سلام، سفارش ۴۵۲۱ من هنوز نرسیده است."

    reply = services.message_send(
        conversation=conversation, acting=tenants.agent_a, text="سلام سارا جان؛ سفارش شما امروز ارسال می‌شود."
    )
    assert outbox_send(outbox_id=reply.outbox_id) == "sent"
    answer = page.locator("[data-testid=chat-reply]")
    expect(answer).to_contain_text("امروز ارسال می‌شود", timeout=10_000)
    shots(page, "reply")

    page.reload()
    page.locator("[data-testid=chat-bubble]").click()
    expect(page.locator("[data-testid=chat-mine]")).to_contain_text("سفارش ۴۵۲۱")
    expect(page.locator("[data-testid=chat-reply]")).to_contain_text("امروز ارسال می‌شود")
    expect(page.locator("[data-testid=chat-contact]")).to_be_hidden()  # known now: not asked again
    expect(page.locator("[data-testid=chat-text]")).to_be_visible()
    shots(page, "history")

    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=chat-panel]")).to_be_hidden()
    expect(page.locator("[data-testid=chat-bubble]")).to_be_focused()


def test_widget_in_english_is_left_to_right(page, shots, browser_tenants):
    from playwright.sync_api import expect

    chat = Channel.objects.create(workspace=browser_tenants.ws_a, kind="webchat", name="Chat", config={})
    page.goto(f"/chat/{public_id(chat)}/preview/?lang=en")
    page.locator("[data-testid=chat-bubble]").click()
    expect(page.locator("[data-testid=chat-panel]")).to_be_visible()
    assert page.locator(".mc-root").get_attribute("dir") == "ltr"
    expect(page.locator("[data-testid=chat-welcome]")).to_contain_text("Hello")
    page.locator("[data-testid=chat-contact] button[type=button]").click()  # skip the contact details
    page.locator("[data-testid=chat-text]").fill("Hi, do you ship to Mashhad?")
    page.locator("[data-testid=chat-send]").click()
    expect(page.locator("[data-testid=chat-mine]")).not_to_have_class(re.compile(r"\bmc-pending\b"))
    shots(page, "english")
