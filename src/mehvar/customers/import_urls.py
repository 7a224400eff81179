"""Import and export pages, included by mehvar.customers.urls (namespace "customers", under
/w/<slug>/customers/)."""

from django.urls import path

from mehvar.customers import import_views as views

urlpatterns = [
    path("imports/", views.import_upload, name="import_upload"),
    path("imports/<int:import_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:import_id>/preview/", views.import_preview, name="import_preview"),
    path("imports/<int:import_id>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:import_id>/errors.csv", views.import_errors, name="import_errors"),
    path("export/", views.export, name="export"),
]
