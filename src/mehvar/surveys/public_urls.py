"""The customer's survey pages, under /s/ (namespace "survey_public"); no sign-in."""

from django.urls import path

from mehvar.surveys import views_public, views_pulse

app_name = "survey_public"
urlpatterns = [
    path("<str:key>/", views_public.survey_page, name="page"),
    path("<str:key>/thanks/", views_public.thanks, name="thanks"),
    path("<str:key>/follow-ups/<int:question_id>/", views_public.follow_ups, name="follow_ups"),
    path(
        "<str:key>/a/<int:question_id>/<str:value>/<str:signature>/",
        views_public.one_tap,
        name="one_tap",
    ),
    # eNPS pulses: a member's anonymous survey (views_pulse.py, docs/enps.md).
    path("p/<str:key>/", views_pulse.pulse_page, name="pulse"),
    path("p/<str:key>/thanks/", views_pulse.pulse_thanks, name="pulse_thanks"),
    path("p/<str:key>/follow-ups/<int:question_id>/", views_pulse.pulse_follow_ups, name="pulse_follow_ups"),
]
