"""Telegram updates posted to /hooks/telegram/<id>/ with the secret token header, then processed."""

import json

import pytest

from mehvar.channels.models import InboundEvent, OutboxMessage
from mehvar.channels.outbox import outbox_send
from mehvar.channels.testing.peers import ProviderPeer
from mehvar.conversations.inbound import inbound_event_process
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.services import message_send
from mehvar.customers.matching import customer_resolve
from mehvar.customers.models import Identity

pytestmark = pytest.mark.django_db
update = ProviderPeer.telegram_update


def post(client, channel, body, *, secret: str | None = None):
    payload = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    headers = (
        {}
        if secret == ""
        else {"X-Telegram-Bot-Api-Secret-Token": channel.secret if secret is None else secret}
    )
    return client.post(
        f"/hooks/telegram/{channel.pk}/", payload, content_type="application/json", headers=headers
    )


def deliver(client, channel, body) -> InboundEvent:
    answer = post(client, channel, body)
    assert answer.status_code == 200 and answer.content == b""  # a quick, empty 200 as Telegram wants
    event = InboundEvent.objects.latest("pk")
    inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    return event


def test_a_message_joins_the_customer_matched_by_telegram_id(client, tenants, telegram_channel):
    known = customer_resolve(
        workspace=tenants.ws_a, identities=[("telegram", "5550001")], defaults={"display_name": "مریم"}
    ).customer

    event = deliver(
        client,
        telegram_channel,
        update(
            update_id=10, user_id=5550001, message_id=77, text="سلام، کد رهگیری ندارم", username="maryam_k"
        ),
    )

    assert event.status == InboundEvent.Status.PROCESSED, event.error
    message = Message.objects.get()
    assert message.text == "سلام، کد رهگیری ندارم"
    assert message.external_id == "5550001:77"
    assert message.sender_name == "مریم"
    assert message.data["telegram"]["username"] == "maryam_k"
    conversation = message.conversation
    assert conversation.customer_id == known.pk
    assert conversation.thread_key == "5550001"


def test_a_new_sender_becomes_a_customer_with_a_telegram_identity(client, tenants, telegram_channel):
    deliver(
        client,
        telegram_channel,
        update(update_id=11, user_id=42, text="Hi", first_name="Reza", last_name="Karimi"),
    )
    identity = Identity.objects.get(workspace=tenants.ws_a, kind="telegram")
    assert identity.value == "42"
    assert identity.customer.display_name == "Reza Karimi"


def test_a_replayed_update_creates_nothing_twice(client, telegram_channel):
    body = update(update_id=12, user_id=5550001, message_id=5, text="دوباره")
    first, second = deliver(client, telegram_channel, body), deliver(client, telegram_channel, body)
    assert first.result["messages"] == second.result["messages"]
    assert Message.objects.count() == 1 and Conversation.objects.count() == 1


def test_messages_of_one_chat_share_a_conversation(client, telegram_channel):
    deliver(client, telegram_channel, update(update_id=13, user_id=5550001, message_id=1, text="یک"))
    deliver(client, telegram_channel, update(update_id=14, user_id=5550001, message_id=2, text="دو"))
    assert Conversation.objects.count() == 1 and Message.objects.count() == 2


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_a_wrong_or_missing_secret_token_is_refused_and_nothing_is_stored(client, telegram_channel, secret):
    answer = post(client, telegram_channel, update(update_id=15, user_id=1, text="x"), secret=secret)
    assert answer.status_code == 403
    assert not InboundEvent.objects.exists()


def test_the_secret_in_the_query_string_is_not_enough(client, telegram_channel):
    answer = client.post(
        f"/hooks/telegram/{telegram_channel.pk}/?secret={telegram_channel.secret}",
        json.dumps(update(update_id=15, user_id=1, text="x")),
        content_type="application/json",
    )
    assert answer.status_code == 403


def test_an_edit_is_kept_as_a_new_message_marked_edited(client, telegram_channel):
    deliver(client, telegram_channel, update(update_id=16, user_id=5550001, message_id=9, text="ساعت ۵"))
    edit = update(update_id=17, user_id=5550001, message_id=9, text="ساعت ۶", edited_at=1_714_550_000)
    deliver(client, telegram_channel, edit)
    deliver(client, telegram_channel, edit)  # replayed edit
    original, edited = Message.objects.order_by("pk")
    assert (original.text, edited.text) == ("ساعت ۵", "ساعت ۶")
    assert edited.external_id == "5550001:9:edited:1714550000"
    assert edited.data["telegram"]["edited"] is True and edited.data["telegram"]["original"] == "5550001:9"
    assert Message.objects.count() == 2


