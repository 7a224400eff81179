"""The inbox settings pages: who may see each (403 for other roles, 404 for outsiders), connecting and
changing channels through their schema-generated forms (errors beside the right input, secrets never shown
back), teams, agents' profiles and presence (signing off hands conversations over), SLA policies in order,
automation rules and the general settings. Bad input is a field error, never a 500."""

import pytest
from django.urls import reverse

from mehvar.channels.models import Channel, InboundEvent
from mehvar.conversations import services
from mehvar.conversations.models import AgentProfile, AutomationRule, InboxSettings, SlaPolicy, Team
from mehvar.conversations.tests.inbox_helpers import errors_of, receive
from mehvar.core.models import AuditEntry
from mehvar.testing import login

pytestmark = pytest.mark.django_db

API_KEY = "kavenegar-secret-key-123"
BOT_TOKEN = "123456789:AAHsecretsecretsecretsecret12345"


def url(name, *args, slug="shop-a", **query):
    path = reverse(f"inbox:{name}", args=[slug, *args])
    if query:
        from django.utils.http import urlencode

        path += "?" + urlencode(query)
    return path


def sms_data(**overrides):
    data = {
        "kind": "sms",
        "name": "پیامک پشتیبانی",
        "base_url": "https://api.kavenegar.example",
        "api_key": API_KEY,
        "sender": "۱۰۰۰۵۵۵",
        "body_format": "json",
        "receptor_format": "national",
        "max_parts": "۱۰",
        "timeout_seconds": "10",
    }
    data.update(overrides)
    return data


def field_error(html, field):
    return f'id="id_{field}_error"' in html


INBOX_PAGES = [
    "settings",
    "settings_inbox",
    "settings_teams",
    "settings_agents",
    "settings_sla",
    "settings_rules",
]


def test_each_page_renders_for_managers_and_is_refused_to_others(client, tenants):
    channel = Channel.objects.create(workspace=tenants.ws_a, kind="sms", name="خط", config={})
    team = Team.objects.create(workspace=tenants.ws_a, name="فروش")
    policy = SlaPolicy.objects.create(workspace=tenants.ws_a, name="پایه", first_response_minutes=60)
    rule = AutomationRule.objects.create(
        workspace=tenants.ws_a, name="ق", event="message_created", actions=[{"type": "add_tag", "value": "x"}]
    )
    agent = tenants.agent_a
    inbox_pages = [
        *(url(name) for name in INBOX_PAGES),
        url("settings_team", team.pk),
        url("settings_agent", agent.pk),
        url("settings_sla_create"),
        url("settings_sla_edit", policy.pk),
        url("settings_rule_create"),
        url("settings_rule_edit", rule.pk),
    ]
    channel_pages = [
        url("settings_channels"),
        url("settings_channel_create"),
        url("settings_channel_create", kind="email"),
        url("settings_channel", channel.pk),
    ]
    for role in ("owner", "admin", "supervisor"):
        login(client, tenants.by_role[role])
        for page in inbox_pages:
            assert client.get(page).status_code == 200, (role, page)
        for page in channel_pages:
            assert client.get(page).status_code == (403 if role == "supervisor" else 200), (role, page)
    for role in ("agent", "analyst", "marketer"):
        login(client, tenants.by_role[role])
        for page in inbox_pages + channel_pages:
            assert client.get(page).status_code == 403, (role, page)
        assert client.post(url("settings_team_delete", team.pk)).status_code == 403
        assert client.post(url("settings_sla_delete", policy.pk)).status_code == 403
        assert client.post(url("settings_channel_rotate", channel.pk)).status_code == 403
    login(client, tenants.outsider_b)
    for page in inbox_pages + channel_pages:
        assert client.get(page).status_code == 404, page
    for name, pk in [
        ("settings_team_delete", team.pk),
        ("settings_sla_delete", policy.pk),
        ("settings_rule_delete", rule.pk),
        ("settings_channel_rotate", channel.pk),
    ]:
        assert client.post(url(name, pk, slug="shop-b")).status_code == 404
    assert Team.objects.filter(pk=team.pk).exists() and SlaPolicy.objects.filter(pk=policy.pk).exists()
    # The inbox links to the settings for managers only, and to "my presence" for those who answer.
    login(client, tenants.by_role["supervisor"])
    page = client.get(url("queue")).content.decode()
    assert 'data-testid="settings-link"' in page and 'data-testid="presence-link"' in page
    login(client, tenants.agent_a)
    page = client.get(url("queue")).content.decode()
    assert 'data-testid="settings-link"' not in page and 'data-testid="presence-link"' in page
    login(client, tenants.by_role["analyst"])
    assert 'data-testid="presence-link"' not in client.get(url("queue")).content.decode()
    assert client.get(url("my_presence")).status_code == 403


