"""The URL map: UI under /w/<workspace-slug>/, the API under /api/v1/, health at the root."""

from django.contrib import admin
from django.urls import include, path

from mehvar.config.api import api

admin.site.site_header = admin.site.site_title = "Mehvar"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("mehvar.accounts.urls")),
    path("w/<slug:slug>/", include("mehvar.core.urls")),
    path("", include("mehvar.ops.urls")),
    path("", include("mehvar.web.urls")),
]
