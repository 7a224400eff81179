"""The inbox in a real browser (Debian's Chromium): a customer's message arrives while the agent looks at the
queue and appears without a reload; the agent opens it with the keyboard, takes it, replies with a canned
template; the tone check stops a rude reply; a supervisor reassigns from the backlog. Each page is saved as
a screenshot (test-artifacts/screenshots/) to look at: right to left, Persian, Jalali dates."""

import re
import time

import pytest

from mehvar.conversations import canned, services
from mehvar.conversations.models import Conversation, Direction, Message, Team
from mehvar.conversations.tests.inbox_helpers import attachment, receive, sms_channel
from mehvar.customers import services as customer_services
from mehvar.web.tests.browser_fixtures import chromium_missing, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_missing() is not None, reason=chromium_missing() or ""),
]


@pytest.fixture
def short_streams(settings):
    # The live server is WSGI: each open stream holds a thread until it notices the page has gone, which it
    # does at its next write; short streams with frequent keep-alives end well before the test database goes.
    settings.MEHVAR_INBOX_STREAM_SECONDS = 30
    settings.MEHVAR_INBOX_KEEPALIVE_SECONDS = 1


def _inbox(tenants):
    channel = sms_channel(tenants.ws_a)
    canned.canned_replies_seed(tenants.ws_a)
    team = Team.objects.create(workspace=tenants.ws_a, name="پشتیبانی سفارش‌ها")
    team.members.add(tenants.agent_a, tenants.by_role["supervisor"])
    ali = customer_services.customer_create(
        acting=tenants.owner_a,
        first_name="علی",
        last_name="رضایی",
        phone="09121234567",
        city="اصفهان",
        lifecycle="loyal",
        tags=["مشتری ویژه"],
        contact_policy="فقط بعدازظهرها تماس بگیرید.",
    )
    first = receive(
        channel, "سلام، سفارش ۱۴۰۳۱۲ هنوز نرسیده. کی می‌رسد؟", phone="09121234567", name="علی رضایی"
    )
    services.conversation_update(
        conversation=first.conversation, acting=tenants.owner_a, priority="high", tags=["ارسال"]
    )
    receive(
        channel,
        "فاکتور خریدم را می‌خواهم.",
        phone="09351112233",
        name="مریم کاظمی",
        attachments=[attachment()],
    )
    receive(channel, "احمق‌ها! پولم را پس بدهید.", phone="09129998877", name="رضا محمدی")
    return channel, ali, team


