"""What an agent does on a conversation, through HTMX without a reload: reply (with a canned reply and a tone
check before sending), note with @mentions, status, priority, category, tags and assignment.

Each action parses a form and calls one service. With HTMX the answer is the changed fragment: the side card
of properties (or the composer) in place, and the header and thread out of band; a service's error (an
invalid status transition, say) comes back on the form's field. Without JavaScript the forms post normally
and the page is shown again with a flash message, so nothing depends on scripts.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mehvar.channels.models import OutboxMessage
from mehvar.conversations import selectors, services
from mehvar.conversations.forms import (
    AssignForm,
    CategoryForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TagsForm,
)
from mehvar.conversations.models import CannedReply, Conversation
from mehvar.conversations.templating import render_reply
from mehvar.conversations.views_inbox import (
    acting,
    conversation_context,
    conversation_url,
    field_errors,
    is_htmx,
    members,
    new_key,
    teams,
)
from mehvar.core.roles import Perm
from mehvar.core.tenancy import workspace_view


def _conversation(request: HttpRequest, number: int) -> Conversation:
    return selectors.conversation_get(workspace=request.workspace, number=number)  # type: ignore[attr-defined]


def _form_errors(form: Any, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    for field, errors in field_errors(error).items():
        name = (rename or {}).get(field, field)
        form.add_error(name if name in form.fields else None, errors)


def _flash_errors(request: HttpRequest, form: Any) -> None:
    messages.error(
        request,
        " ".join(
            f"{form.fields[name].label}: {m}" if name in form.fields and form.fields[name].label else m
            for name, errors in form.errors.items()
            for m in errors
        ),
    )


def _fragments(request: HttpRequest, number: int, target: str, overrides: dict[str, Any]) -> HttpResponse:
    """The target fragment (with any bound forms and notices in ``overrides``), then the header, thread and
    the other fragment out of band."""
    context = conversation_context(request, number, with_panel=False, with_neighbours=False)
    context.update(overrides)
    parts = [render(request, f"conversations/conversation.html#{target}", context).content.decode()]
    context["oob"] = True
    others = ["header", "thread"] + (["props"] if target == "composer" else [])
    parts += [
        render(request, f"conversations/conversation.html#{name}", context).content.decode()
        for name in others
    ]
    return HttpResponse("".join(parts))


def _done(request: HttpRequest, number: int, target: str, notice: str) -> HttpResponse:
    if is_htmx(request):
        return _fragments(request, number, target, {"notice": notice})
    messages.success(request, notice)
    return redirect(conversation_url(request, number))


def _focused(form: Any) -> Any:
    """The form with the cursor back in its text box once HTMX has swapped it in (so that the next keys
    are typed, not taken as shortcuts)."""
    if "text" in form.fields:
        form.fields["text"].widget.attrs["autofocus"] = True
    return form


def _failed(request: HttpRequest, number: int, target: str, form_name: str, form: Any) -> HttpResponse:
    if is_htmx(request):
        return _fragments(request, number, target, {form_name: _focused(form)})
    _flash_errors(request, form)
    return redirect(conversation_url(request, number))


# --- Reply and note ---------------------------------------------------------------------------------------


def tone_problems(text: str) -> list[str]:
    """What the tone check (``conversations.tone``) finds in a reply: «Insult: “…”», one line each."""
    from mehvar.conversations.tone import reply_tone_check

    shown = []
    for finding in reply_tone_check(text):
        line = _("%(problem)s: “%(words)s”") % {"problem": finding.label, "words": finding.excerpt}
        if line not in shown:
            shown.append(line)
    return shown


def _already_sent(conversation: Conversation, key: str) -> bool:
    return (
        bool(key)
        and OutboxMessage.objects.filter(
            workspace_id=conversation.workspace_id, idempotency_key=f"reply:{conversation.pk}:{key}"
        ).exists()
    )


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    """Send a reply; a reply the tone check objects to comes back with the problems and "send anyway"."""
    conversation = _conversation(request, number)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _failed(request, number, "composer", "reply_form", form)
    data = form.cleaned_data
    key = data.get("key") or new_key()
    if _already_sent(conversation, key):  # the same form sent twice (a double click, a retry)
        return _done(request, number, "composer", _("The reply was sent."))
    problems = [] if data.get("send_anyway") else tone_problems(data["text"])
    if problems:
        if not is_htmx(request):
            messages.warning(
                request, _("Check the tone of this reply: %(problems)s") % {"problems": "، ".join(problems)}
            )
            return redirect(conversation_url(request, number))
        return _fragments(
            request,
            number,
            "composer",
            {"reply_form": _focused(ReplyForm(initial={**data, "key": key})), "tone_problems": problems},
        )
    template = None
    if data.get("template"):
        template = CannedReply.objects.filter(workspace=request.workspace, pk=data["template"]).first()  # type: ignore[attr-defined]
    try:
        services.message_send(
            conversation=conversation,
            acting=acting(request),
            text=data["text"],
            status=data.get("then") or "",
            template=template,
            idempotency_key=f"reply:{conversation.pk}:{key}",
        )
    except ValidationError as error:
        _form_errors(form, error, {"status": "then"})
        return _failed(request, number, "composer", "reply_form", form)
    except IntegrityError:  # sent meanwhile under the same key by a concurrent request
        pass
    return _done(request, number, "composer", _("The reply was sent."))


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def note(request: HttpRequest, number: int) -> HttpResponse:
    conversation = _conversation(request, number)
    form = NoteForm(request.POST, members=members(request))
    if form.is_valid():
        try:
            services.note_add(
                conversation=conversation,
                acting=acting(request),
                text=form.cleaned_data["text"],
                mentions=form.mentioned(),
            )
        except ValidationError as error:
            _form_errors(form, error)
    if form.errors:
        return _failed(request, number, "composer", "note_form", form)
    return _done(request, number, "composer", _("The note was added."))


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_GET
def canned_insert(request: HttpRequest, number: int) -> HttpResponse:
    """The reply box with a canned reply, personalised for this customer, added to what was written."""
    conversation = _conversation(request, number)
    chosen = request.GET.get("canned", "")
    reply_obj = (
        CannedReply.objects.filter(workspace=request.workspace, pk=int(chosen)).first()  # type: ignore[attr-defined]
        if chosen.isdigit()
        else None
    )
    if not is_htmx(request):
        suffix = f"canned={reply_obj.pk}" if reply_obj else ""
        return redirect(conversation_url(request, number, suffix))
    written = (request.GET.get("text") or "").rstrip()
    text, template = written, request.GET.get("template") or ""
    if reply_obj is not None:
        rendered = render_reply(reply_obj.body, conversation=conversation, agent=acting(request))
        text = f"{written}\n\n{rendered}" if written else rendered
        template = str(reply_obj.pk)
    form = ReplyForm(initial={"text": text, "template": template})
    return render(request, "conversations/conversation.html#reply-text", {"reply_form": form})


# --- Properties -------------------------------------------------------------------------------------------


def _props_action(
    request: HttpRequest, number: int, form_name: str, form: Any, apply: Any, notice: str
) -> HttpResponse:
    """Validate ``form``, call ``apply(conversation, cleaned_data)`` (one service), answer with the card."""
    conversation = _conversation(request, number)
    if form.is_valid():
        try:
            apply(conversation, form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
    if form.errors:
        return _failed(request, number, "props", form_name, form)
    return _done(request, number, "props", notice)


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def status_set(request: HttpRequest, number: int) -> HttpResponse:
    def apply(conversation: Conversation, data: dict) -> None:
        services.conversation_status_set(
            conversation=conversation, status=data["status"], acting=acting(request)
        )

    return _props_action(
        request, number, "status_form", StatusForm(request.POST), apply, _("The status was changed.")
    )


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def priority_set(request: HttpRequest, number: int) -> HttpResponse:
    def apply(conversation: Conversation, data: dict) -> None:
        services.conversation_update(
            conversation=conversation, acting=acting(request), priority=data["priority"]
        )

    return _props_action(
        request, number, "priority_form", PriorityForm(request.POST), apply, _("The priority was changed.")
    )


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def category_set(request: HttpRequest, number: int) -> HttpResponse:
    def apply(conversation: Conversation, data: dict) -> None:
        services.conversation_update(
            conversation=conversation, acting=acting(request), category=data["category"]
        )

    return _props_action(
        request, number, "category_form", CategoryForm(request.POST), apply, _("The category was changed.")
    )


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def tags_set(request: HttpRequest, number: int) -> HttpResponse:
    form = TagsForm(request.POST)

    def apply(conversation: Conversation, data: dict) -> None:
        services.conversation_update(conversation=conversation, acting=acting(request), tags=form.names())

    return _props_action(request, number, "tags_form", form, apply, _("The tags were saved."))


@workspace_view(Perm.CONVERSATIONS_REPLY)
@require_POST
def assign(request: HttpRequest, number: int) -> HttpResponse:
    """Assign: "to me" for anyone who answers, anyone to anyone for supervisors (the service decides: an
    agent moving a colleague's conversation gets 403)."""
    me = acting(request)
    form = AssignForm(
        request.POST, members=selectors.answering_members(members(request)), teams=teams(request)
    )
    to_me = request.POST.get("to_me") == "1"

    def apply(conversation: Conversation, data: dict) -> None:
        if to_me:
            services.conversation_assign(
                conversation=conversation, assignee=me, acting=me, reason=_("Took it from the inbox")
            )
            return
        services.conversation_assign(
            conversation=conversation,
            assignee=form.chosen_assignee(),
            acting=me,
            team=form.chosen_team(),
            reason=data.get("reason")
            or _("Assigned by %(name)s") % {"name": me.user.get_full_name() or me.user.email},
        )

    notice = _("The conversation is yours.") if to_me else _("The assignment was changed.")
    return _props_action(request, number, "assign_form", form, apply, notice)
