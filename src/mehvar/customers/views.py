"""The customer pages: the list (search, filters, saved views, bulk actions), the Customer 360 page with its
timeline and quick actions, the duplicates review queue, merge undo and the privacy actions.

Thin views: a form parses, one service or selector works, a template renders. Quick actions answer HTMX
with the changed fragment and plain form posts with a redirect, so every page works without JavaScript.
Opening a customer's page is recorded in the audit log as "viewed personal data", at most once per member,
customer and hour (``VIEW_AUDIT_EVERY``), so that the log says who looked without repeating every reload.
"""

import contextlib
import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.api.pagination import keyset_page
from mehvar.core import selectors as core_selectors
from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm, role_has
from mehvar.core.tenancy import get_in_workspace, workspace_view
from mehvar.customers import (
    bulk_actions,
    duplicates,
    merging,
    panels,
    privacy,
    saved_views,
    search,
    services,
    timeline,
)
from mehvar.customers.exporting import filters_from_query
from mehvar.customers.forms import (
    CUSTOM_PREFIX,
    BulkForm,
    CallForm,
    FilterForm,
    MergeForm,
    NoteForm,
    ProfileForm,
    SavedViewForm,
    TagForm,
    TimelineFilterForm,
    workspace_custom_fields,
)
from mehvar.customers.models import ConsentChannel, Customer, CustomField, DuplicateSuggestion, Merge, Tag
from mehvar.customers.notes import CallOutcome
from mehvar.customers.selectors import customer_profile

LIST_PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 20
DUPLICATES_PAGE_SIZE = 20
MERGES_SHOWN = 20
VIEW_AUDIT_EVERY = dt.timedelta(hours=1)
KNOWN_ICONS = {"chat", "megaphone", "people", "list", "user", "check", "clock", "calendar", "alert", "info"}
KIND_ICONS = {
    "call": "clock",
    "note": "list",
    "merge": "people",
    "survey_response": "chart",
    "order": "check",
}
MAX_MERGE_HOPS = 10


def _acting(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _may(request: HttpRequest, perm: Perm) -> bool:
    return role_has(_acting(request).role, perm)


def _members(request: HttpRequest) -> list[Membership]:
    return list(core_selectors.members_of(workspace=request.workspace))  # type: ignore[attr-defined]


def _detail_url(request: HttpRequest, customer_id: int) -> str:
    return reverse("customers:detail", args=[request.workspace.slug, customer_id])  # type: ignore[attr-defined]


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()
        }
    return {"__all__": list(error.messages)}


def _live_customer(request: HttpRequest, customer_id: int) -> Customer:
    """A live customer of the workspace for a write, or 404 (a merged or erased one cannot change)."""
    return get_in_workspace(
        Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True),
        request.workspace,  # type: ignore[attr-defined]
        pk=customer_id,
    )


# --- The list ---------------------------------------------------------------------------------------------


def _query_from_filters(stored: dict[str, Any]) -> str:
    """A saved view's filters (as customer_search takes them, plus ``q``) → the list's query string."""
    pairs: list[tuple[str, Any]] = []
    for key, value in stored.items():
        if key == "custom" and isinstance(value, dict):
            pairs += [(CUSTOM_PREFIX + k, v) for k, v in value.items()]
        elif isinstance(value, list):
            pairs += [(key, v) for v in value]
        elif value not in (None, ""):
            pairs.append((key, value))
    return urlencode(pairs)


def _list_query(query: QueryDict) -> QueryDict:
    """The filter part of a list query (without the page cursor)."""
    clean = query.copy()
    clean.pop("cursor", None)
    return clean


