"""The widget's public endpoints: sessions, messages in, replies out, origins, limits, bad input."""

import json

import pytest

from mehvar.channels.models import InboundEvent
from mehvar.channels.outbox import outbox_send
from mehvar.channels.webchat.tests.conftest import SHOP, Visitor, make_chat
from mehvar.channels.webchat.visitors import public_id
from mehvar.conversations import services
from mehvar.conversations.models import Conversation, Direction, Message
from mehvar.customers.models import Activity, Customer, Identity
from mehvar.customers.services import customer_create

pytestmark = pytest.mark.django_db


def test_a_session_gives_a_new_visitor_and_a_returning_one_keeps_theirs(client, chat, chat_b):
    first = Visitor(client, chat)
    data = first.start().json()
    assert data["new"] is True and data["visitor"].startswith("wv_")
    assert data["dir"] == "rtl" and data["language"] == "fa" and data["strings"]["send"]
    assert data["title"] == chat.workspace.name and data["ask_contact"] == "optional"

    again = first.start().json()  # the widget sends its stored token
    assert again["visitor"] == first.visitor and again["new"] is False

    first.token = first.token[:-2] + ("AA" if not first.token.endswith("AA") else "BB")  # forged
    assert first.start().json()["new"] is True

    other_channel = Visitor(client, chat_b, origin="https://shop-b.example")
    other_channel.token = Visitor(client, chat).start().json()["token"]  # a token of workspace A's chat
    assert other_channel.start().json()["new"] is True


def test_unknown_forged_or_disabled_public_ids_are_404(client, chat):
    forged = f"{chat.pk}-{'0' * 20}"
    for value in (forged, "abc", f"{chat.pk + 100}-{public_id(chat).split('-')[1]}"):
        response = client.post(f"/chat/{value}/session/", "{}", content_type="application/json")
        assert response.status_code == 404
    chat.enabled = False
    chat.save()
    assert (
        Visitor(client, chat)
        .client.post(Visitor(client, chat).url("session"), "{}", content_type="application/json")
        .status_code
        == 404
    )


def test_a_message_is_stored_raw_then_joins_the_matched_customer(client, tenants, chat):
    known = customer_create(
        acting=tenants.owner_a, first_name="زهرا", last_name="کریمی", email="zahra@example.com"
    )
    visitor = Visitor(client, chat)
    visitor.start()
    response = visitor.send(
        text="سلام، سفارش ۱۲۳۴ هنوز نرسیده", name="زهرا", email="Zahra@Example.com", phone="۰۹۱۲ ۳۴۵ ۶۷۸۹"
    )
    assert response.status_code == 201, response.content
    body = response.json()["message"]
    assert body["direction"] == "in" and body["text"] == "سلام، سفارش ۱۲۳۴ هنوز نرسیده"

    event = InboundEvent.objects.get(channel=chat)
    assert json.loads(bytes(event.body))["email"] == "Zahra@Example.com"  # the raw body, as sent
    assert event.headers["X-Visitor"] == visitor.visitor and event.status == InboundEvent.Status.PROCESSED

    message = Message.objects.get(pk=body["id"])
    conversation = message.conversation
    assert conversation.customer_id == known.pk and conversation.thread_key == visitor.visitor
    assert conversation.workspace_id == tenants.ws_a.pk and message.direction == Direction.INBOUND
    kinds = set(Identity.objects.filter(customer=known).values_list("kind", "value"))
    assert {
        ("web_visitor", visitor.visitor),
        ("phone", "+989123456789"),
        ("email", "zahra@example.com"),
    } <= kinds
    assert Activity.objects.filter(customer=known, kind="message").count() == 1
    assert visitor.start().json()["contact_known"] is True  # the widget will not ask again


def test_an_anonymous_visitor_becomes_a_customer_of_their_own(client, tenants, chat):
    visitor = Visitor(client, chat)
    visitor.start()
    assert visitor.send(text="قیمت ارسال به شیراز چقدر است؟").status_code == 201
    customer = Customer.objects.get(workspace=tenants.ws_a, identities__value=visitor.visitor)
    assert Conversation.objects.get(customer=customer).channel_id == chat.pk


