"""The agent inbox: the queues (mine, unassigned, my teams, all, breaching soon, overdue) with filters and
search, and one conversation with its thread and the customer beside it.

Thin views: a form parses the query, selectors read, a template renders. The queue page answers HTMX with its
results fragment (search as you type, live refreshes); the conversation page keeps the queue's query string so
that j/k walk the same queue. The actions on a conversation are in ``views_actions``.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from mehvar.conversations import selectors, thread
from mehvar.conversations.abuse import contact_policy_for
from mehvar.conversations.forms import (
    AssignForm,
    CategoryForm,
    NoteForm,
    PriorityForm,
    QueueForm,
    ReplyForm,
    StatusForm,
    TagsForm,
)
from mehvar.conversations.models import Attachment, CannedReply, Conversation, Status, Team
from mehvar.conversations.services import TRANSITIONS
from mehvar.core import selectors as core_selectors
from mehvar.core.models import Membership
from mehvar.core.roles import Perm, role_has
from mehvar.core.tenancy import get_in_workspace, workspace_view
from mehvar.customers.selectors import customer_profile

# --- Helpers shared by the inbox views --------------------------------------------------------------------


def acting(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def may(request: HttpRequest, perm: Perm) -> bool:
    return role_has(acting(request).role, perm)


def members(request: HttpRequest) -> list[Membership]:
    return list(core_selectors.members_of(workspace=request.workspace))  # type: ignore[attr-defined]


def teams(request: HttpRequest) -> list[Team]:
    return list(selectors.teams_of(workspace=request.workspace))  # type: ignore[attr-defined]


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()
        }
    return {"__all__": list(error.messages)}


def queue_url(request: HttpRequest, query: str = "") -> str:
    url = reverse("inbox:queue", args=[request.workspace.slug])  # type: ignore[attr-defined]
    return f"{url}?{query}" if query else url


def conversation_url(request: HttpRequest, number: int, query: str = "") -> str:
    url = reverse("inbox:conversation", args=[request.workspace.slug, number])  # type: ignore[attr-defined]
    return f"{url}?{query}" if query else url


def _default_queue(request: HttpRequest) -> str:
    return "mine" if may(request, Perm.CONVERSATIONS_REPLY) else "all"


def queue_form(
    request: HttpRequest, data: QueryDict, people: list[Membership], team_list: list[Team] | None = None
) -> QueueForm:
    workspace = request.workspace  # type: ignore[attr-defined]
    return QueueForm(
        data,
        channels=list(selectors.channel_names_of(workspace=workspace)),
        members=selectors.answering_members(people),
        teams=teams(request) if team_list is None else team_list,
        default_queue=_default_queue(request),
    )


def _queue_query(query: QueryDict) -> QueryDict:
    """The queue's query without its page cursor (what links keep)."""
    clean = query.copy()
    clean.pop("cursor", None)
    for key in [k for k, v in clean.items() if v == ""]:
        clean.pop(key)
    return clean


# --- The queue page ---------------------------------------------------------------------------------------


def _rows(request: HttpRequest, form: QueueForm, now: dt.datetime) -> tuple[Any, list[str]]:
    """One page of the queue (with each row's last message), or the errors (put on the form's fields)."""
    if not form.is_valid():
        return None, []
    try:
        rows = selectors.queue_conversations(
            workspace=request.workspace,  # type: ignore[attr-defined]
            membership=acting(request),
            queue=form.cleaned_data["queue"],
            filters=form.filters(),
            q=form.cleaned_data["q"],
            now=now,
        )
        page = selectors.queue_page(
            rows, cursor=form.cleaned_data.get("cursor") or None, queue=form.cleaned_data["queue"]
        )
    except ValidationError as error:
        general = []
        for field, errors in field_errors(error).items():
            if field in form.fields:
                form.add_error(field, errors)
            else:
                general += errors
        return None, general
    return page, []


