"""The backlog page for the CX leader: open conversations by age per team and agent, a list to act on, and
bulk reassignment (select rows, pick an agent and/or a team). Only for ``conversations.assign``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mehvar.api.pagination import keyset_page
from mehvar.conversations import backlog, selectors
from mehvar.conversations.forms import BacklogForm, BulkReassignForm
from mehvar.conversations.views_inbox import acting, field_errors, is_htmx, members, teams
from mehvar.core.roles import Perm
from mehvar.core.tenancy import workspace_view

BACKLOG_PAGE_SIZE = 50


def _backlog_url(request: HttpRequest, query: str = "") -> str:
    url = reverse("inbox:backlog", args=[request.workspace.slug])  # type: ignore[attr-defined]
    return f"{url}?{query}" if query else url


def _context(request: HttpRequest, params: QueryDict, bulk_form: BulkReassignForm | None = None) -> dict:
    workspace = request.workspace  # type: ignore[attr-defined]
    now = timezone.now()
    people = members(request)
    answering = selectors.answering_members(people)
    team_list = teams(request)
    buckets = [(key, label) for key, label, *_rest in backlog.BUCKETS]
    form = BacklogForm(params or None, buckets=buckets, members=answering, teams=team_list)
    sections, totals, grand = backlog.backlog_matrix(
        workspace=workspace,
        teams={t.pk: t for t in team_list},
        members={m.pk: m for m in people},
        now=now,
    )
    page, errors = None, []
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else {}
        try:
            page = keyset_page(
                backlog.backlog_conversations(workspace=workspace, filters=filters, now=now),
                ordering=("created_at", "pk"),
                cursor=params.get("cursor") or None,
                limit=BACKLOG_PAGE_SIZE,
            )
        except ValidationError as error:
            for field, messages_ in field_errors(error).items():
                if field in form.fields:
                    form.add_error(field, messages_)
                else:
                    errors += messages_
    query = params.copy()
    query.pop("cursor", None)
    next_url = ""
    if page is not None and page.next:
        following = query.copy()
        following["cursor"] = page.next
        next_url = "?" + following.urlencode()
    return {
        "form": form,
        "buckets": buckets,
        "sections": sections,
        "totals": totals,
        "grand": grand,
        "page": page,
        "general_errors": errors,
        "next_url": next_url,
        "query_string": query.urlencode(),
        "bulk_form": bulk_form or BulkReassignForm(members=answering, teams=team_list),
        "now": now,
    }


@workspace_view(Perm.CONVERSATIONS_ASSIGN)
@require_GET
def backlog_page(request: HttpRequest) -> HttpResponse:
    context = _context(request, request.GET)
    if is_htmx(request) and request.htmx.target == "backlog-list":  # type: ignore[attr-defined]
        return render(request, "conversations/backlog.html#list", context)
    return render(request, "conversations/backlog.html", context)


@workspace_view(Perm.CONVERSATIONS_ASSIGN)
@require_POST
def backlog_reassign(request: HttpRequest) -> HttpResponse:
    """Reassign the selected conversations, all or none; the page comes back with the new counts."""
    query = request.POST.get("query", "")
    form = BulkReassignForm(
        request.POST, members=selectors.answering_members(members(request)), teams=teams(request)
    )
    if form.is_valid():
        try:
            count = backlog.conversations_reassign(
                acting=acting(request),
                ids=form.cleaned_data["ids"],
                assignee=form.chosen_assignee(),
                team=form.chosen_team(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for field, errors in field_errors(error).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(count)s conversations were reassigned.") % {"count": count})
            if is_htmx(request):
                response = render(
                    request, "conversations/backlog.html#board", _context(request, QueryDict(query))
                )
                return response
            return redirect(_backlog_url(request, query))
    if is_htmx(request):
        context = _context(request, QueryDict(query), bulk_form=form)
        return render(request, "conversations/backlog.html#board", context)
    messages.error(
        request,
        " ".join(
            f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
            for f, errors in form.errors.items()
            for m in errors
        ),
    )
    return redirect(_backlog_url(request, query))
