"""The agents' feedback page, under /w/<slug>/feedback/ (namespace "feedback")."""

from django.urls import path

from mehvar.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.feedback_page, name="page"),
    path("try/", views.feedback_try, name="try"),
    path("<str:source>/<int:pk>/correct/", views.feedback_correct, name="correct"),
]