@workspace_view(Perm.CONVERSATIONS_VIEW)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    now = timezone.now()
    people = selectors.answering_members_of(workspace=workspace)
    form = queue_form(request, request.GET, people)
    page, general_errors = _rows(request, form, now)
    query = _queue_query(request.GET)
    current = form.cleaned_data.get("queue") if form.is_valid() else _default_queue(request)
    next_url = ""
    if page is not None and page.next:
        following = query.copy()
        following["cursor"] = page.next
        next_url = "?" + following.urlencode()
    base = _queue_query(request.GET)
    base.pop("queue", None)
    context = {
        "form": form,
        "page": page,
        "general_errors": general_errors,
        "query_string": query.urlencode(),
        "filter_string": base.urlencode(),
        "next_url": next_url,
        "is_later_page": bool(request.GET.get("cursor")),
        "queues": selectors.QUEUES,
        "current_queue": current,
        "counts": selectors.queue_counts(workspace=workspace, membership=acting(request), now=now),
        "count_cap": selectors.QUEUE_COUNT_CAP,
        "now": now,
        "since": now.isoformat(),
        "may_assign": may(request, Perm.CONVERSATIONS_ASSIGN),
        "may_manage": may(request, Perm.INBOX_MANAGE),
    }
    if is_htmx(request) and request.htmx.target == "queue-results":  # type: ignore[attr-defined]
        return render(request, "conversations/inbox.html#results-and-counts", context)
    return render(request, "conversations/inbox.html", context)


# --- One conversation -------------------------------------------------------------------------------------


def thread_context(
    request: HttpRequest, conversation: Conversation, people: list[Membership], team_list: list[Team]
) -> dict[str, Any]:
    shown = thread.conversation_thread(
        conversation=conversation,
        members={m.pk: m for m in people},
        teams={t.pk: t for t in team_list},
        before=request.GET.get("before") or None,
    )
    return {"thread": shown}