def test_a_retried_post_creates_nothing_twice(client, chat):
    visitor = Visitor(client, chat)
    visitor.start()
    first = visitor.send(text="اولین پیام", client_id="c0ffee-0001")
    again = visitor.send(text="اولین پیام", client_id="c0ffee-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    assert Message.objects.filter(channel=chat).count() == 1
    assert InboundEvent.objects.filter(channel=chat).count() == 1


def test_another_visitor_reusing_a_client_id_gets_their_own_message(client, chat):
    one, two = Visitor(client, chat), Visitor(client, chat)
    one.start()
    two.start()
    mine = one.send(text="پیام اول", client_id="same-id-0001").json()["message"]
    theirs = two.send(text="پیام دوم", client_id="same-id-0001").json()["message"]
    assert mine["id"] != theirs["id"] and theirs["text"] == "پیام دوم"


def test_origins_allowed_by_the_channel_get_cors_and_others_are_refused(client, chat):
    chat.config["allowed_origins"] = [SHOP, "https://*.branches.example"]
    chat.save()
    allowed = Visitor(client, chat)
    response = allowed.start()
    assert response["Access-Control-Allow-Origin"] == SHOP and "Origin" in response["Vary"]

    sub = Visitor(client, chat, origin="https://tehran.branches.example")
    assert sub.start()["Access-Control-Allow-Origin"] == "https://tehran.branches.example"

    for origin in (
        "https://evil.example",
        "http://shop-a.example",
        "https://shop-a.example.evil.example",
        "null",
    ):
        intruder = Visitor(client, chat, origin=origin)
        refused = client.post(
            intruder.url("session"), "{}", content_type="application/json", **intruder.headers()
        )
        assert refused.status_code == 403, origin
        assert "Access-Control-Allow-Origin" not in refused
        assert refused.json()["type"].endswith("origin-not-allowed")

    preflight = client.options(
        allowed.url("messages"),
        HTTP_ORIGIN=SHOP,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-visitor-token",
    )
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == SHOP
    assert "X-Visitor-Token" in preflight["Access-Control-Allow-Headers"]
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    bad_preflight = client.options(allowed.url("messages"), HTTP_ORIGIN="https://evil.example")
    assert bad_preflight.status_code == 403 and "Access-Control-Allow-Origin" not in bad_preflight

    own = Visitor(client, chat, origin="http://testserver")  # the preview page on this server
    assert own.start().status_code == 200
    no_browser = Visitor(client, chat, origin="")
    assert no_browser.start().status_code == 200


def test_a_visitor_sending_too_fast_is_slowed_down(client, chat):
    chat.config["messages_per_minute"] = 3
    chat.save()
    visitor = Visitor(client, chat)
    visitor.start()
    for number in range(3):
        assert visitor.send(text=f"پیام {number}").status_code == 201
    refused = visitor.send(text="یکی دیگر")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert refused["Access-Control-Allow-Origin"] == SHOP  # the widget can read why
    assert Message.objects.filter(channel=chat).count() == 3
    assert InboundEvent.objects.filter(channel=chat).count() == 3
    other = Visitor(client, chat)  # another visitor is not slowed by the first
    other.start()
    assert other.send(text="سلام").status_code == 201


def _field_errors(response):
    return {error["field"]: error for error in response.json()["errors"]}


def test_bad_input_is_refused_naming_the_field_in_persian_or_english(client, chat):
    visitor = Visitor(client, chat)
    visitor.start()
    missing = visitor.post_raw(json.dumps({"client_id": "abcdef-123"}).encode())
    assert missing.status_code == 422 and missing["Content-Language"] == "fa"
    assert _field_errors(missing)["text"]["message"] == "این فیلد الزامی است."

    english = Visitor(client, chat, lang="en")
    english.token = visitor.token
    response = english.post_raw(json.dumps({"client_id": "abcdef-123"}).encode())
    assert _field_errors(response)["text"]["message"] == "This field is required."

    cases = [
        ({"text": "x" * 2001}, "text"),
        ({"text": "   "}, "text"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"client_id": "<script>"}, "client_id"),
        ({"colour": "red"}, "colour"),
        ({"name": "ن" * 121}, "name"),
    ]
    for extra, field in cases:
        body = {"client_id": "abcdef-124", "text": "سلام", **extra}
        refused = visitor.post_raw(json.dumps(body).encode())
        assert refused.status_code == 422, (extra, refused.content)
        assert field in _field_errors(refused), (extra, refused.json())
    not_json = visitor.post_raw(b"{not json")
    assert not_json.status_code == 422 and "body" in _field_errors(not_json)
    a_list = visitor.post_raw(b"[1, 2]")
    assert a_list.status_code == 422 and "body" in _field_errors(a_list)
    huge = visitor.post_raw(json.dumps({"client_id": "abcdef-125", "text": "x" * 20_000}).encode())
    assert huge.status_code == 413
    bad_since = visitor.poll(since="yesterday")
    assert bad_since.status_code == 422 and "since" in _field_errors(bad_since)
    assert Message.objects.filter(channel=chat).count() == 0
    assert InboundEvent.objects.filter(channel=chat).count() == 0


