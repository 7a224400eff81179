"""Automation rules: validation that names the field, Persian-normalised conditions, every action, a record
of every run, and loop safety (a rule that adds a tag on tag_added runs once)."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mehvar.conversations import services
from mehvar.conversations.automation_rules import (
    automation_rule_clean,
    automation_rule_delete,
    automation_rule_save,
)
from mehvar.conversations.automations import MAX_DEPTH
from mehvar.conversations.models import (
    AutomationRule,
    CannedReply,
    Conversation,
    Direction,
    Event,
    Priority,
    Team,
)
from mehvar.conversations.tests.logic_support import make_agent, make_channel, receive, tehran
from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.core.text import to_persian_digits
from mehvar.customers.models import CustomField, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def channel(tenants):
    return make_channel(tenants.ws_a, "api")


def rule(workspace, event, conditions, actions, name="", position=0):
    return AutomationRule.objects.create(
        workspace=workspace,
        name=name or f"rule {event}",
        event=event,
        conditions=conditions,
        actions=actions,
        position=position,
    )


def fresh(conversation):
    return Conversation.objects.get(pk=conversation.pk)


def tags_of(conversation):
    return sorted(conversation.tags.values_list("name", flat=True))


def runs(conversation, name):
    return conversation.events.filter(kind=Event.Kind.AUTOMATION, data__name=name).count()


# --- validation -----------------------------------------------------------------------------------------
def test_validation_names_the_field_and_the_part(tenants):
    with pytest.raises(ValidationError) as error:
        automation_rule_clean(
            workspace=tenants.ws_a,
            event="when_ever",
            conditions=[
                {"field": "colour", "op": "eq", "value": "red"},
                {"field": "priority", "op": "contains", "value": "high"},
                {"field": "channel", "op": "eq", "value": "pigeon"},
                {"field": "customer.custom.shoe_size", "op": "eq", "value": "42"},
                {"field": "status", "op": "in", "value": "open"},
            ],
            actions=[
                {"type": "explode"},
                {"type": "assign_team", "value": 999},
                {"type": "add_tag", "value": ""},
            ],
        )
    errors = error.value.message_dict
    assert set(errors) == {"event", "conditions", "actions"}
    assert "when_ever" in errors["event"][0]
    assert errors["conditions"][0].startswith("Condition 1, field:") and "colour" in errors["conditions"][0]
    assert errors["conditions"][1].startswith("Condition 2, operator:")
    assert errors["conditions"][2].startswith("Condition 3, value:") and "pigeon" in errors["conditions"][2]
    assert (
        errors["conditions"][3].startswith("Condition 4, field:") and "shoe_size" in errors["conditions"][3]
    )
    assert errors["conditions"][4].startswith("Condition 5, value:")
    assert errors["actions"][0].startswith("Action 1, type:")
    assert errors["actions"][1].startswith("Action 2, value:") and "team" in errors["actions"][1]
    assert errors["actions"][2].startswith("Action 3, value:")
    with pytest.raises(ValidationError) as error:
        automation_rule_clean(workspace=tenants.ws_a, event="tag_added", conditions="x", actions=[])
    assert set(error.value.message_dict) == {"conditions", "actions"}


def test_names_and_titles_resolve_to_ids_inside_the_workspace(tenants):
    team = Team.objects.create(workspace=tenants.ws_a, name="مالی")
    Team.objects.create(workspace=tenants.ws_b, name="ارسال")
    canned = CannedReply.objects.create(workspace=tenants.ws_a, title="رسید", shortcut="ack", body="سلام")
    CustomField.objects.create(workspace=tenants.ws_a, key="shoe_size", label="سایز", type="text")
    _event, conditions, actions = automation_rule_clean(
        workspace=tenants.ws_a,
        event="message_created",
        conditions=[
            {"field": "text", "op": "contains", "value": ["  فاكتور ", "رسید"]},
            {"field": "priority", "op": "gte", "value": "HIGH"},
            {"field": "customer.custom.shoe_size", "op": "is_set"},
        ],
        actions=[
            {"type": "assign_team", "value": "مالی"},
            {"type": "send_template", "value": "ack"},
            {"type": "notify", "value": [tenants.agent_a.pk], "message": "نگاه کنید"},
        ],
    )
    assert conditions[0]["value"] == ["فاکتور", "رسید"] and conditions[1]["value"] == "high"
    assert [a["value"] for a in actions] == [team.pk, canned.pk, [tenants.agent_a.pk]]
    for foreign in (
        {"type": "assign_team", "value": "ارسال"},
        {"type": "notify", "value": [tenants.outsider_b.pk]},
        {"type": "send_template", "value": "nothing"},
    ):
        with pytest.raises(ValidationError) as error:
            automation_rule_clean(workspace=tenants.ws_a, event="tag_added", conditions=[], actions=[foreign])
        assert "actions" in error.value.message_dict


def test_saving_needs_inbox_manage_and_is_audited(tenants):
    arguments = {
        "workspace": tenants.ws_a,
        "name": "برچسب",
        "event": "message_created",
        "conditions": [],
        "actions": [{"type": "add_tag", "value": "x"}],
    }
    with pytest.raises(PermissionDenied):
        automation_rule_save(acting=tenants.agent_a, **arguments)
    with pytest.raises(PermissionDenied):
        automation_rule_save(acting=tenants.outsider_b, **arguments)
    with pytest.raises(ValidationError) as error:
        automation_rule_save(acting=tenants.by_role[Role.SUPERVISOR], **{**arguments, "name": " "})
    assert list(error.value.message_dict) == ["name"]
    saved = automation_rule_save(acting=tenants.by_role[Role.SUPERVISOR], **arguments)
    automation_rule_save(acting=tenants.owner_a, rule=saved, **{**arguments, "enabled": False})
    saved.refresh_from_db()
    assert not saved.enabled
    actions = list(
        AuditEntry.objects.filter(object_type="conversations.automationrule").values_list("action", flat=True)
    )
    assert actions == ["create", "update"]
    automation_rule_delete(rule=saved, acting=tenants.owner_a)
    assert not AutomationRule.objects.filter(pk=saved.pk).exists()


# --- conditions and actions -----------------------------------------------------------------------------
def test_keywords_match_whatever_the_spelling(tenants, channel):
    rule(
        tenants.ws_a,
        "message_created",
        [{"field": "text", "op": "contains", "value": ["ارسال نشده", "کد ۱۲۳"]}],
        [
            {"type": "add_tag", "value": "پیگیری ارسال"},
            {"type": "set_priority", "value": "high"},
            {"type": "set_category", "value": "ارسال"},
        ],
        name="ارسال",
    )
    zwnj = receive(channel, "سفارشم هنوز ارسال\u200cنشده", phone="09120000001").conversation
    arabic = receive(channel, "كد 123 رو وارد كردم ولي نشد", phone="09120000002").conversation
    other = receive(channel, "ممنون از شما", phone="09120000003").conversation
    for conversation in (zwnj, arabic):
        conversation = fresh(conversation)
        assert tags_of(conversation) == ["پیگیری ارسال"]
        assert conversation.priority == Priority.HIGH and conversation.category == "ارسال"
        event = conversation.events.get(kind=Event.Kind.AUTOMATION)
        assert event.data["name"] == "ارسال" and event.data["event"] == "message_created"
        assert [a["type"] for a in event.data["actions"]] == ["add_tag", "set_priority", "set_category"]
    assert fresh(other).priority == Priority.NORMAL and runs(other, "ارسال") == 0
    assert AutomationRule.objects.get(name="ارسال").runs == 2


def test_channel_and_customer_conditions(tenants, channel):
    telegram = make_channel(tenants.ws_a, "telegram")
    CustomField.objects.create(workspace=tenants.ws_a, key="plan", label="طرح", type="text")
    rule(
        tenants.ws_a,
        "message_created",
        [
            {"field": "channel", "op": "in", "value": ["telegram", "sms"]},
            {"field": "customer.tag", "op": "contains", "value": "VIP"},
            {"field": "customer.lifecycle", "op": "ne", "value": "churned"},
            {"field": "customer.city", "op": "eq", "value": "تهران"},
            {"field": "customer.custom.plan", "op": "eq", "value": "طلايي"},
        ],
        [{"type": "add_tag", "value": "ویژه"}],
        name="vip",
    )
    first = receive(telegram, phone="09120000001")
    customer = first.conversation.customer
    customer.city, customer.custom_fields = "تهران", {"plan": "طلایی"}
    customer.save()
    customer.tags.add(Tag.objects.create(workspace=tenants.ws_a, name="vip", key="vip"))
    second = receive(telegram, phone="09120000001", text="باز هم من")
    assert second.conversation_id == first.conversation_id
    assert runs(first.conversation, "vip") == 1  # not on the first message: no tag, no city yet
    assert tags_of(first.conversation) == ["ویژه"]
    on_api = receive(channel, phone="09120000001").conversation
    assert runs(on_api, "vip") == 0


def test_status_change_notifies_and_template_is_sent_by_the_system(
    tenants, channel, mailoutbox, django_capture_on_commit_callbacks
):
    canned = CannedReply.objects.create(
        workspace=tenants.ws_a, title="نظرسنجی", body="{{ first_name }} عزیز، پرونده #{{ number }} بسته شد."
    )
    rule(
        tenants.ws_a,
        "status_changed",
        [{"field": "status", "op": "eq", "value": "resolved"}],
        [
            {"type": "notify", "value": "assignee", "message": "بسته شد"},
            {"type": "send_template", "value": canned.pk},
        ],
        name="closing",
    )
    conversation = receive(channel).conversation
    services.conversation_assign(conversation=conversation, assignee=tenants.agent_a, acting=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_status_set(conversation=conversation, status="resolved", acting=tenants.agent_a)
    assert [m.to for m in mailoutbox] == [[tenants.agent_a.user.email]]
    assert "closing" in mailoutbox[0].subject and "بسته شد" in mailoutbox[0].body
    sent = conversation.messages.get(template=canned)
    assert sent.direction == Direction.OUTBOUND and sent.author is None
    assert sent.text == f"مریم احمدی عزیز، پرونده #{to_persian_digits(str(conversation.number))} بسته شد."
    assert sent.outbox.purpose == "automation"
    done = fresh(conversation)
    assert done.first_response_at is None and done.replies_count == 0  # nobody's answer


@time_machine.travel(tehran(2025, 6, 15, 10, 0), tick=False)  # within business hours: agents work
def test_assign_team_routes_inside_the_team_and_arrival_routing_keeps_it(tenants, channel):
    make_agent(tenants.ws_a, "Anyone")
    accountant = make_agent(tenants.ws_a, "Accountant")
    team = Team.objects.create(workspace=tenants.ws_a, name="مالی")
    team.members.add(accountant)
    rule(
        tenants.ws_a,
        "message_created",
        [{"field": "text", "op": "contains", "value": "فاکتور"}],
        [{"type": "assign_team", "value": team.pk}],
        name="finance",
    )
    conversation = fresh(receive(channel, "فاكتور خريدم رو بفرستيد").conversation)
    assert conversation.team_id == team.pk and conversation.assignee_id == accountant.pk
    assigned = conversation.events.filter(kind=Event.Kind.ASSIGNED).order_by("pk")
    assert [e.data["assignee"] for e in assigned] == [None, accountant.pk]
    assert assigned[0].data["reason"] == "automation rule “finance”"


def test_a_failing_action_is_recorded_and_the_others_run(tenants):
    phone = make_channel(tenants.ws_a, "phone")
    canned = CannedReply.objects.create(workspace=tenants.ws_a, title="t", body="سلام")
    team = Team.objects.create(workspace=tenants.ws_a, name="حذف‌شده")
    rule(
        tenants.ws_a,
        "message_created",
        [],
        [
            {"type": "send_template", "value": canned.pk},
            {"type": "assign_team", "value": team.pk},
            {"type": "add_tag", "value": "تماس"},
        ],
        name="mixed",
    )
    team.delete()
    conversation = receive(phone).conversation
    done = conversation.events.get(kind=Event.Kind.AUTOMATION).data["actions"]
    assert done[0] == {"type": "send_template", "skipped": "cannot send"}
    assert done[1]["type"] == "assign_team" and done[1]["error"]
    assert tags_of(conversation) == ["تماس"]


def test_the_caller_s_unsaved_change_survives_a_rule(tenants, channel):
    rule(tenants.ws_a, "tag_added", [], [{"type": "set_category", "value": "شکایت"}], name="category")
    conversation = receive(channel).conversation
    services.conversation_update(
        conversation=conversation, acting=tenants.agent_a, priority=Priority.URGENT, tags=["شکایت"]
    )
    done = fresh(conversation)
    assert done.priority == Priority.URGENT and done.category == "شکایت"


# --- loop safety ----------------------------------------------------------------------------------------
def test_a_rule_that_adds_a_tag_on_tag_added_runs_once(tenants, channel):
    rule(tenants.ws_a, "tag_added", [], [{"type": "add_tag", "value": "پیگیری"}], name="follow")
    conversation = receive(channel).conversation
    services.conversation_update(conversation=conversation, acting=tenants.agent_a, tags=["شکایت"])
    assert set(tags_of(conversation)) == {"پیگیری", "شکایت"}
    assert runs(conversation, "follow") == 1
    assert AutomationRule.objects.get(name="follow").runs == 1


def test_rules_that_trigger_each_other_stop(tenants, channel):
    for number in range(MAX_DEPTH + 2):  # tag-0 -> tag-1 -> tag-2 -> ... as a chain of distinct rules
        rule(
            tenants.ws_a,
            "tag_added",
            [{"field": "added_tag", "op": "contains", "value": f"tag-{number}"}],
            [{"type": "add_tag", "value": f"tag-{number + 1}"}],
            name=f"chain {number}",
            position=number,
        )
    rule(tenants.ws_a, "tag_added", [], [{"type": "add_tag", "value": "ping"}], name="ping", position=50)
    rule(tenants.ws_a, "tag_added", [], [{"type": "add_tag", "value": "pong"}], name="pong", position=51)
    conversation = receive(channel).conversation
    services.conversation_update(conversation=conversation, acting=tenants.agent_a, tags=["tag-0"])
    names = set(tags_of(conversation))
    assert {"tag-0", "tag-1", "tag-2", "tag-3", "ping", "pong"} <= names
    assert f"tag-{MAX_DEPTH + 1}" not in names  # the chain stopped at MAX_DEPTH rules deep
    assert conversation.events.filter(kind=Event.Kind.AUTOMATION).count() < 20
