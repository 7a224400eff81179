"""Acting on a conversation from the inbox (HTMX and plain posts): reply with a canned template, the tone
check, notes with mentions, status (the status machine's errors shown on the field), priority, category,
tags and assignment; who may do what; bad input names the field and never fails."""

import pytest

from mehvar.channels.models import OutboxMessage
from mehvar.conversations import canned, services
from mehvar.conversations.models import CannedReply, Conversation, Direction, Event, Message, Team
from mehvar.conversations.tests.inbox_helpers import HX, errors_of, receive, sms_channel, url
from mehvar.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(tenants):
    return sms_channel(tenants.ws_a)


@pytest.fixture
def conversation(channel):
    return receive(channel, "سلام، سفارشم نرسیده", name="علی رضایی").conversation


def outbound(conversation):
    return Message.objects.filter(conversation=conversation, direction=Direction.OUTBOUND)


# --- Reply ------------------------------------------------------------------------------------------------


def test_reply_is_sent_and_the_thread_comes_back_in_place(client, tenants, conversation):
    login(client, tenants.agent_a)
    response = client.post(url("reply", conversation.number), {"text": "سلام، پیگیری می‌کنم."}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="composer"' in body and 'id="conv-thread" data-testid="thread"' in body
    assert body.count('hx-swap-oob="true"') == 3  # header, thread and the properties card
    message = outbound(conversation).get()
    assert message.text == "سلام، پیگیری می‌کنم." and message.author == tenants.agent_a
    assert message.outbox is not None and message.outbox.to == "+989121234567"
    conversation.refresh_from_db()
    assert conversation.status == "open" and conversation.first_response_at is not None


def test_reply_then_waits_for_the_customer(client, tenants, conversation):
    login(client, tenants.agent_a)
    client.post(
        url("reply", conversation.number), {"text": "شماره سفارش را بفرستید.", "then": "waiting"}, **HX
    )
    conversation.refresh_from_db()
    assert conversation.status == "waiting"


def test_the_same_form_sent_twice_sends_once(client, tenants, conversation):
    login(client, tenants.agent_a)
    data = {"text": "سلام", "key": "0123456789abcdef0123456789abcdef"}
    assert client.post(url("reply", conversation.number), data, **HX).status_code == 200
    assert client.post(url("reply", conversation.number), data, **HX).status_code == 200
    assert outbound(conversation).count() == 1
    assert OutboxMessage.objects.filter(workspace=tenants.ws_a).count() == 1


def test_a_canned_reply_is_personalised_into_the_reply_box(client, tenants, conversation):
    canned.canned_replies_seed(tenants.ws_a)
    apology = CannedReply.objects.get(workspace=tenants.ws_a, title="پوزش بابت تأخیر در پاسخ")
    login(client, tenants.agent_a)
    response = client.get(
        url("canned_insert", conversation.number, canned=apology.pk, text="سلام علی جان،"), **HX
    )
    body = response.content.decode()
    assert 'id="reply-text"' in body and "<html" not in body
    assert "سلام علی جان،" in body and "صمیمانه عذرخواهی" in body  # what was written is kept
    assert "{{" not in body and "علی رضایی عزیز" in body and tenants.agent_a.user.get_full_name() in body
    assert f'name="template" value="{apology.pk}"' in body
    client.post(url("reply", conversation.number), {"text": "متن نهایی", "template": apology.pk}, **HX)
    assert outbound(conversation).get().template == apology
    # without JavaScript the picker reloads the page with the template in the box
    plain = client.get(url("canned_insert", conversation.number, canned=apology.pk))
    assert plain.status_code == 302 and f"canned={apology.pk}" in plain["Location"]
    page = client.get(plain["Location"]).content.decode()
    assert "صمیمانه عذرخواهی" in page.split('id="reply-text"')[1].split("</textarea>")[0]


def test_another_workspaces_canned_reply_is_not_inserted(client, tenants, conversation):
    foreign = CannedReply.objects.create(workspace=tenants.ws_b, title="x", body="متن ب")
    login(client, tenants.agent_a)
    body = client.get(
        url("canned_insert", conversation.number, canned=foreign.pk, text=""), **HX
    ).content.decode()
    assert "متن ب" not in body
    client.post(url("reply", conversation.number), {"text": "سلام", "template": foreign.pk}, **HX)
    assert outbound(conversation).get().template is None


def test_the_tone_check_stops_a_rude_reply_until_sent_anyway(client, tenants, conversation):
    login(client, tenants.agent_a)
    rude = "به من چه، مشکل خودته احمق"
    response = client.post(url("reply", conversation.number), {"text": rude}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="tone-warning"' in body
    assert "احمق" in body.split('data-testid="tone-warning"')[1].split("</div>")[0]
    assert 'data-testid="send-anyway"' in body and rude in body  # the text stays in the box
    assert not outbound(conversation).exists()
    client.post(url("reply", conversation.number), {"text": rude, "send_anyway": "1"}, **HX)
    assert outbound(conversation).get().text == rude
    # a polite reply is not held up
    client.post(url("reply", conversation.number), {"text": "ممنون از صبرتان."}, **HX)
    assert outbound(conversation).count() == 2


def test_the_tone_check_without_javascript_warns_and_sends_nothing(client, tenants, conversation):
    login(client, tenants.agent_a)
    response = client.post(url("reply", conversation.number), {"text": "احمق"})
    assert response.status_code == 302
    assert not outbound(conversation).exists()


def test_reply_errors_name_the_field(client, tenants, conversation):
    login(client, tenants.agent_a)
    empty = client.post(url("reply", conversation.number), {"text": "  "}, **HX).content.decode()
    assert errors_of(empty.split('id="reply-text"')[1])
    too_long = client.post(url("reply", conversation.number), {"text": "ا" * 20_001}, **HX).content.decode()
    assert errors_of(too_long)
    bad_then = client.post(url("reply", conversation.number), {"text": "سلام", "then": "closed"}, **HX)
    assert "id_then_error" in bad_then.content.decode()
    services.conversation_status_set(conversation=conversation, status="resolved", acting=tenants.agent_a)
    services.conversation_status_set(conversation=conversation, status="closed", acting=tenants.agent_a)
    closed = client.post(url("reply", conversation.number), {"text": "سلام"}, **HX).content.decode()
    assert errors_of(closed.split('id="reply-text"')[1].split("</div>")[0])
    assert not outbound(conversation).filter(author=tenants.agent_a).exists()


# --- Notes ------------------------------------------------------------------------------------------------


def test_a_note_mentions_colleagues_by_name_or_by_ticking(client, tenants, conversation):
    supervisor, owner = tenants.by_role["supervisor"], tenants.owner_a
    login(client, tenants.agent_a)
    text = f"@{supervisor.user.get_full_name()} لطفاً نگاه کنید"
    client.post(url("note", conversation.number), {"text": text, "mentions": [owner.pk]}, **HX)
    note = Message.objects.get(conversation=conversation, direction=Direction.NOTE)
    assert set(note.mentions.all()) == {supervisor, owner}
    assert set(conversation.participants.all()) == {supervisor, owner}
    assert note.outbox is None  # never sent to the customer


def test_a_note_needs_text(client, tenants, conversation):
    login(client, tenants.agent_a)
    body = client.post(url("note", conversation.number), {"text": ""}, **HX).content.decode()
    assert errors_of(body.split('data-testid="note-form"')[1])
    assert 'id="note-box" open' in body


# --- Properties -------------------------------------------------------------------------------------------


def test_status_priority_category_and_tags(client, tenants, conversation):
    login(client, tenants.agent_a)
    response = client.post(url("status", conversation.number), {"status": "waiting"}, **HX)
    assert response.status_code == 200 and 'id="conv-props"' in response.content.decode()
    client.post(url("priority", conversation.number), {"priority": "urgent"}, **HX)
    client.post(url("category", conversation.number), {"category": "ارسال"}, **HX)
    client.post(url("tags", conversation.number), {"tags": "ویژه، ارسال دیر, ویژه"}, **HX)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.priority, conversation.category) == (
        "waiting",
        "urgent",
        "ارسال",
    )
    assert sorted(t.name for t in conversation.tags.all()) == ["ارسال دیر", "ویژه"]
    kinds = set(Event.objects.filter(conversation=conversation).values_list("kind", flat=True))
    assert {"status", "priority", "tagged"} <= kinds


def test_an_invalid_transition_shows_the_services_error(client, tenants, conversation):
    login(client, tenants.agent_a)
    body = client.post(url("status", conversation.number), {"status": "closed"}, **HX).content.decode()
    error = body.split('id="id_status_error"')[1].split("</ul>")[0]
    assert "Closed" in error or "بسته" in error
    conversation.refresh_from_db()
    assert conversation.status == "new"
    plain = client.post(url("status", conversation.number), {"status": "closed"})
    assert plain.status_code == 302


def test_bad_property_values_name_the_field(client, tenants, conversation):
    login(client, tenants.agent_a)
    for name, data, field in [
        ("status", {"status": "lost"}, "status"),
        ("priority", {"priority": "asap"}, "priority"),
        ("category", {"category": "ا" * 61}, "category"),
        ("assign", {"assignee": "999999", "team": "keep"}, "assignee"),
        ("assign", {"assignee": "", "team": "abc"}, "team"),
    ]:
        response = client.post(url(name, conversation.number), data, **HX)
        assert response.status_code == 200, name
        assert f'id="id_{field}_error"' in response.content.decode(), (name, field)
    too_many = ", ".join(f"t{i}" for i in range(31))
    body = client.post(url("tags", conversation.number), {"tags": too_many}, **HX).content.decode()
    assert 'id="id_tags_error"' in body


# --- Assignment -------------------------------------------------------------------------------------------


def test_an_agent_takes_an_unassigned_conversation(client, tenants, conversation):
    login(client, tenants.agent_a)
    body = client.post(url("assign", conversation.number), {"to_me": "1"}, **HX).content.decode()
    conversation.refresh_from_db()
    assert conversation.assignee == tenants.agent_a and conversation.assignment_reason
    assert conversation.assignment_reason in body  # the reason is shown


def test_an_agent_cannot_take_a_colleagues_conversation(client, tenants, conversation):
    supervisor = tenants.by_role["supervisor"]
    services.conversation_assign(conversation=conversation, assignee=supervisor, acting=supervisor)
    login(client, tenants.agent_a)
    page = client.get(url("conversation", conversation.number)).content.decode()
    assert 'data-testid="assign-me"' not in page and 'data-testid="assign-form"' not in page
    assert client.post(url("assign", conversation.number), {"to_me": "1"}, **HX).status_code == 403
    data = {"assignee": tenants.agent_a.pk, "team": "keep"}
    assert client.post(url("assign", conversation.number), data, **HX).status_code == 403
    conversation.refresh_from_db()
    assert conversation.assignee == supervisor


def test_a_supervisor_gives_it_to_anyone_with_a_team_and_a_reason(client, tenants, conversation):
    supervisor = tenants.by_role["supervisor"]
    team = Team.objects.create(workspace=tenants.ws_a, name="مالی")
    services.conversation_assign(conversation=conversation, assignee=tenants.agent_a, acting=tenants.agent_a)
    login(client, supervisor)
    data = {"assignee": tenants.owner_a.pk, "team": team.pk, "reason": "پرداخت"}
    client.post(url("assign", conversation.number), data, **HX)
    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.team, conversation.assignment_reason) == (
        tenants.owner_a,
        team,
        "پرداخت",
    )
    # a marketer cannot answer customers, so cannot be given one
    marketer = tenants.by_role["marketer"]
    body = client.post(url("assign", conversation.number), {"assignee": marketer.pk, "team": "keep"}, **HX)
    assert 'id="id_assignee_error"' in body.content.decode()


