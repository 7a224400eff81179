"""Setting up the inbox: the canned replies library (list, add, change, delete), for ``inbox.manage``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.conversations import canned, selectors
from mehvar.conversations.forms import CannedReplyForm
from mehvar.conversations.models import CannedReply
from mehvar.conversations.templating import VARIABLES
from mehvar.conversations.views_inbox import acting, field_errors
from mehvar.core.roles import Perm
from mehvar.core.tenancy import get_in_workspace, workspace_view


def _library(request: HttpRequest) -> HttpResponse:
    return redirect("inbox:canned", slug=request.workspace.slug)  # type: ignore[attr-defined]


@workspace_view(Perm.INBOX_MANAGE)
@require_GET
def canned_list(request: HttpRequest) -> HttpResponse:
    replies = list(selectors.canned_replies_of(workspace=request.workspace))  # type: ignore[attr-defined]
    return render(
        request,
        "conversations/canned_list.html",
        {"replies": replies, "variables": VARIABLES, "example": "{{ first_name }}"},
    )


def _save(request: HttpRequest, reply: CannedReply | None) -> HttpResponse:
    form = CannedReplyForm(request.POST or None, instance=reply)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in ("title", "shortcut", "purpose", "body")}
        try:
            if reply is None:
                saved = canned.canned_reply_create(acting=acting(request), **values)
            else:
                saved = canned.canned_reply_update(acting=acting(request), reply=reply, **values)
        except ValidationError as error:
            for field, errors in field_errors(error).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("“%(title)s” was saved.") % {"title": saved.title})
            return _library(request)
    return render(
        request, "conversations/canned_form.html", {"form": form, "reply": reply, "variables": VARIABLES}
    )


@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def canned_create(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@workspace_view(Perm.INBOX_MANAGE)
@require_http_methods(["GET", "POST"])
def canned_edit(request: HttpRequest, reply_id: int) -> HttpResponse:
    return _save(request, get_in_workspace(CannedReply, request.workspace, pk=reply_id))  # type: ignore[attr-defined]


@workspace_view(Perm.INBOX_MANAGE)
@require_POST
def canned_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = get_in_workspace(CannedReply, request.workspace, pk=reply_id)  # type: ignore[attr-defined]
    canned.canned_reply_delete(acting=acting(request), reply=reply)
    messages.success(request, _("“%(title)s” was deleted.") % {"title": reply.title})
    return _library(request)
