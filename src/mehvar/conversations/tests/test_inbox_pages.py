"""The inbox pages: who may open them, the queues and their counts, filters, search, keyset pages with a fixed
number of queries, and the conversation page (thread, delivery status, attachments, masked abuse, mentions,
the customer beside it)."""

import datetime as dt

import pytest
from django.utils import timezone

from mehvar.channels.models import OutboxMessage
from mehvar.conversations import selectors, services, thread
from mehvar.conversations.models import Conversation, Team
from mehvar.conversations.tests.inbox_helpers import HX, attachment, errors_of, receive, sms_channel, url
from mehvar.customers import services as customer_services
from mehvar.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(tenants):
    return sms_channel(tenants.ws_a)


def rows_of(html):
    import re

    return [int(n) for n in re.findall(r'data-testid="conversation-row" data-number="(\d+)"', html)]


# --- Access -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "supervisor", "agent", "analyst"])
def test_roles_that_see_conversations_open_the_inbox(client, tenants, channel, role):
    number = receive(channel).conversation.number
    login(client, tenants.by_role[role])
    assert client.get(url("queue")).status_code == 200
    body = client.get(url("conversation", number)).content.decode()
    assert ('data-testid="reply-form"' in body) == (role != "analyst")
    assert ('data-testid="read-only"' in body) == (role == "analyst")


def test_a_marketer_may_not_open_the_inbox(client, tenants, channel):
    number = receive(channel).conversation.number
    login(client, tenants.by_role["marketer"])
    assert client.get(url("queue")).status_code == 403
    assert client.get(url("conversation", number)).status_code == 403


def test_an_outsider_gets_404_for_a_real_conversation(client, tenants, channel):
    message = receive(channel, attachments=[attachment()])
    number = message.conversation.number
    file_id = message.attachments.get().pk
    login(client, tenants.outsider_b)
    for path in (url("conversation", number), url("thread", number), url("attachment", number, file_id)):
        assert client.get(path).status_code == 404, path
    # and in their own workspace the number does not lead to A's conversation
    assert client.get(url("conversation", number, slug="shop-b")).status_code == 404
    assert client.get(url("attachment", number, file_id, slug="shop-b")).status_code == 404


def test_the_navigation_has_the_inbox(client, tenants):
    from django.urls import reverse

    login(client, tenants.agent_a)
    body = client.get(reverse("web:workspace_home", args=["shop-a"])).content.decode()
    assert 'data-nav="inbox:queue"' in body
    login(client, tenants.by_role["marketer"])
    assert (
        'data-nav="inbox:queue"'
        not in client.get(reverse("web:workspace_home", args=["shop-a"])).content.decode()
    )


# --- Queues -----------------------------------------------------------------------------------------------


def _setup_queues(tenants, channel):
    agent, supervisor = tenants.agent_a, tenants.by_role["supervisor"]
    team = Team.objects.create(workspace=tenants.ws_a, name="ارسال")
    team.members.add(agent)
    now = timezone.now()
    mine = receive(channel, phone="09120000001").conversation
    services.conversation_assign(conversation=mine, assignee=agent, acting=agent)
    theirs = receive(channel, phone="09120000002").conversation
    services.conversation_assign(conversation=theirs, assignee=supervisor, acting=supervisor, team=team)
    free = receive(channel, phone="09120000003").conversation
    soon = receive(channel, phone="09120000004").conversation
    late = receive(channel, phone="09120000005").conversation
    done = receive(channel, phone="09120000006").conversation
    services.conversation_status_set(conversation=done, status="resolved", acting=agent)
    Conversation.objects.filter(pk=soon.pk).update(sla_due_at=now + dt.timedelta(minutes=30))
    Conversation.objects.filter(pk=late.pk).update(sla_due_at=now - dt.timedelta(minutes=5))
    Conversation.objects.filter(pk=free.pk).update(sla_due_at=now + dt.timedelta(hours=5))
    return {"mine": mine, "theirs": theirs, "free": free, "soon": soon, "late": late, "done": done}


