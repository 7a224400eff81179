"""The inbox pages, under /w/<slug>/inbox/ (namespace "inbox")."""

from django.urls import include, path

from mehvar.conversations import (
    live,
    views_actions,
    views_backlog,
    views_inbox,
    views_merging,
    views_setup,
)

app_name = "inbox"
urlpatterns = [
    path("", views_inbox.queue, name="queue"),
    path("live/", live.stream, name="live"),
    path("live/poll/", live.poll, name="live_poll"),
    path("backlog/", views_backlog.backlog_page, name="backlog"),
    path("backlog/reassign/", views_backlog.backlog_reassign, name="backlog_reassign"),
    path("settings/", include("mehvar.conversations.urls_settings")),
    path("canned/", views_setup.canned_list, name="canned"),
    path("canned/new/", views_setup.canned_create, name="canned_create"),
    path("canned/<int:reply_id>/", views_setup.canned_edit, name="canned_edit"),
    path("canned/<int:reply_id>/delete/", views_setup.canned_delete, name="canned_delete"),
    path("<int:number>/", views_inbox.conversation_detail, name="conversation"),
    path("<int:number>/thread/", views_inbox.conversation_thread, name="thread"),
    path("<int:number>/attachments/<int:attachment_id>/", views_inbox.attachment_download, name="attachment"),
    path("<int:number>/reply/", views_actions.reply, name="reply"),
    path("<int:number>/reply/canned/", views_actions.canned_insert, name="canned_insert"),
    path("<int:number>/note/", views_actions.note, name="note"),
    path("<int:number>/status/", views_actions.status_set, name="status"),
    path("<int:number>/priority/", views_actions.priority_set, name="priority"),
    path("<int:number>/category/", views_actions.category_set, name="category"),
    path("<int:number>/tags/", views_actions.tags_set, name="tags"),
    path("<int:number>/assign/", views_actions.assign, name="assign"),
    path("<int:number>/merge/", views_merging.merge, name="merge"),
    path("<int:number>/split/", views_merging.split, name="split"),
]
