from django.urls import path

from mehvar.channels.webchat import views

app_name = "webchat"
urlpatterns = [
    path("demo-site/", views.demo_site, name="demo_site"),
    path("<slug:public_id>/session/", views.session, name="session"),
    path("<slug:public_id>/messages/", views.messages, name="messages"),
    path("<slug:public_id>/preview/", views.preview, name="preview"),
]