def test_queues_hold_what_they_say_and_count_it(client, tenants, channel):
    c = _setup_queues(tenants, channel)
    login(client, tenants.agent_a)
    expected = {
        "mine": {c["mine"]},
        "unassigned": {c["free"], c["soon"], c["late"]},
        "team": {c["theirs"]},
        "all": {c["mine"], c["theirs"], c["free"], c["soon"], c["late"]},
        "breaching": {c["soon"]},
        "overdue": {c["late"]},
    }
    counts = selectors.queue_counts(workspace=tenants.ws_a, membership=tenants.agent_a, now=timezone.now())
    for queue, conversations in expected.items():
        body = client.get(url("queue", queue=queue)).content.decode()
        assert set(rows_of(body)) == {x.number for x in conversations}, queue
        assert counts[queue] == len(conversations), queue
        assert f'data-testid="count-{queue}">{len(conversations)}' in body.translate(
            str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
        )


def test_queue_counts_stop_at_the_cap_and_show_a_plus(client, tenants, channel, monkeypatch):
    _setup_queues(tenants, channel)  # five open: one mine, one of the team, three unassigned
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 2)
    counts = selectors.queue_counts(workspace=tenants.ws_a, membership=tenants.agent_a, now=timezone.now())
    assert counts["all"] == 3 and counts["unassigned"] == 3 and counts["mine"] == 1
    login(client, tenants.agent_a)
    body = client.get(url("queue", queue="all")).content.decode()
    assert 'data-testid="count-all">۲+<' in body
    assert 'data-testid="count-mine">۱<' in body


def test_the_default_queue_is_mine_for_agents_and_all_for_analysts(client, tenants, channel):
    c = _setup_queues(tenants, channel)
    login(client, tenants.agent_a)
    assert rows_of(client.get(url("queue")).content.decode()) == [c["mine"].number]
    login(client, tenants.by_role["analyst"])
    assert len(rows_of(client.get(url("queue")).content.decode())) == 5


def test_filters(client, tenants, channel):
    c = _setup_queues(tenants, channel)
    other = sms_channel(tenants.ws_a, name="پیامک دوم")
    on_other = receive(other, phone="09120000009").conversation
    services.conversation_update(
        conversation=c["free"], acting=tenants.agent_a, priority="urgent", category="مرجوعی", tags=["ویژه"]
    )
    login(client, tenants.agent_a)
    team = Team.objects.get(workspace=tenants.ws_a)

    def numbers(**query):
        response = client.get(url("queue", queue="all", **query))
        assert response.status_code == 200
        return set(rows_of(response.content.decode()))

    assert numbers(status="resolved") == {c["done"].number}
    assert c["done"].number in numbers(status="any")
    assert numbers(channel=other.pk) == {on_other.number}
    assert numbers(priority="urgent") == {c["free"].number}
    assert numbers(tag="ويژه") == {c["free"].number}  # the tag's search key: Arabic ي finds Persian ی
    assert numbers(category="مرجوعی") == {c["free"].number}
    assert numbers(assignee=tenants.agent_a.pk) == {c["mine"].number}
    assert numbers(assignee="none") == {c["free"].number, c["soon"].number, c["late"].number, on_other.number}
    assert numbers(team=team.pk) == {c["theirs"].number}
    # Persian digits in an id
    assert numbers(assignee=str(tenants.agent_a.pk).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))) == {
        c["mine"].number
    }


def test_search_by_customer_subject_and_ticket_number(client, tenants, channel):
    ali = receive(channel, phone="09121234567", name="علی رضایی").conversation
    maryam = receive(channel, phone="09351112233", name="مریم کاظمی", subject="مرجوعی کفش").conversation
    customer_services.customer_update(
        acting=tenants.owner_a, customer=maryam.customer, email="maryam@example.com"
    )
    login(client, tenants.agent_a)

    def found(q):
        return set(rows_of(client.get(url("queue", queue="all", q=q)).content.decode()))

    assert found("رضائي") == {ali.number}  # Arabic letters find the Persian spelling
    assert found("۰۹۳۵۱۱۱") == {maryam.number}  # a piece of the phone in Persian digits
    assert found("maryam@") == {maryam.number}
    assert found("کفش") == {maryam.number}  # the subject
    assert found(f"#{ali.number}") == {ali.number}
    assert found("#" + str(maryam.number).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))) == {
        maryam.number
    }
    assert found("هیچ‌کس‌چنین‌نامی‌ندارد") == set()


