"""The customer pages, under /w/<slug>/customers/ (namespace "customers")."""

from django.urls import include, path

from mehvar.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_new, name="create"),
    path("bulk/", views.customer_bulk, name="bulk"),
    path("views/", views.saved_view_save, name="view_save"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="view_delete"),
    path("duplicates/", views.duplicates_queue, name="duplicates"),
    path("duplicates/<int:suggestion_id>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path("duplicates/<int:suggestion_id>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
    path("merges/<int:merge_id>/undo/", views.merge_undo, name="merge_undo"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/timeline/", views.customer_timeline, name="timeline"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/notes/", views.note_add, name="note_add"),
    path("<int:customer_id>/calls/", views.call_log, name="call_log"),
    path("<int:customer_id>/tags/", views.tag_add, name="tag_add"),
    path("<int:customer_id>/tags/remove/", views.tag_remove, name="tag_remove"),
    path("<int:customer_id>/rights/", views.rights_acknowledge, name="rights_acknowledge"),
    path("<int:customer_id>/privacy/export/", views.privacy_export, name="privacy_export"),
    path("<int:customer_id>/privacy/erase/", views.privacy_erase, name="privacy_erase"),
    path("", include("mehvar.customers.import_urls")),
]
