"""The project's URLs with the import/export pages mounted, for tests run before mehvar.customers.urls
includes mehvar.customers.import_urls (harmless after)."""

from django.urls import include, path

from mehvar.config.urls import urlpatterns as project_urlpatterns
from mehvar.customers import import_urls
from mehvar.customers import urls as customer_urls

urlpatterns = [
    path(
        "w/<slug:slug>/customers/",
        include(([*import_urls.urlpatterns, *customer_urls.urlpatterns], "customers")),
    ),
    *project_urlpatterns,
]
