"""The agents' feedback page and the reviews import, under /w/<slug>/feedback/ (namespace "feedback")."""

from django.urls import path

from mehvar.feedback import import_views, views

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_page, name="page"),
    path("try/", views.feedback_try, name="try"),
    path("reviews/import/", import_views.reviews_import, name="reviews_import"),
    path("reviews/import/template.csv", import_views.reviews_import_template, name="reviews_import_template"),
    path("<str:source>/<int:pk>/correct/", views.feedback_correct, name="correct"),
]
