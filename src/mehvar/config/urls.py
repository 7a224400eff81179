"""The URL map: UI under /w/<workspace-slug>/, the API under /api/v1/, health at the root."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from mehvar.config.api import api

admin.site.site_header = admin.site.site_title = _("Mehvar administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("mehvar.accounts.urls")),
    path("hooks/", include("mehvar.channels.urls")),
    path("chat/", include("mehvar.channels.webchat.urls")),
    path("s/", include("mehvar.surveys.public_urls")),
    path("w/<slug:slug>/customers/", include("mehvar.customers.urls")),
    path("w/<slug:slug>/inbox/", include("mehvar.conversations.urls")),
    path("w/<slug:slug>/surveys/", include("mehvar.surveys.urls")),
    path("w/<slug:slug>/feedback/", include("mehvar.feedback.urls")),
    path("w/<slug:slug>/", include("mehvar.core.urls")),
    path("", include("mehvar.ops.urls")),
    path("", include("mehvar.web.urls")),
]