def _search(request: HttpRequest, form: FilterForm, query: QueryDict) -> tuple[Any, list[str]]:
    """One keyset page of the filtered list, or errors (put on the form's fields where they belong)."""
    workspace = request.workspace  # type: ignore[attr-defined]
    if form.is_bound and not form.is_valid():
        return None, []
    q, filters = filters_from_query(query)
    filters.pop("order", None)
    if form.is_bound:  # what the form understood (۱٬۰۰۰٬۰۰۰, ۱۴۰۳/۰۱/۰۱) rather than the raw text
        for name in ("spend_min", "spend_max", "last_contact_from", "last_contact_to"):
            if form.cleaned_data.get(name) is not None:
                filters[name] = form.cleaned_data[name]
    try:
        queryset = search.customer_search(workspace=workspace, q=q, filters=filters)
        page = keyset_page(
            queryset.select_related("owner__user").prefetch_related(
                Prefetch("tags", queryset=Tag.objects.order_by("name"))
            ),
            ordering=form.ordering(),
            cursor=query.get("cursor") or None,
            limit=LIST_PAGE_SIZE,
        )
    except ValidationError as error:
        general = []
        for field, errors in _field_errors(error).items():
            name = field.removeprefix("filters.")
            if name in form.fields:
                form.add_error(name, errors)
            else:
                general += errors
        return None, general
    return page, []


