"""Abusive customer messages are flagged with the reasons, masked for agents on request, never deleted; the
customer's contact policy and abuse record are one read for the agent panel."""

import pytest
from django.utils import translation

from mehvar.conversations import services
from mehvar.conversations.abuse import (
    abuse_reasons,
    contact_policy_for,
    masked_text,
    message_masked_text,
    message_screen,
)
from mehvar.conversations.models import Message
from mehvar.conversations.tests.logic_support import make_channel, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(tenants):
    return make_channel(tenants.ws_a, "api")


def test_an_abusive_message_is_flagged_and_kept_whole(tenants, channel):
    text = "سفارشم کجاست احمق؟ خفه‌شو و جواب بده"
    message = receive(channel, text, subject="بي‌شعورها")
    stored = Message.objects.get(pk=message.pk)
    assert stored.text == text  # nothing is deleted or changed
    assert [(e["reason"], e["field"]) for e in stored.abuse] == [
        ("insult", "text"),
        ("harassment", "text"),
        ("insult", "subject"),
    ]
    first = stored.abuse[0]
    assert text[first["start"] : first["start"] + first["length"]] == "احمق"
    assert stored.is_abusive
    assert message_masked_text(stored) == "سفارشم کجاست ***؟ *** و جواب بده"
    assert message_masked_text(stored, field="subject") == "***"
    with translation.override("en"):
        assert abuse_reasons(stored) == ["Insult", "Threat or harassment"]


def test_clean_and_merely_upset_messages_are_not_flagged(tenants, channel):
    clean = receive(channel, "سلام، بسته‌ام هنوز نرسیده. کد ۱۲۳۴")
    upset = receive(channel, "به من چه که انبارتون خالیه؟ مشکل خودتونه!", phone="09120000002")
    for message in (clean, upset):
        message.refresh_from_db()
        assert message.abuse == [] and message_masked_text(message) == message.text


def test_agents_replies_and_notes_are_not_screened(tenants, channel):
    conversation = receive(channel).conversation
    reply = services.message_send(conversation=conversation, acting=tenants.agent_a, text="احمق")
    assert message_screen(message=reply) == [] and reply.abuse == []


def test_screening_again_is_idempotent_and_old_style_flags_still_mask(tenants, channel):
    message = receive(channel, "مادرجنده")
    before = list(message.abuse)
    assert message_screen(message=message) == ["insult"]
    message.refresh_from_db()
    assert message.abuse == before
    Message.objects.filter(pk=message.pk).update(abuse=["insult"])  # written without positions
    message.refresh_from_db()
    assert message_masked_text(message) == "***"
    assert masked_text("abcdef", [(1, 3), (2, 4)], mask="#") == "a#ef"


def test_contact_policy_and_abuse_record_in_one_query(tenants, channel, django_assert_num_queries):
    first = receive(channel, "احمق", phone="09121111111")
    receive(channel, "سلام", phone="09121111111")
    services.conversation_status_set(
        conversation=first.conversation, status="resolved", acting=tenants.agent_a
    )
    services.conversation_status_set(conversation=first.conversation, status="closed", acting=tenants.agent_a)
    later = receive(channel, "بی‌شعورها", phone="09121111111")
    assert later.conversation_id != first.conversation_id
    customer = later.conversation.customer
    customer.contact_policy = "فقط با ایمیل تماس بگیرید؛ تماس تلفنی ممنوع."
    customer.save()
    conversation = later.conversation
    with django_assert_num_queries(1):
        policy = contact_policy_for(conversation=conversation)
    assert policy.text == customer.contact_policy and policy.has_policy and policy.shows
    assert policy.abusive_messages == 2
    assert policy.last_abusive_at == later.created_at

    quiet = receive(channel, "سلام", phone="09122222222").conversation
    nothing = contact_policy_for(customer=quiet.customer)
    assert (nothing.text, nothing.abusive_messages, nothing.shows) == ("", 0, False)
    with pytest.raises(TypeError):
        contact_policy_for()
