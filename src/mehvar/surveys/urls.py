"""The staff's survey pages, under /w/<slug>/surveys/ (namespace "surveys")."""

from django.urls import include, path

from mehvar.surveys import views_import, views_pulse, views_staff

app_name = "surveys"
urlpatterns = [
    path("", views_staff.survey_list, name="list"),
    path("new/", views_staff.survey_create, name="create"),
    path("settings/", views_staff.survey_settings, name="settings"),
    path("reports/", include("mehvar.surveys.reports.urls")),
    path("recovery/", views_staff.recovery_list, name="recovery"),
    path("recovery/<int:task_id>/close/", views_staff.recovery_close, name="recovery_close"),
    path("<int:survey_id>/", views_staff.survey_edit, name="edit"),
    path("<int:survey_id>/import/", views_import.responses_import, name="import"),
    path(
        "<int:survey_id>/import/template.csv",
        views_import.responses_import_template,
        name="import_template",
    ),
    path("<int:survey_id>/questions/", views_staff.question_add, name="question_add"),
    path("<int:survey_id>/questions/<int:question_id>/", views_staff.question_edit, name="question_edit"),
    path(
        "<int:survey_id>/questions/<int:question_id>/remove/",
        views_staff.question_remove,
        name="question_remove",
    ),
    path(
        "<int:survey_id>/questions/<int:question_id>/move/", views_staff.question_move, name="question_move"
    ),
    path("<int:survey_id>/pulse/", views_pulse.pulse_results, name="pulse"),
    path("<int:survey_id>/pulse/send/", views_pulse.pulse_send, name="pulse_send"),
    path("<int:survey_id>/pulse/close/", views_pulse.pulse_close, name="pulse_close"),
]