def test_live_arrival_canned_reply_tone_check_and_backlog(page, shots, browser_tenants, short_streams):
    from playwright.sync_api import expect

    tenants = browser_tenants
    channel, ali, team = _inbox(tenants)
    sign_in(page, tenants.agent_a.user.email)
    page.goto("/w/shop-a/inbox/?queue=unassigned")
    assert page.locator("html").get_attribute("dir") == "rtl"
    rows = page.locator("[data-testid=conversation-row]")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-testid=count-unassigned]")).to_have_text("۳")
    shots(page, "queue")
    page.keyboard.press("Shift+Slash")  # ?: the shortcuts' help
    expect(page.locator("[data-testid=shortcuts-help]")).to_be_visible()
    shots(page, "shortcuts")
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=shortcuts-help]")).to_be_hidden()

    # A new customer writes while the page is open: it appears without a reload (server-sent events).
    page.wait_for_function("document.querySelector('[data-inbox]').getAttribute('data-live') === 'stream'")
    arrived = receive(channel, "سلام، کد تخفیفم کار نمی‌کند.", phone="09195554433", name="سارا نوری")
    number = arrived.conversation.number
    new_row = page.locator(f"[data-testid=conversation-row][data-number='{number}']")
    expect(new_row).to_be_visible(timeout=10_000)
    expect(rows).to_have_count(4)
    expect(page.locator("[data-testid=count-unassigned]")).to_have_text("۴")
    assert "کد تخفیفم" in new_row.inner_text()
    shots(page, "queue-live")

    # The keyboard: j selects the newest row, Enter opens it.
    page.keyboard.press("j")
    expect(rows.first).to_have_class(re.compile("is-current"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/inbox/{number}/**")
    expect(page.locator("[data-testid=customer-panel]")).to_contain_text("سارا نوری")

    # Assign to me (a), then pick a canned apology: the template is personalised into the reply box.
    page.keyboard.press("a")
    expect(page.locator("[data-testid=assignment]")).to_contain_text(tenants.agent_a.user.get_full_name())
    page.locator("[data-testid=canned-picker]").select_option(label="پوزش بابت تأخیر در پاسخ")
    reply_box = page.locator("#reply-form textarea[name=text]")
    expect(reply_box).to_have_value(re.compile("صمیمانه عذرخواهی"))
    assert "{{" not in reply_box.input_value()
    page.locator("[data-testid=send-reply]").click()
    outbound = page.locator("[data-testid=message][data-direction=out]")
    expect(outbound).to_have_count(1)
    expect(outbound).to_contain_text("صمیمانه عذرخواهی")
    sent = Message.objects.get(
        conversation__number=number, workspace=tenants.ws_a, direction=Direction.OUTBOUND
    )
    assert sent.template is not None and sent.author_id == tenants.agent_a.pk
    shots(page, "conversation-replied")

    # The customer answers while the agent has the conversation open: it appears in the thread by itself.
    receive(channel, "ممنون، منتظرم.", phone="09195554433", name="سارا نوری")
    expect(page.locator("[data-testid=message][data-direction=in]")).to_have_count(2, timeout=10_000)
    expect(page.locator("[data-testid=thread]")).to_contain_text("ممنون، منتظرم.")

    # A rude reply is not sent: the tone check shows the problems and offers "send anyway".
    page.keyboard.press("r")
    page.keyboard.type("به من چه، مشکل خودته احمق")
    page.locator("[data-testid=send-reply]").click()
    warning = page.locator("[data-testid=tone-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("احمق")
    expect(page.locator("[data-testid=send-anyway]")).to_be_visible()
    assert Message.objects.filter(conversation__number=number, direction=Direction.OUTBOUND).count() == 1
    shots(page, "tone-warning")

    # e resolves (once the cursor has left the reply box: shortcuts never fire while typing).
    page.keyboard.press("e")
    expect(page.locator("#reply-form textarea[name=text]")).to_have_value(re.compile("احمقe$"))
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    expect(page.locator("[data-testid=status]")).to_have_class(re.compile("conv-status-resolved"))

    # The abusive customer message is masked until the agent asks for it.
    rude = Conversation.objects.get(workspace=tenants.ws_a, customer__phone="+989129998877")
    page.goto(f"/w/shop-a/inbox/{rude.number}/")
    masked = page.locator("[data-testid=masked-text]")
    expect(masked).to_contain_text("***")
    expect(page.locator("[data-testid=original-text]")).to_be_hidden()
    page.locator("[data-testid=reveal]").click()
    expect(page.locator("[data-testid=original-text]")).to_contain_text("احمق")

    # The customer beside the conversation: Ali's 360 panel with the contact policy.
    page.goto(f"/w/shop-a/inbox/{Conversation.objects.get(workspace=tenants.ws_a, customer=ali).number}/")
    panel = page.locator("[data-testid=customer-panel]")
    expect(panel.locator("[data-testid=panel-contact-policy]")).to_contain_text("بعدازظهرها")
    expect(panel).to_contain_text("مشتری ویژه")
    shots(page, "conversation-panel")

    # The supervisor reassigns from the backlog.
    page.locator("[data-testid=user-menu] summary").click()
    page.locator("[data-testid=sign-out]").click()
    supervisor = tenants.by_role["supervisor"]
    sign_in(page, supervisor.user.email)
    page.goto("/w/shop-a/inbox/backlog/")
    # the resolved conversation is not in the backlog
    expect(page.locator("[data-testid=backlog-conversation]")).to_have_count(3)
    shots(page, "backlog")
    target = Conversation.objects.get(workspace=tenants.ws_a, customer=ali)
    page.locator(f"input[name=ids][value='{target.pk}']").check()
    page.locator("#reassign-form select[name=assignee]").select_option(str(supervisor.pk))
    page.locator("#reassign-form select[name=team]").select_option(str(team.pk))
    page.locator("#reassign-form input[name=reason]").fill("مرخصی همکار")
    page.locator("[data-testid=reassign]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    target.refresh_from_db()
    assert target.assignee_id == supervisor.pk and target.team_id == team.pk
    assert target.assignment_reason == "مرخصی همکار"
    expect(page.locator("[data-testid=backlog-team]").first).to_contain_text(team.name)
    shots(page, "backlog-reassigned")
    page.goto("about:blank")
    time.sleep(2)  # the last stream sees the page gone at its next keep-alive and ends
