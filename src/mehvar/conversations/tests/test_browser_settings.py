"""The inbox settings in a real browser (Debian's Chromium): from the inbox header an owner connects an SMS
channel (a bad sender line first: the error shows beside it; then a good one), adds an SLA policy and an
automation rule. Screenshots under test-artifacts/screenshots/ show the pages right to left."""

import pytest

from mehvar.channels.models import Channel
from mehvar.conversations.models import AutomationRule, SlaPolicy
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


def test_connect_sms_add_sla_policy_and_rule(page, shots, browser_tenants):
    from playwright.sync_api import expect

    tenants = browser_tenants
    sign_in(page, tenants.owner_a.user.email)
    page.goto("/w/shop-a/inbox/")
    page.locator("[data-testid=settings-link]").click()
    expect(page.locator("[data-testid=settings-links]")).to_be_visible()
    shots(page, "home")

    page.locator("[data-testid=settings-links] a[href$='/channels/']").click()
    page.locator("[data-testid=channel-add]").click()
    page.locator("[data-kind=sms]").click()
    form = page.locator("[data-testid=channel-form]")
    form.locator("input[name=name]").fill("پیامک پشتیبانی")
    form.locator("input[name=base_url]").fill("https://api.kavenegar.example")
    form.locator("input[name=api_key]").fill("secret-api-key-42")
    form.locator("input[name=sender]").fill("خط ما")
    page.locator("[data-testid=channel-save]").click()
    error = page.locator("[data-testid=error-sender]")
    expect(error).to_be_visible()
    assert page.locator("input[name=api_key]").input_value() == ""  # the key is never sent back
    shots(page, "sms-bad-sender")
    form = page.locator("[data-testid=channel-form]")
    form.locator("input[name=sender]").fill("۱۰۰۰۵۵۵")
    form.locator("input[name=api_key]").fill("secret-api-key-42")
    page.locator("[data-testid=channel-save]").click()
    expect(page.locator("[data-testid=channel-hook]")).to_be_visible()
    channel = Channel.objects.get(workspace=tenants.ws_a, kind="sms")
    assert channel.config["sender"] == "1000555" and channel.config["api_key"] == "secret-api-key-42"
    assert "secret-api-key-42" not in page.content()
    shots(page, "sms-connected")

    page.goto("/w/shop-a/inbox/settings/sla/")
    page.locator("[data-testid=sla-add]").click()
    form = page.locator("[data-testid=sla-form]")
    form.locator("input[name=name]").fill("مشتریان ویژه")
    form.locator("select[name=priority]").select_option("high")
    form.locator("input[name=first_response_minutes]").fill("۳۰")
    form.locator("input[name=resolution_minutes]").fill("۴۸۰")
    form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=sla-row]")).to_have_count(1)
    assert SlaPolicy.objects.get(workspace=tenants.ws_a).first_response_minutes == 30
    shots(page, "sla-list")

    page.goto("/w/shop-a/inbox/settings/rules/")
    page.locator("[data-testid=rule-add]").click()
    form = page.locator("[data-testid=rule-form]")
    form.locator("input[name=name]").fill("برچسب مرجوعی")
    form.locator("select[name=c0_field]").select_option("text")
    form.locator("select[name=c0_op]").select_option("contains")
    form.locator("input[name=c0_value]").fill("مرجوع، پس بدم")
    form.locator("select[name=a0_type]").select_option("add_tag")
    form.locator("input[name=a0_value]").fill("مرجوعی")
    form.locator("select[name=a1_type]").select_option("set_priority")
    form.locator("input[name=a1_value]").fill("فوری")
    page.locator("[data-testid=rule-save]").click()
    expect(page.locator("[data-testid=error-actions]")).to_be_visible()
    shots(page, "rule-bad-priority")
    page.locator("[data-testid=rule-form] input[name=a1_value]").fill("high")
    page.locator("[data-testid=rule-save]").click()
    expect(page.locator("[data-testid=rule-row]")).to_have_count(1)
    rule = AutomationRule.objects.get(workspace=tenants.ws_a)
    assert rule.actions == [{"type": "add_tag", "value": "مرجوعی"}, {"type": "set_priority", "value": "high"}]
    shots(page, "rules-list")