def test_connecting_an_sms_channel_shows_schema_errors_beside_the_input(client, tenants):
    login(client, tenants.owner_a)
    kinds = client.get(url("settings_channel_create")).content.decode()
    assert 'data-kind="sms"' in kinds and 'data-kind="webchat"' in kinds
    form = client.get(url("settings_channel_create", kind="sms")).content.decode()
    assert 'name="fields__receptor"' in form and 'type="password"' in form and 'name="api_key"' in form
    bad = client.post(
        url("settings_channel_create"), sms_data(sender="abc", base_url="not a url", api_key="")
    )
    html = bad.content.decode()
    assert bad.status_code == 200
    assert field_error(html, "sender") and field_error(html, "base_url") and field_error(html, "api_key")
    assert not Channel.objects.filter(workspace=tenants.ws_a).exists()
    wrong_number = client.post(url("settings_channel_create"), sms_data(max_parts="بسیار"))
    assert wrong_number.status_code == 200 and field_error(wrong_number.content.decode(), "max_parts")
    out_of_range = client.post(url("settings_channel_create"), sms_data(max_parts="99"))
    assert field_error(out_of_range.content.decode(), "max_parts")
    assert API_KEY not in out_of_range.content.decode()  # a typed secret is not rendered back either

    good = client.post(url("settings_channel_create"), sms_data())
    channel = Channel.objects.get(workspace=tenants.ws_a)
    assert good.status_code == 302 and good["Location"] == url("settings_channel", channel.pk)
    assert channel.config["api_key"] == API_KEY and channel.config["sender"] == "1000555"
    assert channel.config["fields"]["receptor"] == "receptor" and channel.config["max_parts"] == 10
    assert channel.config["transient_codes"] == [409, 414]  # left empty: the schema's default
    detail = client.get(url("settings_channel", channel.pk)).content.decode()
    assert API_KEY not in detail
    assert f"/hooks/sms/{channel.pk}/" in detail and channel.secret in detail  # managers see the secret

    # Editing: the key left empty (or "••••") stays; another setting changes.
    response = client.post(
        url("settings_channel", channel.pk), sms_data(api_key="", sender="2000", **{"fields__receptor": "to"})
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.config["api_key"] == API_KEY and channel.config["sender"] == "2000"
    assert channel.config["fields"]["receptor"] == "to"
    client.post(url("settings_channel", channel.pk), sms_data(api_key="••••"))
    channel.refresh_from_db()
    assert channel.config["api_key"] == API_KEY
    duplicate = client.post(url("settings_channel_create"), sms_data())
    assert field_error(duplicate.content.decode(), "name")
    audit = AuditEntry.objects.filter(workspace=tenants.ws_a, object_type="channels.channel")
    assert audit.count() >= 2 and all(API_KEY not in str(entry.after) for entry in audit)


def test_channel_list_toggle_rotate_and_webchat_embed(client, tenants):
    login(client, tenants.owner_a)
    channel = Channel.objects.create(
        workspace=tenants.ws_a, kind="telegram", name="بات", config={"bot_token": BOT_TOKEN}
    )
    InboundEvent.objects.create(workspace=tenants.ws_a, channel=channel, body=b"{}", status="failed")
    listing = client.get(url("settings_channels")).content.decode()
    assert f"/hooks/telegram/{channel.pk}/" in listing and BOT_TOKEN not in listing
    assert 'badge-danger">۱<' in listing
    edit = client.get(url("settings_channel", channel.pk)).content.decode()
    assert BOT_TOKEN not in edit
    client.post(url("settings_channel_toggle", channel.pk))
    channel.refresh_from_db()
    assert channel.enabled is False
    old = channel.secret
    response = client.post(url("settings_channel_rotate", channel.pk), follow=True)
    channel.refresh_from_db()
    html = response.content.decode()
    assert channel.secret != old and 'data-testid="new-secret"' in html and channel.secret in html
    again = client.get(url("settings_channel", channel.pk)).content.decode()
    assert 'data-testid="new-secret"' not in again  # shown once, prominently
    assert AuditEntry.objects.filter(object_type="channels.channel", after__secret_rotated=True).exists()

    client.post(
        url("settings_channel_create"),
        {
            "kind": "webchat",
            "name": "گفتگو",
            "allowed_origins": "https://shop.example\nHTTPS://Blog.Example/",
        },
    )
    webchat = Channel.objects.get(workspace=tenants.ws_a, kind="webchat")
    assert webchat.config["allowed_origins"] == ["https://shop.example", "https://blog.example"]
    from mehvar.channels.webchat.visitors import public_id

    page = client.get(url("settings_channel", webchat.pk)).content.decode()
    assert f'data-channel="{public_id(webchat)}"' in page and "webchat/widget.js" in page
    bad = client.post(
        url("settings_channel", webchat.pk),
        {"kind": "webchat", "name": "گفتگو", "allowed_origins": "shop", "color": "red"},
    )
    html = bad.content.decode()
    assert field_error(html, "allowed_origins") and field_error(html, "color")


def test_teams_are_created_renamed_staffed_and_deleted(client, tenants):
    supervisor, agent = tenants.by_role["supervisor"], tenants.agent_a
    login(client, supervisor)
    assert field_error(client.post(url("settings_teams"), {"name": ""}).content.decode(), "name")
    client.post(url("settings_teams"), {"name": "فروش", "members": [agent.pk], "supervisor": supervisor.pk})
    team = Team.objects.get(workspace=tenants.ws_a, name="فروش")
    assert list(team.members.all()) == [agent] and team.supervisor == supervisor
    foreign = client.post(url("settings_teams"), {"name": "ب", "members": [tenants.outsider_b.pk]})
    assert field_error(foreign.content.decode(), "members")
    Team.objects.create(workspace=tenants.ws_a, name="پشتیبانی")
    taken = client.post(url("settings_team", team.pk), {"name": "پشتیبانی"})
    assert field_error(taken.content.decode(), "name")
    client.post(url("settings_team", team.pk), {"name": "فروش آنلاین", "members": [agent.pk, supervisor.pk]})
    team.refresh_from_db()
    assert team.name == "فروش آنلاین" and team.members.count() == 2 and team.supervisor is None
    assert "فروش آنلاین" in client.get(url("settings_teams")).content.decode()
    client.post(url("settings_team_delete", team.pk))
    assert not Team.objects.filter(pk=team.pk).exists()
    actions = set(
        AuditEntry.objects.filter(object_type="conversations.team").values_list("action", flat=True)
    )
    assert {"create", "update", "delete"} <= actions


def test_agent_profiles_are_made_on_first_edit_with_persian_digits(client, tenants):
    agent = tenants.agent_a
    login(client, tenants.by_role["supervisor"])
    assert not AgentProfile.objects.filter(membership=agent).exists()
    data = {
        "capacity": "۱۲",
        "skills": "مرجوعی، ارسال",
        "languages": "FA, en",
        "channels": ["sms", "email"],
        "senior": "on",
        "shift_0_start": "۰۸:۰۰",
        "shift_0_end": "۱۶:۳۰",
        "shift_5_start": "22:00",
        "shift_5_end": "06:00",
    }
    assert client.post(url("settings_agent", agent.pk), data).status_code == 302
    profile = AgentProfile.objects.get(membership=agent)
    assert (
        profile.capacity == 12 and profile.skills == ["مرجوعی", "ارسال"] and profile.languages == ["fa", "en"]
    )
    assert profile.channels == ["sms", "email"] and profile.senior
    assert profile.shift == {"0": ["08:00", "16:30"], "5": ["22:00", "06:00"]}
    page = client.get(url("settings_agent", agent.pk)).content.decode()
    assert "مرجوعی" in page and "16:30" in page
    for bad, field in [
        ({"capacity": "۰"}, "capacity"),
        ({"capacity": "هشت"}, "capacity"),
        ({"shift_1_start": "25:00", "shift_1_end": "10:00"}, "shift_1_start"),
        ({"shift_2_start": "09:00"}, "shift_2_start"),
        ({"channels": ["fax"]}, "channels"),
    ]:
        response = client.post(url("settings_agent", agent.pk), {**data, **bad})
        assert response.status_code == 200 and field_error(response.content.decode(), field), (
            bad,
            errors_of(response.content.decode()),
        )
    profile.refresh_from_db()
    assert profile.capacity == 12
    # Marketers do not answer customers: no profile page for them.
    assert client.get(url("settings_agent", tenants.by_role["marketer"].pk)).status_code == 404


def test_signing_an_agent_off_hands_their_conversations_over(client, tenants):
    from mehvar.conversations.tests.inbox_helpers import sms_channel

    channel = sms_channel(tenants.ws_a)
    InboxSettings.objects.filter(workspace=tenants.ws_a).update(auto_assign=True)
    agent, supervisor = tenants.agent_a, tenants.by_role["supervisor"]
    everyday = {str(day): ["00:00", "24:00"] for day in range(7)}
    for member in (agent, supervisor):
        AgentProfile.objects.create(
            workspace=tenants.ws_a, membership=member, presence="online", shift=everyday, capacity=5
        )
    conversation = receive(channel, phone="09121110000").conversation
    services.conversation_assign(conversation=conversation, assignee=agent, acting=supervisor)
    # An agent signs themself off on "my presence": the conversation goes to the colleague online.
    login(client, agent)
    page = client.get(url("my_presence")).content.decode()
    assert 'data-presence="offline"' in page
    client.post(url("my_presence"), {"presence": "offline"})
    conversation.refresh_from_db()
    assert AgentProfile.objects.get(membership=agent).presence == "offline"
    assert conversation.assignee == supervisor and "agent الف" in conversation.assignment_reason
    assert client.post(url("my_presence"), {"presence": "asleep"}).status_code == 200
    # A supervisor signs someone off from the agents page.
    client.post(url("my_presence"), {"presence": "online"})
    services.conversation_assign(conversation=conversation, assignee=agent, acting=supervisor)
    login(client, supervisor)
    assert "agent الف" in client.get(url("settings_agents")).content.decode()
    client.post(url("settings_agent_presence", agent.pk), {"presence": "offline"})
    conversation.refresh_from_db()
    assert conversation.assignee == supervisor
    login(client, agent)
    assert (
        client.post(url("settings_agent_presence", supervisor.pk), {"presence": "offline"}).status_code == 403
    )


def test_sla_policies_are_added_edited_ordered_and_deleted(client, tenants):
    login(client, tenants.by_role["admin"])
    data = {
        "name": "VIP",
        "enabled": "on",
        "priority": "high",
        "customer_tag": "vip",
        "first_response_minutes": "۳۰",
        "resolution_minutes": "480",
        "warn_percent": "80",
    }
    client.post(
        url("settings_sla_create"),
        {**data, "name": "پایه", "priority": "", "customer_tag": "", "first_response_minutes": "90"},
    )
    client.post(url("settings_sla_create"), data)
    base, vip = SlaPolicy.objects.filter(workspace=tenants.ws_a).order_by("position")
    assert (base.name, vip.name) == ("پایه", "VIP") and vip.first_response_minutes == 30
    listing = client.get(url("settings_sla")).content.decode()
    assert "۱٫۵" in listing or "۱.۵" in listing  # 90 business minutes shown as 1.5 hours too
    client.post(url("settings_sla_move", vip.pk), {"to": "up"})
    assert list(
        SlaPolicy.objects.filter(workspace=tenants.ws_a).order_by("position").values_list("name", flat=True)
    ) == ["VIP", "پایه"]
    for bad, field in [
        ({"first_response_minutes": ""}, "first_response_minutes"),
        ({"first_response_minutes": "-5"}, "first_response_minutes"),
        ({"resolution_minutes": "یک"}, "resolution_minutes"),
        ({"warn_percent": "150"}, "warn_percent"),
        ({"priority": "bribe"}, "priority"),
        ({"name": ""}, "name"),
    ]:
        response = client.post(url("settings_sla_edit", vip.pk), {**data, **bad})
        assert response.status_code == 200 and field_error(response.content.decode(), field), bad
    client.post(url("settings_sla_edit", vip.pk), {**data, "enabled": "", "next_response_minutes": "60"})
    vip.refresh_from_db()
    assert not vip.enabled and vip.next_response_minutes == 60
    client.post(url("settings_sla_delete", base.pk))
    assert not SlaPolicy.objects.filter(pk=base.pk).exists()
    assert AuditEntry.objects.filter(object_type="conversations.slapolicy", action="delete").exists()


def test_automation_rules_are_saved_with_per_item_errors(client, tenants):
    team = Team.objects.create(workspace=tenants.ws_a, name="مرجوعی")
    login(client, tenants.by_role["supervisor"])
    data = {
        "name": "مرجوعی‌ها",
        "event": "message_created",
        "enabled": "on",
        "position": "۰",
        "c0_field": "text",
        "c0_op": "contains",
        "c0_value": "مرجوع، پس بدم",
        "c1_field": "channel",
        "c1_op": "eq",
        "c1_value": "sms",
        "a0_type": "add_tag",
        "a0_value": "مرجوعی",
        "a1_type": "assign_team",
        "a1_value": "مرجوعی",
        "a2_type": "notify",
        "a2_value": "supervisors",
        "a2_message": "یک مرجوعی تازه",
    }
    assert client.post(url("settings_rule_create"), data).status_code == 302
    rule = AutomationRule.objects.get(workspace=tenants.ws_a)
    assert rule.conditions == [
        {"field": "text", "op": "contains", "value": ["مرجوع", "پس بدم"]},
        {"field": "channel", "op": "eq", "value": "sms"},
    ]
    assert (
        rule.actions[1] == {"type": "assign_team", "value": team.pk} and rule.created_by.role == "supervisor"
    )
    form = client.get(url("settings_rule_edit", rule.pk)).content.decode()
    assert "پس بدم" in form and "یک مرجوعی تازه" in form
    bad = client.post(
        url("settings_rule_edit", rule.pk),
        {**data, "c1_op": "contains", "a1_value": "تیم ناموجود", "name": ""},
    )
    html = bad.content.decode()
    assert bad.status_code == 200 and field_error(html, "name")
    item_errors = " ".join(errors_of(html))
    assert field_error(html, "conditions") and field_error(html, "actions")
    assert "contains" in item_errors and "تیم ناموجود" not in item_errors  # the operator is named
    assert item_errors.count("2") + item_errors.count("۲") >= 2  # condition 2 and action 2
    none = client.post(
        url("settings_rule_edit", rule.pk),
        {**data, "a0_type": "", "a0_value": "", "a1_type": "", "a1_value": "", "a2_type": "", "a2_value": ""},
    )
    assert field_error(none.content.decode(), "actions")
    rule.refresh_from_db()
    assert rule.name == "مرجوعی‌ها" and len(rule.actions) == 3
    client.post(url("settings_rule_toggle", rule.pk))
    rule.refresh_from_db()
    assert rule.enabled is False
    assert "مرجوعی‌ها" in client.get(url("settings_rules")).content.decode()
    client.post(url("settings_rule_delete", rule.pk))
    assert not AutomationRule.objects.filter(pk=rule.pk).exists()


def test_general_inbox_settings(client, tenants):
    login(client, tenants.owner_a)
    data = {"reopen_days": "۱۴", "attachment_max_mb": "10", "notify_on_resolve": "on"}
    assert client.post(url("settings_inbox"), data).status_code == 302
    settings = services.inbox_settings(tenants.ws_a)
    assert (
        settings.reopen_days,
        settings.auto_assign,
        settings.attachment_max_mb,
        settings.notify_on_resolve,
    ) == (14, False, 10, True)
    for bad, field in [
        ({"reopen_days": "400"}, "reopen_days"),
        ({"attachment_max_mb": "0"}, "attachment_max_mb"),
        ({"reopen_days": "یک هفته"}, "reopen_days"),
    ]:
        response = client.post(url("settings_inbox"), {**data, **bad})
        assert response.status_code == 200 and field_error(response.content.decode(), field), bad
    assert AuditEntry.objects.filter(object_type="conversations.inboxsettings", action="update").count() == 1