def test_htmx_search_returns_the_results_and_the_counts(client, tenants, channel):
    receive(channel)
    login(client, tenants.agent_a)
    response = client.get(url("queue", queue="all", q="علی"), HTTP_HX_TARGET="queue-results", **HX)
    body = response.content.decode()
    assert "<html" not in body and 'id="queue-results"' in body
    assert 'id="queue-counts"' in body and 'hx-swap-oob="true"' in body


def test_keyset_pages_newest_activity_first(client, tenants, channel):
    numbers = [receive(channel, phone=f"0912000{i:04d}").conversation.number for i in range(35)]
    # the oldest one gets a new message: it comes first
    receive(channel, "دوباره سلام", phone="09120000000")
    login(client, tenants.agent_a)
    first = client.get(url("queue", queue="all")).content.decode()
    shown = rows_of(first)
    assert len(shown) == selectors.QUEUE_PAGE_SIZE and shown[0] == numbers[0]
    assert shown[1:4] == [numbers[34], numbers[33], numbers[32]]
    import re

    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = rows_of(client.get(url("queue") + next_url).content.decode())
    assert not set(shown) & set(second)
    assert set(shown) | set(second) == set(numbers)


def test_overdue_and_breaching_list_the_most_urgent_deadline_first_in_pages(client, tenants, channel):
    import re

    now = timezone.now()
    made = [receive(channel, phone=f"0912100{i:04d}").conversation for i in range(35)]
    # deadlines in an order unrelated to activity: the i-th conversation is (i * 7 % 35) + 1 minutes late
    late = {c.pk: (i * 7 % 35) + 1 for i, c in enumerate(made)}
    for conversation in made:
        Conversation.objects.filter(pk=conversation.pk).update(
            sla_due_at=now - dt.timedelta(minutes=late[conversation.pk])
        )
    expected = [c.number for c in sorted(made, key=lambda c: -late[c.pk])]  # most overdue first
    login(client, tenants.agent_a)
    first = client.get(url("queue", queue="overdue")).content.decode()
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(url("queue") + next_url).content.decode()
    assert rows_of(first) + rows_of(second) == expected
    page = client.get(url("conversation", expected[1], queue="overdue")).content.decode()
    assert f'data-previous-url="/w/shop-a/inbox/{expected[0]}/?queue=overdue"' in page
    assert f'data-next-url="/w/shop-a/inbox/{expected[2]}/?queue=overdue"' in page


def test_a_queue_page_takes_a_fixed_number_of_queries(client, tenants, channel, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team = Team.objects.create(workspace=tenants.ws_a, name="ارسال")
    first = receive(channel, phone="09120000001", attachments=[attachment()]).conversation
    services.conversation_update(conversation=first, acting=tenants.owner_a, tags=["الف", "ب"])
    login(client, tenants.agent_a)
    client.get(url("queue"))  # the first request after signing in also touches the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("queue", queue="all", q="علی")).status_code == 200
    for i in range(25):
        conversation = receive(channel, f"پیام {i}", phone=f"0935000{i:04d}").conversation
        services.conversation_update(conversation=conversation, acting=tenants.owner_a, tags=[f"t{i}", "ب"])
        services.conversation_assign(
            conversation=conversation,
            assignee=tenants.by_role["supervisor"],
            acting=tenants.owner_a,
            team=team,
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url("queue", queue="all", q="علی"))
    assert response.status_code == 200
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url("queue", queue="all", q="رضایی", status="any"))
    assert len(rows_of(page.content.decode())) == 26  # every row of the page, one query for all of them


