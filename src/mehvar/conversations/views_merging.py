"""Merge this conversation into another (by its ticket number) and split it from a message: the HTMX actions
of the conversation page (the services are in ``merging``).

Success sends the agent to the conversation that now holds the messages (``HX-Redirect`` with HTMX, a plain
redirect without). A refusal comes back on the field: the merge form's ``target`` in the side card, or the
split's ``message`` above the merge box; without JavaScript as a flash message on the same page.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mehvar.conversations import merging, selectors
from mehvar.conversations.models import Conversation, Message
from mehvar.conversations.views_actions import _failed, _fragments
from mehvar.conversations.views_inbox import acting, conversation_url, field_errors, is_htmx
from mehvar.core.forms import PersianIntegerField
from mehvar.core.roles import Perm
from mehvar.core.tenancy import workspace_view


class MergeForm(forms.Form):
    target = PersianIntegerField(label=gettext_lazy("Merge into conversation #"), min_value=1)


class SplitForm(forms.Form):
    message = PersianIntegerField(label=gettext_lazy("Message"), min_value=1)


def _go_to(request: HttpRequest, number: int, notice: str) -> HttpResponse:
    messages.success(request, notice)
    url = conversation_url(request, number)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _errors_into(form: forms.Form, error: ValidationError) -> None:
    for field, errors in field_errors(error).items():
        form.add_error(field if field in form.fields else None, errors)


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def merge(request: HttpRequest, number: int) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    source = selectors.conversation_get(workspace=workspace, number=number)
    form = MergeForm(request.POST)
    target: Conversation | None = None
    if form.is_valid():
        target = Conversation.objects.filter(workspace=workspace, number=form.cleaned_data["target"]).first()
        if target is None:
            form.add_error("target", _("There is no conversation with this number in this workspace."))
    if target is not None and not form.errors:
        try:
            merging.conversation_merge(source=source, target=target, acting=acting(request))
        except ValidationError as error:
            _errors_into(form, error)
    if form.errors:
        return _failed(request, number, "props", "merge_form", form)
    notice = _("Conversation #%(source)s was merged into this one.") % {"source": number}
    return _go_to(request, target.number, notice)  # type: ignore[union-attr]


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def split(request: HttpRequest, number: int) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    conversation = selectors.conversation_get(workspace=workspace, number=number)
    form = SplitForm(request.POST)
    message: Message | None = None
    if form.is_valid():
        message = Message.objects.filter(
            workspace=workspace, conversation=conversation, pk=form.cleaned_data["message"]
        ).first()
        if message is None:
            form.add_error("message", _("This message is not in this conversation."))
    new = None
    if message is not None and not form.errors:
        try:
            new = merging.conversation_split(
                conversation=conversation, from_message=message, acting=acting(request)
            )
        except ValidationError as error:
            _errors_into(form, error)
    if form.errors or new is None:
        if is_htmx(request):
            return _fragments(request, number, "props", {"split_form": form})
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect(conversation_url(request, number))
    notice = _("Split from #%(original)s.") % {"original": number}
    return _go_to(request, new.number, notice)