def test_a_channel_that_requires_contact_details_asks_for_them_once(client, chat):
    chat.config["ask_contact"] = "required"
    chat.save()
    visitor = Visitor(client, chat)
    visitor.start()
    refused = visitor.send(text="سلام")
    assert refused.status_code == 422 and "email" in _field_errors(refused)
    assert visitor.send(text="سلام", phone="09351234567").status_code == 201
    assert visitor.send(text="و یک سؤال دیگر").status_code == 201  # known now


def test_without_a_valid_token_nothing_is_read_or_written(client, chat):
    visitor = Visitor(client, chat)
    assert visitor.poll().status_code == 401
    assert visitor.send().status_code == 401
    visitor.token = "wv_x:forged"
    assert visitor.poll().status_code == 401


def _reply(tenants, conversation, text):
    message = services.message_send(conversation=conversation, acting=tenants.agent_a, text=text)
    return message


def test_the_visitor_sees_replies_once_sent_and_never_notes(
    client, tenants, chat, django_capture_on_commit_callbacks
):
    visitor = Visitor(client, chat)
    visitor.start()
    sent = visitor.send(text="سلام، وقت بخیر").json()["message"]
    conversation = Message.objects.get(pk=sent["id"]).conversation
    first = visitor.poll().json()
    assert [m["id"] for m in first["messages"]] == [sent["id"]]

    with django_capture_on_commit_callbacks():
        reply = _reply(tenants, conversation, "سلام! سفارش شما فردا می‌رسد.")
    services.note_add(conversation=conversation, acting=tenants.agent_a, text="یادداشت داخلی: مشتری ویژه")
    assert [m["id"] for m in visitor.poll().json()["messages"]] == [sent["id"]]  # not sent yet

    assert outbox_send(outbox_id=reply.outbox_id) == "sent"
    reply.outbox.refresh_from_db()
    assert reply.outbox.provider_id == f"webchat:{reply.pk}"
    later = visitor.poll(since=first["cursor"]).json()["messages"]
    # Since the cursor (less a few seconds' overlap, which the widget drops by id): the reply is there.
    assert (reply.pk, "out") in [(m["id"], m["direction"]) for m in later]
    assert later[-1]["author"] == tenants.agent_a.user.get_short_name()
    everything = visitor.poll().json()["messages"]
    assert [m["direction"] for m in everything] == ["in", "out"]
    assert all("یادداشت" not in m["text"] for m in everything)