def test_a_photo_with_a_caption_notes_the_file(client, telegram_channel):
    photo = [
        {"file_id": "small-id", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 1200},
        {"file_id": "large-id", "file_unique_id": "l", "width": 1280, "height": 960, "file_size": 98000},
    ]
    deliver(
        client,
        telegram_channel,
        update(update_id=18, user_id=5550001, caption="این کالا شکسته رسید", photo=photo),
    )
    message = Message.objects.get()
    assert message.text == "این کالا شکسته رسید"
    assert message.data["telegram"]["media"] == [{"kind": "photo", "file_id": "large-id", "size": 98000}]


def test_a_document_without_text_is_still_a_message(client, telegram_channel):
    document = {
        "file_id": "doc-1",
        "file_name": "فاکتور.pdf",
        "mime_type": "application/pdf",
        "file_size": 3000,
    }
    deliver(client, telegram_channel, update(update_id=19, user_id=5550001, document=document))
    [media] = Message.objects.get().data["telegram"]["media"]
    assert media == {
        "kind": "document",
        "file_id": "doc-1",
        "size": 3000,
        "filename": "فاکتور.pdf",
        "content_type": "application/pdf",
    }


def test_a_shared_own_contact_matches_the_customer_by_phone(client, tenants, telegram_channel):
    known = customer_resolve(workspace=tenants.ws_a, identities=[("phone", "09121234567")]).customer
    contact = {"phone_number": "989121234567", "first_name": "سارا", "user_id": 5550002}
    deliver(client, telegram_channel, update(update_id=20, user_id=5550002, contact=contact))
    message = Message.objects.get()
    assert message.conversation.customer_id == known.pk
    assert Identity.objects.filter(customer=known, kind="telegram", value="5550002").exists()


def test_someone_elses_contact_is_noted_but_not_matched(client, tenants, telegram_channel):
    contact = {"phone_number": "989121234567", "first_name": "دیگری", "user_id": 999}
    deliver(client, telegram_channel, update(update_id=21, user_id=5550003, contact=contact))
    assert not Identity.objects.filter(workspace=tenants.ws_a, kind="phone").exists()
    assert Message.objects.get().data["telegram"]["contact"]["phone_number"] == "989121234567"


def from_bot() -> dict:
    body = update(update_id=25, user_id=5550009, text="an automated notice", first_name="ShopBot")
    body["message"]["from"]["is_bot"] = True
    return body


@pytest.mark.parametrize(
    "body",
    [
        {
            "update_id": 22,
            "callback_query": {"id": "1", "from": {"id": 5550001, "is_bot": False}, "data": "x"},
        },
        {"update_id": 23, "my_chat_member": {"chat": {"id": 5550001}}},
        {"update_id": 24, "channel_post": {"message_id": 1, "chat": {"id": -100}, "date": 1, "text": "news"}},
        from_bot(),
        update(update_id=26, user_id=5550001, new_chat_members=[{"id": 3, "is_bot": False}]),
    ],
)
def test_updates_without_a_customer_message_are_skipped_cleanly(client, telegram_channel, body):
    event = deliver(client, telegram_channel, body)
    assert event.status == InboundEvent.Status.PROCESSED and event.result["messages"] == []
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{broken", "not valid JSON"),
        ("[1, 2]", "not a Telegram update"),
        ({"message": {"message_id": 1}}, "update_id"),
        ({"update_id": 1, "message": {"message_id": 1, "date": 1, "from": {"id": 5}}}, "message.chat"),
        ({"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": "x"}}}, "message.chat.id"),
        (
            {"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 5}, "text": 7}},
            "message.text",
        ),
    ],
)
def test_malformed_updates_are_kept_and_marked_failed_with_the_reason(client, telegram_channel, body, reason):
    event = deliver(client, telegram_channel, body)
    assert event.status == InboundEvent.Status.FAILED
    assert reason in event.error
    assert not Message.objects.exists()


def test_an_agents_reply_reaches_the_chat_through_the_outbox(client, tenants, telegram_channel, peer):
    deliver(
        client, telegram_channel, update(update_id=30, user_id=5550001, message_id=3, text="سفارشم کجاست؟")
    )
    conversation = Conversation.objects.get()

    reply = message_send(conversation=conversation, acting=tenants.agent_a, text="فردا به دستتان می‌رسد.")
    assert outbox_send(outbox_id=reply.outbox_id) == OutboxMessage.Status.SENT

    [record] = peer.telegram_messages
    assert record.chat_id == 5550001 and record.text == "فردا به دستتان می‌رسد."
    reply.outbox.refresh_from_db()
    assert reply.outbox.provider_id == f"5550001:{record.message_id}"