@workspace_view(Perm.CUSTOMERS_VIEW)
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    acting = _acting(request)
    members = _members(request)
    query = _list_query(request.GET)
    form = FilterForm(request.GET or None, members=members, custom_fields=workspace_custom_fields(workspace))
    page, general_errors = _search(request, form, request.GET)
    if form.is_bound and not form.errors:  # links (export, save, bulk) carry what the form understood
        for name in ("spend_min", "spend_max", "last_contact_from", "last_contact_to"):
            value = form.cleaned_data.get(name)
            if value is not None:
                query[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    query_string = query.urlencode()
    next_url = ""
    if page is not None and page.next:
        following = query.copy()
        following["cursor"] = page.next
        next_url = "?" + following.urlencode()
    context = {
        "form": form,
        "page": page,
        "general_errors": general_errors,
        "query_string": query_string,
        "next_url": next_url,
        "is_later_page": bool(request.GET.get("cursor")),
        "saved_views": [
            (view, _query_from_filters(view.filters))
            for view in saved_views.saved_views_for(membership=acting)
        ],
        "save_form": SavedViewForm(initial={"query": query_string}),
        "bulk_form": BulkForm(members=members, initial={"query": query_string}),
        "may_edit": _may(request, Perm.CUSTOMERS_EDIT),
        "may_export": _may(request, Perm.DATA_EXPORT),
        "acting": acting,
    }
    if _is_htmx(request) and request.htmx.target == "customer-results":  # type: ignore[attr-defined]
        return render(request, "customers/list.html#results", context)
    return render(request, "customers/list.html", context)


def _back_to_list(request: HttpRequest, query: str) -> HttpResponse:
    url = reverse("customers:list", args=[request.workspace.slug])  # type: ignore[attr-defined]
    return redirect(f"{url}?{query}" if query else url)


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def customer_bulk(request: HttpRequest) -> HttpResponse:
    """Tag, or give an account manager to, the selected rows or everyone the list's filter finds."""
    acting = _acting(request)
    form = BulkForm(request.POST, members=_members(request))
    query = request.POST.get("query", "")
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back_to_list(request, query)
    q, filters = filters_from_query(QueryDict(query))
    filters.pop("order", None)
    ids = None if form.cleaned_data["scope"] == "all" else form.cleaned_data["ids"]
    try:
        if form.cleaned_data["action"] == "tag":
            count = bulk_actions.customers_bulk_tag(
                acting=acting, name=form.cleaned_data["tag"], q=q, filters=filters, ids=ids
            )
            messages.success(
                request,
                _("The tag “%(tag)s” was added to %(count)s customers.")
                % {"tag": form.cleaned_data["tag"], "count": count},
            )
        else:
            owner = form.cleaned_data["owner"]
            count = bulk_actions.customers_bulk_assign_owner(
                acting=acting, owner=int(owner) if owner else None, q=q, filters=filters, ids=ids
            )
            messages.success(
                request, _("The account manager of %(count)s customers was set.") % {"count": count}
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to_list(request, query)


@workspace_view(Perm.CUSTOMERS_VIEW)
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        q, filters = filters_from_query(QueryDict(query))
        try:
            view = saved_views.saved_view_create(
                acting=_acting(request),
                name=form.cleaned_data["name"],
                filters={"q": q, **filters} if q else filters,
                shared=form.cleaned_data["shared"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return _back_to_list(request, query)


@workspace_view(Perm.CUSTOMERS_VIEW)
@require_POST
def saved_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    acting = _acting(request)
    view = get_in_workspace(saved_views.saved_views_for(membership=acting), request.workspace, pk=view_id)  # type: ignore[attr-defined]
    saved_views.saved_view_delete(acting=acting, view=view)
    messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
    return _back_to_list(request, "")


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_http_methods(["GET", "POST"])
def customer_new(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    form = ProfileForm(
        request.POST or None,
        members=_members(request),
        custom_fields=workspace_custom_fields(workspace),
        initial={"lifecycle": "new"},
    )
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if not any(fields["custom_fields"].values()):
            fields.pop("custom_fields")
        try:
            customer = services.customer_create(acting=_acting(request), **fields)
        except ValidationError as error:
            form.add_service_errors(_field_errors(error))
        else:
            messages.success(request, _("%(name)s was added.") % {"name": customer})
            return redirect(_detail_url(request, customer.pk))
    return render(request, "customers/edit.html", {"form": form, "customer": None})


# --- The Customer 360 page --------------------------------------------------------------------------------


def _record_view(request: HttpRequest, customer: Customer) -> None:
    """Audit "viewed personal data" once per member, customer and hour."""
    since = timezone.now() - VIEW_AUDIT_EVERY
    seen = AuditEntry.objects.filter(
        workspace=request.workspace,  # type: ignore[attr-defined]
        object_type=Customer._meta.label_lower,
        object_id=str(customer.pk),
        action=AuditEntry.Action.VIEW_PERSONAL,
        actor=request.user,
        created_at__gte=since,
    ).exists()
    if not seen:
        audit_record(
            workspace=request.workspace,  # type: ignore[attr-defined]
            actor=request.user,
            action=AuditEntry.Action.VIEW_PERSONAL,
            obj=customer,
        )


def _kind_choices() -> list[tuple[str, Any]]:
    return [(kind.key, kind.label) for kind in timeline.activity_kinds()]


def _timeline_items(activities: list[Any]) -> list[dict[str, Any]]:
    """Each activity with its kind's label, an icon, its author and readable call details (one query for
    the authors, whatever the page holds)."""
    actor_ids = {a.actor_id for a in activities if a.actor_id}
    actors = (
        {m.pk: m for m in Membership.objects.filter(pk__in=actor_ids).select_related("user")}
        if actor_ids
        else {}
    )
    outcomes = dict(CallOutcome.choices)
    channels = dict(ConsentChannel.choices)
    items = []
    for activity in activities:
        kind = timeline.kind_of(activity.kind)
        icon = KIND_ICONS.get(activity.kind) or (kind.icon if kind and kind.icon in KNOWN_ICONS else "dot")
        data = activity.data if isinstance(activity.data, dict) else {}
        items.append(
            {
                "activity": activity,
                "label": kind.label if kind else activity.kind,
                "icon": icon,
                "actor": actors.get(activity.actor_id),
                "channel": channels.get(activity.channel, activity.channel),
                "outcome": outcomes.get(data.get("outcome"), data.get("outcome", "")),
            }
        )
    return items


def _timeline_context(request: HttpRequest, customer: Customer, params: QueryDict) -> dict[str, Any]:
    form = TimelineFilterForm(params or None, kinds=_kind_choices())
    page = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        try:
            page = timeline.timeline_page(
                workspace=request.workspace,  # type: ignore[attr-defined]
                customer=customer,
                kinds=[data["kind"]] if data.get("kind") else None,
                channels=[data["channel"]] if data.get("channel") else None,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
                cursor=params.get("cursor") or None,
                limit=TIMELINE_PAGE_SIZE,
            )
        except ValidationError as error:
            for field, errors in _field_errors(error).items():
                form.add_error(field if field in form.fields else None, errors)
    older_url = ""
    if page is not None and page.next:
        following = params.copy()
        following["cursor"] = page.next
        older_url = (
            reverse("customers:timeline", args=[request.workspace.slug, customer.pk])  # type: ignore[attr-defined]
            + "?"
            + following.urlencode()
        )
    return {
        "timeline_form": form,
        "timeline_items": _timeline_items(page.items) if page is not None else [],
        "older_url": older_url,
        "timeline_filtered": form.is_bound,
    }


def _merge_history(request: HttpRequest, customer: Customer) -> list[dict[str, Any]]:
    now = timezone.now()
    merges = (
        Merge.objects.filter(workspace=request.workspace, survivor=customer)  # type: ignore[attr-defined]
        .select_related("merged", "performed_by__user")
        .order_by("-performed_at", "-pk")[:MERGES_SHOWN]
    )
    return [
        {
            "merge": merge,
            "undoable": merge.undone_at is None and now - merge.performed_at <= merging.UNDO_WINDOW,
            "undo_until": merge.performed_at + merging.UNDO_WINDOW,
        }
        for merge in merges
    ]


def _detail_context(request: HttpRequest, customer_id: int, params: QueryDict) -> dict[str, Any]:
    profile = customer_profile(workspace=request.workspace, pk=customer_id)  # type: ignore[attr-defined]
    customer = profile.customer
    return {
        "profile": profile,
        "customer": customer,
        **_timeline_context(request, customer, params),
        "merges": _merge_history(request, customer),
        "panels": panels.panels_for(request=request, customer=customer),
        "consent_rows": [(label, profile.consents.get(value)) for value, label in ConsentChannel.choices],
        "note_form": NoteForm(),
        "call_form": CallForm(initial={"direction": "outbound", "outcome": "answered"}),
        "tag_form": TagForm(),
        "may_edit": _may(request, Perm.CUSTOMERS_EDIT),
        "may_privacy": _may(request, Perm.CUSTOMERS_PRIVACY),
    }


def _gone(request: HttpRequest, customer_id: int) -> HttpResponse | None:
    """A merged customer's page sends to the survivor; an erased one says so. None for a live customer
    (or one that does not exist: the caller's 404 stands)."""
    workspace = request.workspace  # type: ignore[attr-defined]
    row = (
        Customer.objects.filter(workspace=workspace, pk=customer_id)
        .values("merged_into_id", "erased_at")
        .first()
    )
    if row is None:
        return None
    if row["erased_at"] is not None:
        return render(request, "customers/erased.html", {"erased_at": row["erased_at"]}, status=410)
    target = row["merged_into_id"]
    for _hop in range(MAX_MERGE_HOPS):
        nxt = (
            Customer.objects.filter(workspace=workspace, pk=target)
            .values("merged_into_id", "erased_at")
            .first()
        )
        if nxt is None or nxt["merged_into_id"] is None:
            break
        target = nxt["merged_into_id"]
    messages.info(request, _("This customer was merged into another; you are seeing the merged record."))
    return redirect(_detail_url(request, target))


@workspace_view(Perm.CUSTOMERS_VIEW)
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    from django.http import Http404

    try:
        context = _detail_context(request, customer_id, request.GET)
    except Http404:
        gone = _gone(request, customer_id)
        if gone is None:
            raise
        return gone
    _record_view(request, context["customer"])
    return render(request, "customers/detail.html", context)


@workspace_view(Perm.CUSTOMERS_VIEW)
@require_GET
def customer_timeline(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The timeline fragment (filters applied, or the next older page); without HTMX, the whole page."""
    customer = _live_customer(request, customer_id)
    if not _is_htmx(request):
        return redirect(_detail_url(request, customer_id) + "?" + request.GET.urlencode())
    context = {"customer": customer, **_timeline_context(request, customer, request.GET)}
    template = (
        "customers/detail.html#timeline-page"
        if request.GET.get("cursor")
        else "customers/detail.html#timeline"
    )
    return render(request, template, context)


def _timeline_refresh(
    request: HttpRequest, customer: Customer, form_partial: str, form_context: dict
) -> HttpResponse:
    """After a quick action: the timeline's first page, with the action's form fresh (out of band)."""
    context = {
        "customer": customer,
        **_timeline_context(request, customer, QueryDict()),
        **form_context,
        "oob": True,
        "may_edit": True,
    }
    timeline_html = render(request, "customers/detail.html#timeline", context).content.decode()
    form_html = render(request, f"customers/detail.html#{form_partial}", context).content.decode()
    return HttpResponse(timeline_html + form_html)


def _form_error_fragment(
    request: HttpRequest, customer: Customer, partial: str, context: dict
) -> HttpResponse:
    response = render(
        request, f"customers/detail.html#{partial}", {"customer": customer, "may_edit": True, **context}
    )
    response["HX-Retarget"] = f"#{partial}"
    response["HX-Reswap"] = "outerHTML"
    return response


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _live_customer(request, customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(acting=_acting(request), customer=customer, text=form.cleaned_data["text"])
        except ValidationError as error:
            for field, errors in _field_errors(error).items():
                form.add_error(field if field in form.fields else None, errors)
    if _is_htmx(request):
        if form.errors:
            return _form_error_fragment(request, customer, "note-form", {"note_form": form})
        return _timeline_refresh(request, customer, "note-form", {"note_form": NoteForm()})
    if form.errors:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    else:
        messages.success(request, _("The note was added."))
    return redirect(_detail_url(request, customer.pk))


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def call_log(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _live_customer(request, customer_id)
    form = CallForm(request.POST)
    if form.is_valid():
        try:
            services.call_log(
                acting=_acting(request),
                customer=customer,
                direction=form.cleaned_data["direction"],
                outcome=form.cleaned_data["outcome"],
                duration_seconds=form.duration_seconds(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            for field, errors in _field_errors(error).items():
                form.add_error(field if field in form.fields else None, errors)
    if _is_htmx(request):
        if form.errors:
            return _form_error_fragment(request, customer, "call-form", {"call_form": form})
        fresh = CallForm(initial={"direction": "outbound", "outcome": "answered"})
        return _timeline_refresh(request, customer, "call-form", {"call_form": fresh})
    if form.errors:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    else:
        messages.success(request, _("The call was logged."))
    return redirect(_detail_url(request, customer.pk))


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The profile form: on its own page without JavaScript, in place of the profile card with HTMX."""
    workspace = request.workspace  # type: ignore[attr-defined]
    customer = _live_customer(request, customer_id)
    custom_fields = workspace_custom_fields(workspace)
    form = ProfileForm(
        request.POST or None, members=_members(request), custom_fields=custom_fields, customer=customer
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(acting=_acting(request), customer=customer, **form.service_fields())
        except ValidationError as error:
            form.add_service_errors(_field_errors(error))
        else:
            if _is_htmx(request):
                context = _detail_context(request, customer.pk, QueryDict())
                return render(request, "customers/detail.html#profile", context)
            messages.success(request, _("The profile was saved."))
            return redirect(_detail_url(request, customer.pk))
    if _is_htmx(request):
        return render(request, "customers/edit.html#edit-form", {"form": form, "customer": customer})
    return render(request, "customers/edit.html", {"form": form, "customer": customer})


def _tags_response(request: HttpRequest, customer: Customer, error: str = "") -> HttpResponse:
    if _is_htmx(request):
        tags = list(Tag.objects.filter(workspace=request.workspace, customers=customer).order_by("name"))  # type: ignore[attr-defined]
        context = {
            "customer": customer,
            "profile": {"tags": tags},
            "tag_form": TagForm(),
            "may_edit": True,
            "tag_error": error,
        }
        return render(request, "customers/detail.html#tags", context)
    if error:
        messages.error(request, error)
    return redirect(_detail_url(request, customer.pk))


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def tag_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _live_customer(request, customer_id)
    form = TagForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.tag_add(acting=_acting(request), customer=customer, name=form.cleaned_data["name"])
        except ValidationError as problem:
            error = " ".join(problem.messages)
    else:
        error = " ".join(m for errors in form.errors.values() for m in errors)
    return _tags_response(request, customer, error)


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def tag_remove(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _live_customer(request, customer_id)
    services.tag_remove(acting=_acting(request), customer=customer, name=request.POST.get("name", ""))
    return _tags_response(request, customer)


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def rights_acknowledge(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _live_customer(request, customer_id)
    services.rights_acknowledge(acting=_acting(request), customer=customer)
    if _is_htmx(request):
        return render(request, "customers/detail.html#rights", {"customer": customer, "may_edit": True})
    messages.success(request, _("The acknowledgement was recorded."))
    return redirect(_detail_url(request, customer.pk))


# --- Privacy ----------------------------------------------------------------------------------------------


@workspace_view(Perm.CUSTOMERS_PRIVACY)
@require_POST
def privacy_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Everything held about this customer, as a JSON download (audited by the service)."""
    customer = _live_customer(request, customer_id)
    data = privacy.customer_export(acting=_acting(request), customer=customer)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
    return response


@workspace_view(Perm.CUSTOMERS_PRIVACY)
@require_http_methods(["GET", "POST"])
def privacy_erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A confirmation page naming the customer, then erasure (anonymisation) for good."""
    customer = _live_customer(request, customer_id)
    if request.method == "POST":
        if request.POST.get("confirm") != str(customer.pk):
            messages.error(request, _("Confirm the erasure by ticking the box."))
        else:
            name = str(customer)
            try:
                privacy.customer_erase(acting=_acting(request), customer=customer)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The data of %(name)s was erased.") % {"name": name})
                return redirect("customers:list", slug=request.workspace.slug)  # type: ignore[attr-defined]
    return render(request, "customers/erase_confirm.html", {"customer": customer})


# --- Merges and the duplicates queue ----------------------------------------------------------------------


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    merge = get_in_workspace(Merge, request.workspace, pk=merge_id)  # type: ignore[attr-defined]
    try:
        merging.merge_undo(acting=_acting(request), merge=merge)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The merge was undone: the two customers are separate again."))
    return redirect(_detail_url(request, merge.survivor_id))


def _shown(customer: Customer, name: str, members: dict[int, Membership]) -> str:
    """A profile value as a person reads it (for the merge choices)."""
    from mehvar.core.jalali import format_date, format_datetime
    from mehvar.core.phones import format_phone

    field = Customer._meta.get_field(name)
    value = getattr(customer, field.attname)
    if name == "owner":
        member = members.get(value)
        return str(member.user) if member else "—"
    if name == "phone":
        return format_phone(value)
    if name == "lifecycle":
        return str(customer.get_lifecycle_display())
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


def merge_conflicts(
    a: Customer, b: Customer, definitions: dict[str, CustomField], members: dict[int, Membership]
) -> list[dict[str, Any]]:
    """The fields where both customers have a value and the two differ: a choice each."""
    conflicts = []
    for name in merging.CHOOSABLE_FIELDS:
        attname = Customer._meta.get_field(name).attname
        mine, theirs = getattr(a, attname), getattr(b, attname)
        if mine in (None, "") or theirs in (None, "") or mine == theirs:
            continue
        conflicts.append(
            {
                "name": name,
                "label": str(Customer._meta.get_field(name).verbose_name).capitalize(),
                "a_text": _shown(a, name, members),
                "b_text": _shown(b, name, members),
            }
        )
    for key in sorted(set(a.custom_fields or {}) & set(b.custom_fields or {})):
        mine, theirs = a.custom_fields[key], b.custom_fields[key]
        if mine in (None, "") or theirs in (None, "") or mine == theirs:
            continue
        definition = definitions.get(key)
        conflicts.append(
            {
                "name": merging.CUSTOM_PREFIX + key,
                "label": definition.label if definition else key,
                "a_text": str(mine),
                "b_text": str(theirs),
            }
        )
    return conflicts


def _signal_label(signal: str) -> str:
    labels = {
        "name": _("Similar name"),
        "name differs": _("Different name"),
        "phone": _("Same phone"),
        "phone suffix": _("Phone differs only in its prefix"),
        "phone differs": _("Different phone"),
        "email": _("Same e-mail"),
        "email local part": _("Same e-mail name at another domain"),
        "birthday": _("Same birthday"),
        "birthday differs": _("Different birthday"),
        "city": _("Same city"),
        "city differs": _("Different city"),
    }
    return labels.get(signal, signal)


def _evidence(suggestion: DuplicateSuggestion) -> list[dict[str, Any]]:
    from mehvar.core.jalali import format_date
    from mehvar.core.phones import format_phone

    rows = []
    for item in suggestion.evidence or []:
        signal = str(item.get("signal", ""))
        a, b = item.get("a"), item.get("b")
        if signal.startswith("birthday"):
            with contextlib.suppress(TypeError, ValueError):
                a, b = format_date(dt.date.fromisoformat(a)), format_date(dt.date.fromisoformat(b))
        elif signal.startswith("phone"):
            a, b = format_phone(a), format_phone(b)
        rows.append(
            {
                "label": _signal_label(signal),
                "a": a,
                "b": b,
                "weight": item.get("weight", 0),
                "for": (item.get("weight") or 0) > 0,
            }
        )
    return rows


def _queue_entry(
    suggestion: DuplicateSuggestion, definitions: dict, members: dict, data: Any = None
) -> dict[str, Any]:
    conflicts = merge_conflicts(suggestion.customer_a, suggestion.customer_b, definitions, members)
    return {
        "suggestion": suggestion,
        "evidence": _evidence(suggestion),
        "form": MergeForm(data, conflicts=conflicts, prefix=f"s{suggestion.pk}"),
    }


@workspace_view(Perm.CUSTOMERS_VIEW)
@require_GET
def duplicates_queue(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    definitions = {d.key: d for d in workspace_custom_fields(workspace)}
    members = {m.pk: m for m in _members(request)}
    try:
        page = keyset_page(
            duplicates.suggestions_open(workspace=workspace),
            ordering=("-score", "pk"),
            cursor=request.GET.get("cursor") or None,
            limit=DUPLICATES_PAGE_SIZE,
        )
    except ValidationError:
        return redirect("customers:duplicates", slug=workspace.slug)
    context = {
        "entries": [_queue_entry(s, definitions, members) for s in page.items],
        "next_url": "?" + urlencode({"cursor": page.next}) if page.next else "",
        "may_edit": _may(request, Perm.CUSTOMERS_EDIT),
    }
    return render(request, "customers/duplicates.html", context)


def _suggestion(request: HttpRequest, suggestion_id: int) -> DuplicateSuggestion:
    return get_in_workspace(
        DuplicateSuggestion.objects.select_related("customer_a", "customer_b"),
        request.workspace,  # type: ignore[attr-defined]
        pk=suggestion_id,
    )


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def duplicate_merge(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Merge the pair: A (the older record) survives; each conflicting field keeps the value chosen."""
    workspace = request.workspace  # type: ignore[attr-defined]
    suggestion = _suggestion(request, suggestion_id)
    definitions = {d.key: d for d in workspace_custom_fields(workspace)}
    members = {m.pk: m for m in _members(request)}
    entry = _queue_entry(suggestion, definitions, members, request.POST)
    form = entry["form"]
    if not form.is_valid():
        messages.error(request, _("Choose a value for every field where the two differ."))
        return redirect("customers:duplicates", slug=workspace.slug)
    choices = {
        name: merging.SURVIVOR if value == "a" else merging.MERGED
        for name, value in form.cleaned_data.items()
    }
    try:
        merging.customer_merge(
            acting=_acting(request),
            survivor=suggestion.customer_a,
            merged=suggestion.customer_b,
            choices=choices,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("customers:duplicates", slug=workspace.slug)
    messages.success(
        request,
        _("%(merged)s was merged into %(survivor)s. You can undo this for 30 days from this page.")
        % {"merged": suggestion.customer_b, "survivor": suggestion.customer_a},
    )
    return redirect(_detail_url(request, suggestion.customer_a_id))


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_POST
def duplicate_dismiss(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    suggestion = _suggestion(request, suggestion_id)
    try:
        duplicates.suggestion_dismiss(acting=_acting(request), suggestion=suggestion)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("Marked as not the same person."))
    return redirect("customers:duplicates", slug=request.workspace.slug)  # type: ignore[attr-defined]