def test_bad_filters_name_the_field_and_never_fail(client, tenants, channel):
    receive(channel)
    login(client, tenants.agent_a)
    cases = {
        "queue": {"queue": "everything"},
        "status": {"status": "lost"},
        "channel": {"channel": "99999"},
        "assignee": {"assignee": "x"},
        "team": {"team": "12a"},
        "priority": {"priority": "asap"},
        "cursor": {"cursor": "not-a-cursor"},
        "q": {"q": "x" * 300},
    }
    for field, query in cases.items():
        response = client.get(url("queue", **query))
        assert response.status_code == 200, field
        body = response.content.decode()
        assert 'data-testid="filter-errors"' in body or "This cursor is not valid" in body, field
        assert errors_of(body), field


# --- One conversation -------------------------------------------------------------------------------------


def test_the_thread_shows_messages_notes_events_and_delivery(client, tenants, channel):
    agent, supervisor = tenants.agent_a, tenants.by_role["supervisor"]
    message = receive(channel, "سفارشم کجاست؟", attachments=[attachment("رسید.pdf", b"x" * 2048)])
    conversation = message.conversation
    services.conversation_assign(
        conversation=conversation, assignee=agent, acting=supervisor, reason="مهارت ارسال"
    )
    reply = services.message_send(conversation=conversation, acting=agent, text="در حال پیگیری است.")
    OutboxMessage.objects.filter(pk=reply.outbox_id).update(status="sent", delivery="delivered")
    services.note_add(
        conversation=conversation,
        acting=agent,
        text=f"@{supervisor.user.get_full_name()} لطفاً بررسی کنید",
        mentions=[supervisor],
    )
    login(client, agent)
    body = client.get(url("conversation", conversation.number)).content.decode()
    assert "سفارشم کجاست؟" in body and "در حال پیگیری است." in body
    assert 'data-direction="note"' in body
    assert f'<mark class="mention">@{supervisor.user.get_full_name()}</mark>' in body
    assert 'data-testid="delivery"' in body and "delivery-delivered" in body
    assert "مهارت ارسال" in body  # the assignment's reason, in the header and on the event
    assert 'data-kind="assigned"' in body and 'data-kind="status"' in body
    assert "رسید.pdf" in body and "application/pdf" in body and 'data-testid="attachments"' in body