def test_another_workspaces_team_is_not_a_choice(client, tenants, conversation):
    foreign = Team.objects.create(workspace=tenants.ws_b, name="ب")
    login(client, tenants.by_role["supervisor"])
    body = client.post(url("assign", conversation.number), {"assignee": "", "team": foreign.pk}, **HX)
    assert 'id="id_team_error"' in body.content.decode()
    conversation.refresh_from_db()
    assert conversation.team is None


# --- Who may act ------------------------------------------------------------------------------------------


def test_an_analyst_reads_but_cannot_act(client, tenants, conversation):
    login(client, tenants.by_role["analyst"])
    posts = [
        ("reply", {"text": "x"}),
        ("note", {"text": "x"}),
        ("status", {"status": "open"}),
        ("priority", {"priority": "high"}),
        ("category", {"category": "x"}),
        ("tags", {"tags": "x"}),
        ("assign", {"to_me": "1"}),
    ]
    for name, data in posts:
        assert client.post(url(name, conversation.number), data, **HX).status_code == 403, name
    assert client.get(url("canned_insert", conversation.number, canned=1), **HX).status_code == 403
    assert Message.objects.filter(conversation=conversation).count() == 1
    assert Conversation.objects.get(pk=conversation.pk).status == "new"


def test_an_outsider_cannot_act_on_a_real_conversation(client, tenants, conversation):
    login(client, tenants.outsider_b)
    for name in ("reply", "note", "status", "assign"):
        assert client.post(url(name, conversation.number), {"text": "x", "status": "open"}).status_code == 404
        assert client.post(url(name, conversation.number, slug="shop-b"), {"text": "x"}).status_code == 404
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_plain_posts_work_without_javascript(client, tenants, conversation):
    login(client, tenants.agent_a)
    response = client.post(url("reply", conversation.number), {"text": "سلام"})
    assert response.status_code == 302 and response["Location"].endswith(f"/inbox/{conversation.number}/")
    page = client.get(response["Location"]).content.decode()
    assert "flash-success" in page
    bad = client.post(url("status", conversation.number), {"status": "lost"})
    assert bad.status_code == 302
    assert "flash-error" in client.get(bad["Location"]).content.decode()