def test_a_visitor_cannot_read_another_visitors_or_another_workspaces_chat(client, tenants, chat, chat_b):
    zahra = Visitor(client, chat)
    zahra.start()
    zahra.send(text="پیام خصوصی زهرا", email="zahra@example.com")
    # Someone else types Zahra's e-mail: they join her customer record, but see only their own thread.
    impostor = Visitor(client, chat)
    impostor.start()
    impostor.send(text="من هم زهرا هستم", email="zahra@example.com")
    seen = [m["text"] for m in impostor.poll().json()["messages"]]
    assert seen == ["من هم زهرا هستم"]
    conversation = Conversation.objects.get(thread_key=zahra.visitor)
    reply = _reply(tenants, conversation, "پاسخ فقط برای زهرا")
    outbox_send(outbox_id=reply.outbox_id)
    assert "پاسخ فقط برای زهرا" not in [m["text"] for m in impostor.poll().json()["messages"]]
    assert "پاسخ فقط برای زهرا" in [m["text"] for m in zahra.poll().json()["messages"]]

    # Workspace B's chat: Zahra's token means nothing there, and B's visitor sees nothing of A.
    elsewhere = Visitor(client, chat_b, origin="https://shop-b.example")
    elsewhere.token = zahra.token
    assert elsewhere.poll().status_code == 401
    elsewhere.start()
    assert elsewhere.poll().json()["messages"] == []
    # A's chat public id with B's visitor token is refused too.
    crossing = Visitor(client, chat)
    crossing.token = elsewhere.token
    assert crossing.poll().status_code == 401


def test_history_spans_the_visitors_conversations(client, tenants, chat):
    visitor = Visitor(client, chat)
    visitor.start()
    visitor.send(text="گفتگوی اول")
    conversation = Conversation.objects.get(thread_key=visitor.visitor)
    services.conversation_status_set(conversation=conversation, status="resolved", acting=tenants.agent_a)
    services.conversation_status_set(conversation=conversation, status="closed", acting=tenants.agent_a)
    visitor.send(text="گفتگوی دوم")
    assert Conversation.objects.filter(thread_key=visitor.visitor).count() == 2
    texts = [m["text"] for m in visitor.poll().json()["messages"]]
    assert texts[0] == "گفتگوی اول" and texts[-1] == "گفتگوی دوم"


def test_the_preview_page_embeds_the_widget(client, chat):
    response = client.get(f"/chat/{public_id(chat)}/preview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-channel="{public_id(chat)}"' in html and "webchat/widget.js" in html
    assert 'dir="rtl"' in html
    english = client.get(f"/chat/{public_id(chat)}/preview/?lang=en").content.decode()
    assert 'data-lang="en"' in english and 'dir="ltr"' in english
    assert client.get(f"/chat/{chat.pk}-{'0' * 20}/preview/").status_code == 404


def test_the_demo_site_shows_the_demo_workspaces_chat(client, tenants):
    from mehvar.core.services import workspace_create
    from mehvar.demo.generator import DEMO_WORKSPACE_SLUG

    assert client.get("/chat/demo-site/").status_code == 404
    demo = workspace_create(name="فروشگاه نمونه", slug=DEMO_WORKSPACE_SLUG, owner=tenants.owner_a.user)
    chat = make_chat(demo)
    response = client.get("/chat/demo-site/")
    assert response.status_code == 200 and public_id(chat) in response.content.decode()


def test_polling_costs_the_same_few_queries_however_long_the_chat(
    client, tenants, chat, django_assert_max_num_queries
):
    visitor = Visitor(client, chat)
    visitor.start()
    visitor.send(text="اول")
    conversation = Conversation.objects.get(thread_key=visitor.visitor)
    for number in range(5):
        reply = _reply(tenants, conversation, f"پاسخ {number}")
        outbox_send(outbox_id=reply.outbox_id)
        visitor.send(text=f"پیام {number}")
    with django_assert_max_num_queries(4):
        assert len(visitor.poll().json()["messages"]) == 11


def test_other_methods_are_refused_with_the_allowed_ones(client, chat):
    visitor = Visitor(client, chat)
    response = client.get(visitor.url("session"), HTTP_ORIGIN=SHOP)
    assert response.status_code == 405 and response["Allow"] == "POST, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert client.delete(visitor.url("messages"), HTTP_ORIGIN=SHOP).status_code == 405