def test_attachments_download_as_files(client, tenants, channel):
    message = receive(channel, attachments=[attachment("فاکتور.pdf", b"%PDF-1.4 test")])
    file = message.attachments.get()
    login(client, tenants.agent_a)
    response = client.get(url("attachment", message.conversation.number, file.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["Content-Type"] == "application/octet-stream"
    assert "attachment" in response["Content-Disposition"]
    # another conversation's number with this attachment's id: 404
    other = receive(channel, phone="09351112233").conversation
    assert client.get(url("attachment", other.number, file.pk)).status_code == 404


def test_abusive_messages_are_masked_until_asked(client, tenants, channel):
    message = receive(channel, "شما احمق هستید، پولم را پس بدهید")
    message.refresh_from_db()
    assert message.abuse
    login(client, tenants.agent_a)
    body = client.get(url("conversation", message.conversation.number)).content.decode()
    masked = body.split('data-testid="masked-text"')[1].split("</div>")[0]
    assert "احمق" not in masked and "***" in masked
    original = body.split('data-testid="original-text"')[1].split("</div>")[0]
    assert "احمق" in original  # behind the "show" toggle (<details>), never deleted
    queue = client.get(url("queue", queue="all")).content.decode()
    snippet = queue.split('data-testid="snippet"')[1].split("</div>")[0]
    assert "احمق" not in snippet and "***" in snippet


def test_the_customer_is_beside_the_conversation(client, tenants, channel):
    customer = customer_services.customer_create(
        acting=tenants.owner_a,
        first_name="علی",
        last_name="رضایی",
        phone="09121234567",
        lifecycle="loyal",
        tags=["مشتری ویژه"],
        contact_policy="فقط بعدازظهرها تماس بگیرید.",
        owner_id=tenants.by_role["supervisor"].pk,
    )
    earlier = receive(channel, "سلام", subject="سفارش قبلی").conversation
    services.conversation_status_set(conversation=earlier, status="resolved", acting=tenants.agent_a)
    services.conversation_status_set(conversation=earlier, status="closed", acting=tenants.agent_a)
    customer_services.note_add(acting=tenants.owner_a, customer=customer, text="مشتری قدیمی و خوش‌حساب")
    now = receive(channel, "دوباره من هستم").conversation
    assert now.pk != earlier.pk
    login(client, tenants.agent_a)
    body = client.get(url("conversation", now.number)).content.decode()
    panel = body.split('data-testid="customer-panel"')[1]
    assert "فقط بعدازظهرها" in panel and "مشتری ویژه" in panel
    assert "۰۹۱۲ ۱۲۳ ۴۵۶۷" in panel or "0912 123 4567" in panel
    assert "مشتری قدیمی و خوش‌حساب" in panel  # the latest activity on the timeline
    assert f"#{earlier.number}" in panel.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    assert f"/w/shop-a/customers/{customer.pk}/" in panel


def test_j_and_k_walk_the_queue_the_page_was_opened_from(client, tenants, channel):
    a = receive(channel, phone="09120000001").conversation
    b = receive(channel, phone="09120000002").conversation
    c = receive(channel, phone="09120000003").conversation
    login(client, tenants.agent_a)
    body = client.get(url("conversation", b.number, queue="all")).content.decode()
    assert f'data-next-url="/w/shop-a/inbox/{a.number}/?queue=all"' in body
    assert f'data-previous-url="/w/shop-a/inbox/{c.number}/?queue=all"' in body
    assert 'data-back-url="/w/shop-a/inbox/?queue=all"' in body


def test_an_unknown_conversation_is_404(client, tenants, channel):
    login(client, tenants.agent_a)
    assert client.get(url("conversation", 999)).status_code == 404
    assert client.get(url("thread", 999), **HX).status_code == 404


def test_the_thread_fragment_and_earlier_pages(client, tenants, channel):
    first = receive(channel, "پیام اول")
    conversation = first.conversation
    for i in range(thread.THREAD_PAGE_SIZE + 5):
        receive(channel, f"پیام شماره {i}")
    login(client, tenants.agent_a)
    body = client.get(url("conversation", conversation.number)).content.decode()
    assert "پیام اول" not in body and 'data-testid="thread-earlier"' in body
    import re

    before = re.search(r'\?before=([\w-]+)"', body).group(1)
    earlier = client.get(url("thread", conversation.number, before=before), **HX).content.decode()
    assert "پیام اول" in earlier and "afterbegin:#thread-items" in earlier
    fresh = client.get(url("thread", conversation.number), **HX).content.decode()
    assert 'id="conv-thread"' in fresh and 'id="conv-header"' in fresh
    assert client.get(url("thread", conversation.number, before="garbage"), **HX).status_code == 400


def test_a_conversation_page_takes_a_fixed_number_of_queries(
    client, tenants, channel, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent, supervisor = tenants.agent_a, tenants.by_role["supervisor"]
    conversation = receive(channel, "اولین پیام", attachments=[attachment()]).conversation
    login(client, agent)
    client.get(url("queue"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("conversation", conversation.number, queue="all")).status_code == 200
    for i in range(10):
        receive(channel, f"پیام {i}", attachments=[attachment(f"{i}.pdf")])
        services.message_send(conversation=conversation, acting=agent, text=f"پاسخ {i}")
        services.note_add(conversation=conversation, acting=agent, text=f"یادداشت {i}", mentions=[supervisor])
        services.conversation_assign(
            conversation=conversation,
            assignee=supervisor if i % 2 else agent,
            acting=supervisor,
            reason=str(i),
        )
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(url("conversation", conversation.number, queue="all")).status_code == 200
