"""The inbox settings pages, under /w/<slug>/inbox/settings/ (names prefixed ``settings_`` in "inbox")."""

from django.urls import path

from mehvar.conversations import views_settings, views_settings_people, views_settings_rules

people, rules = views_settings_people, views_settings_rules
urlpatterns = [
    path("", views_settings.settings_home, name="settings"),
    path("presence/", views_settings.my_presence, name="my_presence"),
    path("inbox/", views_settings.inbox_settings_edit, name="settings_inbox"),
    path("channels/", views_settings.channels_list, name="settings_channels"),
    path("channels/new/", views_settings.channel_create, name="settings_channel_create"),
    path("channels/<int:channel_id>/", views_settings.channel_edit, name="settings_channel"),
    path("channels/<int:channel_id>/toggle/", views_settings.channel_toggle, name="settings_channel_toggle"),
    path("channels/<int:channel_id>/rotate/", views_settings.channel_rotate, name="settings_channel_rotate"),
    path("teams/", people.teams_list, name="settings_teams"),
    path("teams/<int:team_id>/", people.team_edit, name="settings_team"),
    path("teams/<int:team_id>/delete/", people.team_delete, name="settings_team_delete"),
    path("agents/", people.agents_list, name="settings_agents"),
    path("agents/<int:membership_id>/", people.agent_edit, name="settings_agent"),
    path("agents/<int:membership_id>/presence/", people.agent_presence, name="settings_agent_presence"),
    path("sla/", rules.sla_list, name="settings_sla"),
    path("sla/new/", rules.sla_create, name="settings_sla_create"),
    path("sla/<int:policy_id>/", rules.sla_edit, name="settings_sla_edit"),
    path("sla/<int:policy_id>/delete/", rules.sla_delete, name="settings_sla_delete"),
    path("sla/<int:policy_id>/move/", rules.sla_move, name="settings_sla_move"),
    path("rules/", rules.rules_list, name="settings_rules"),
    path("rules/new/", rules.rule_create, name="settings_rule_create"),
    path("rules/<int:rule_id>/", rules.rule_edit, name="settings_rule_edit"),
    path("rules/<int:rule_id>/delete/", rules.rule_delete, name="settings_rule_delete"),
    path("rules/<int:rule_id>/toggle/", rules.rule_toggle, name="settings_rule_toggle"),
]
