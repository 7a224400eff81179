"""The workspace pages, included under /w/<slug>/ (every view takes ``slug`` through workspace_view)."""

from django.urls import path

from mehvar.core import views

app_name = "workspace"
urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:member_id>/role/", views.member_role, name="member_role"),
    path("members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "members/invitations/<int:invitation_id>/revoke/",
        views.invitation_cancel,
        name="invitation_revoke",
    ),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("audit/", views.audit, name="audit"),
    path("settings/", views.settings, name="settings"),
    path("settings/hours/", views.settings_hours, name="settings_hours"),
    path("settings/days-off/", views.day_off_add, name="day_off_add"),
    path("settings/days-off/<int:day_id>/remove/", views.day_off_remove, name="day_off_remove"),
]
