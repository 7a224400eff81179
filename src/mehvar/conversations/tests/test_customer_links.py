"""Conversations follow a Customer 360 merge (and its undo), and the 360 page lists them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mehvar.conversations import services
from mehvar.conversations.models import Conversation, Status
from mehvar.conversations.tests.inbox_helpers import receive, sms_channel
from mehvar.core.roles import Role
from mehvar.customers import merging, panels
from mehvar.customers.models import Merge
from mehvar.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(tenants):
    return sms_channel(tenants.ws_a)


def detail(customer, slug="shop-a"):
    return reverse("customers:detail", args=[slug, customer.pk])


def test_customer_merge_moves_conversations_and_undo_moves_them_back(tenants, channel):
    kept = receive(channel, "از طرف اولی", phone="09121111111").conversation
    folded = [
        receive(channel, "از طرف دومی", phone="09122222222").conversation,
        receive(sms_channel(tenants.ws_a, "دوم"), "باز هم دومی", phone="09122222222").conversation,
    ]
    survivor, merged = kept.customer, folded[0].customer
    merge = merging.customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)
    assert set(Conversation.objects.filter(customer=survivor).values_list("pk", flat=True)) == {
        kept.pk,
        *(c.pk for c in folded),
    }
    assert Merge.objects.get(pk=merge.pk).survivor_before["moved"]["conversations"]["ids"] == sorted(
        c.pk for c in folded
    )
    later = services.conversation_open(
        workspace=tenants.ws_a, channel=channel, customer=survivor, acting=tenants.agent_a
    )
    merging.merge_undo(acting=tenants.owner_a, merge=merge)
    assert set(Conversation.objects.filter(customer=merged).values_list("pk", flat=True)) == {
        c.pk for c in folded
    }
    assert set(Conversation.objects.filter(customer=survivor).values_list("pk", flat=True)) == {
        kept.pk,
        later.pk,  # opened for the survivor after the merge: it stays
    }


def test_merged_customers_next_message_joins_the_survivors_conversation(tenants, channel):
    first = receive(channel, "سلام", phone="09121111111").conversation
    second = receive(channel, "سلام از شماره‌ی دیگر", phone="09122222222").conversation
    merging.customer_merge(acting=tenants.owner_a, survivor=first.customer, merged=second.customer)
    again = receive(channel, "دوباره", phone="09122222222")
    assert again.conversation.customer_id == first.customer_id


def test_360_page_lists_open_conversations_first_with_links(client, tenants, channel):
    old = receive(channel, "قدیمی").conversation
    services.conversation_status_set(conversation=old, status=Status.RESOLVED, acting=tenants.agent_a)
    services.conversation_status_set(conversation=old, status=Status.CLOSED, acting=tenants.agent_a)
    current = receive(channel, "تازه").conversation
    assert current.pk != old.pk
    login(client, tenants.agent_a)
    body = client.get(detail(current.customer)).content.decode()
    panel = body.split('data-testid="conversations-panel"')[1].split("</section>")[0]
    rows = re.findall(r'data-testid="customer-conversation" data-status="(\w+)"', panel)
    assert rows == ["open", "closed"] or rows == ["new", "closed"]
    link = reverse("inbox:conversation", args=["shop-a", current.number])
    assert f'href="{link}"' in panel and 'data-testid="open-count"' in panel
    assert "conversations-placeholder" not in body
    login(client, tenants.by_role[Role.MARKETER])  # may see customers but not conversations
    body = client.get(detail(current.customer)).content.decode()
    assert "conversations-panel" not in body and "conversations-placeholder" not in body


def _queries(client, customer):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(customer)).status_code == 200
    return len(queries)


def test_the_panel_costs_one_query_whatever_the_customer_has(client, tenants, channel, monkeypatch):
    customer = receive(channel, "یک").conversation.customer
    login(client, tenants.agent_a)
    client.get(detail(customer))  # the view audit is written once; measure afterwards
    few = _queries(client, customer)
    for n in range(12):
        services.conversation_open(
            workspace=tenants.ws_a, channel=channel, customer=customer, acting=tenants.agent_a, subject=f"{n}"
        )
    assert _queries(client, customer) == few
    body = client.get(detail(customer)).content.decode()
    assert (
        body.count('data-testid="customer-conversation"') == 8 and 'data-testid="more-conversations"' in body
    )
    others = {slot: panel for slot, panel in panels._PANELS.items() if slot != "conversations"}
    monkeypatch.setattr(panels, "_PANELS", others)
    assert _queries(client, customer) == few - 1
