"""The report pages, under /w/<slug>/surveys/reports/ (inside the "surveys" namespace)."""

from django.urls import path

from mehvar.surveys.reports import views

urlpatterns = [
    path("", views.report, name="reports"),
    path("comments/", views.comments, name="report_comments"),
    path("responses/", views.responses, name="report_responses"),
    path("download/", views.download, name="report_download"),
    path("<slug:tab>/", views.report, name="report"),
]
