from django.urls import path

from mehvar.ops import views

app_name = "ops"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("w/<slug:slug>/ops/tasks/", views.failed_tasks, name="failed_tasks"),
    path("ops/mail/", views.mail_list, name="mail"),
    path("ops/mail/<str:name>/", views.mail_detail, name="mail_detail"),
]
