"""The customer's survey pages, under /s/ (namespace "survey_public"); no sign-in."""

from django.urls import path

from mehvar.surveys import views_public

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
]