def _customer_panel(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    try:
        profile = customer_profile(workspace=request.workspace, pk=conversation.customer_id)  # type: ignore[attr-defined]
    except Http404:  # merged into another record or erased: the conversation still shows
        profile = None
    return {
        "profile": profile,
        "policy": contact_policy_for(conversation=conversation),
        **thread.customer_recent(conversation=conversation),
    }


def _neighbours(
    request: HttpRequest, conversation: Conversation, people: list[Membership], team_list: list[Team]
) -> dict[str, str]:
    """The previous and next conversation of the queue this page was opened from (j and k)."""
    query = _queue_query(request.GET)
    query.pop("before", None)
    query.pop("canned", None)
    form = queue_form(request, query, people, team_list)
    if not form.is_valid():
        return {}
    try:
        rows = selectors.queue_conversations(
            workspace=request.workspace,  # type: ignore[attr-defined]
            membership=acting(request),
            queue=form.cleaned_data["queue"],
            filters=form.filters(),
            q=form.cleaned_data["q"],
        )
    except ValidationError:
        return {}
    newer, older = selectors.queue_neighbours(rows, conversation, queue=form.cleaned_data["queue"])
    qs = query.urlencode()
    return {
        "previous_url": conversation_url(request, newer.number, qs) if newer else "",
        "next_url": conversation_url(request, older.number, qs) if older else "",
        "back_url": queue_url(request, qs),
        "queue_query": qs,
    }


def action_forms(
    request: HttpRequest, conversation: Conversation, people: list[Membership], team_list: list[Team]
) -> dict[str, Any]:
    answering = selectors.answering_members(people)
    return {
        "reply_form": ReplyForm(initial={"key": new_key()}),
        "note_form": NoteForm(members=people),
        "status_form": StatusForm(initial={"status": conversation.status}),
        "priority_form": PriorityForm(initial={"priority": conversation.priority}),
        "category_form": CategoryForm(initial={"category": conversation.category}),
        "tags_form": TagsForm(initial={"tags": "، ".join(t.name for t in conversation.tags.all())}),
        "assign_form": AssignForm(
            members=answering,
            teams=team_list,
            initial={"assignee": conversation.assignee_id or "", "team": AssignForm.KEEP},
        ),
    }


def new_key() -> str:
    import uuid

    return uuid.uuid4().hex


def conversation_context(
    request: HttpRequest, number: int, *, with_panel: bool = True, with_neighbours: bool = True
) -> dict[str, Any]:
    workspace = request.workspace  # type: ignore[attr-defined]
    me = acting(request)
    conversation = selectors.conversation_get(workspace=workspace, number=number)
    people = members(request)
    team_list = teams(request)
    may_reply = may(request, Perm.CONVERSATIONS_REPLY)
    may_assign_any = may(request, Perm.CONVERSATIONS_ASSIGN)
    context: dict[str, Any] = {
        "conversation": conversation,
        "customer": conversation.customer,
        "now": timezone.now(),
        "since": timezone.now().isoformat(),
        "may_reply": may_reply,
        "may_assign_any": may_assign_any,
        "may_hand_on": may_reply and (may_assign_any or conversation.assignee_id in (None, me.pk)),
        "may_take": may_reply
        and conversation.assignee_id != me.pk
        and (may_assign_any or conversation.assignee_id is None),
        "acting": me,
        "next_statuses": sorted(TRANSITIONS[conversation.status]),
        "can_resolve": Status.RESOLVED in TRANSITIONS[conversation.status],
        "canned_replies": list(selectors.canned_replies_of(workspace=workspace)) if may_reply else [],
        "mentionable": people,
        **thread_context(request, conversation, people, team_list),
        **action_forms(request, conversation, people, team_list),
    }
    if with_panel:
        context.update(_customer_panel(request, conversation))
    if with_neighbours:
        context.update(_neighbours(request, conversation, people, team_list))
    return context


@workspace_view(Perm.CONVERSATIONS_VIEW)
@require_GET
def conversation_detail(request: HttpRequest, number: int) -> HttpResponse:
    context = conversation_context(request, number)
    canned_id = request.GET.get("canned", "")
    if canned_id.isdigit() and context["may_reply"]:  # the canned reply picker without JavaScript
        from mehvar.conversations.templating import render_reply

        reply = CannedReply.objects.filter(workspace=request.workspace, pk=int(canned_id)).first()  # type: ignore[attr-defined]
        if reply is not None:
            text = render_reply(reply.body, conversation=context["conversation"], agent=acting(request))
            context["reply_form"] = ReplyForm(initial={"text": text, "template": reply.pk, "key": new_key()})
    return render(request, "conversations/conversation.html", context)


@workspace_view(Perm.CONVERSATIONS_VIEW)
@require_GET
def conversation_thread(request: HttpRequest, number: int) -> HttpResponse:
    """The thread fragment: the newest messages (live refresh, with the header out of band), or the page
    of earlier ones (``?before=``)."""
    workspace = request.workspace  # type: ignore[attr-defined]
    conversation = selectors.conversation_get(workspace=workspace, number=number)
    if not is_htmx(request):
        return _redirect(conversation_url(request, number))
    people, team_list = members(request), teams(request)
    try:
        context = {
            "conversation": conversation,
            "customer": conversation.customer,
            "now": timezone.now(),
            **thread_context(request, conversation, people, team_list),
        }
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    if request.GET.get("before"):
        return render(request, "conversations/conversation.html#thread-earlier", context)
    return render(request, "conversations/conversation.html#thread-refresh", context)


def _redirect(url: str) -> HttpResponse:
    from django.shortcuts import redirect

    return redirect(url)


@workspace_view(Perm.CONVERSATIONS_VIEW)
@require_GET
def attachment_download(request: HttpRequest, number: int, attachment_id: int) -> HttpResponse:
    """An attachment of a message of this conversation, always as a download (never rendered inline: it
    came from outside)."""
    workspace = request.workspace  # type: ignore[attr-defined]
    attachment = get_in_workspace(
        Attachment.objects.filter(
            message__conversation__number=number, message__conversation__workspace=workspace
        ),
        workspace,
        pk=attachment_id,
    )
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.filename)
    response["Content-Type"] = "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response
