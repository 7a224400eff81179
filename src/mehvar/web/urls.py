from django.urls import path

from mehvar.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("welcome/", views.no_workspace, name="no_workspace"),
    path("w/<slug:slug>/", views.workspace_home, name="workspace_home"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", views.favicon),
]
