"""The workspace pages: members and invitations, the member's API tokens, the audit log, settings.

Every view is wrapped in ``workspace_view(perm)`` (sign-in, membership, permission), parses with a form,
calls one service or selector and renders. Row actions answer HTMX with the changed fragment and plain
form posts with a redirect, so every page works without JavaScript.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mehvar.accounts.services import api_token_create, api_token_revoke
from mehvar.core import selectors
from mehvar.core.models import DayOff, Membership
from mehvar.core.roles import Perm, Role, role_has
from mehvar.core.services import (
    business_hours_update,
    day_off_create,
    day_off_delete,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
    workspace_update,
)
from mehvar.core.tenancy import get_in_workspace, workspace_view
from mehvar.core.workspace_forms import (
    AuditFilterForm,
    BusinessHoursForm,
    DayOffForm,
    InviteForm,
    RoleForm,
    TokenCreateForm,
    WorkspaceForm,
)

GET_POST = require_http_methods(["GET", "POST"])


def _form_errors(form: Form, error: ValidationError) -> None:
    """A service's ValidationError shown on the form: on its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _back(request: HttpRequest, name: str) -> HttpResponse:
    return redirect(f"workspace:{name}", slug=request.workspace.slug)  # type: ignore[attr-defined]


# --- Members and invitations -----------------------------------------------------------------------------


def _member_row(acting: Membership, member: Membership, error: str = "") -> dict[str, Any]:
    may_manage = role_has(acting.role, Perm.MEMBERS_MANAGE)
    touches_owner = member.role == Role.OWNER and not role_has(acting.role, Perm.OWNERS_MANAGE)
    return {
        "member": member,
        "is_self": member.pk == acting.pk,
        "editable": may_manage and not touches_owner,
        "form": RoleForm(acting=acting, initial={"role": member.role}, auto_id=f"id_m{member.pk}_%s"),
        "error": error,
    }


def _members_page(request: HttpRequest, *, invite_form: InviteForm | None = None) -> HttpResponse:
    acting: Membership = request.membership  # type: ignore[attr-defined]
    workspace = request.workspace  # type: ignore[attr-defined]
    may_manage = role_has(acting.role, Perm.MEMBERS_MANAGE)
    context = {
        "rows": [_member_row(acting, member) for member in selectors.members_of(workspace=workspace)],
        "invitations": list(selectors.open_invitations_of(workspace=workspace)) if may_manage else [],
        "invite_form": (invite_form or InviteForm(acting=acting)) if may_manage else None,
        "may_manage": may_manage,
    }
    return render(request, "core/members.html", context)


@workspace_view(Perm.MEMBERS_VIEW)
@require_http_methods(["GET"])
def members(request: HttpRequest) -> HttpResponse:
    return _members_page(request)


@workspace_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_invite(request: HttpRequest) -> HttpResponse:
    acting: Membership = request.membership  # type: ignore[attr-defined]
    form = InviteForm(request.POST, acting=acting)
    if form.is_valid():
        try:
            invitation_create(acting=acting, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % form.cleaned_data)
            return _back(request, "members")
    return _members_page(request, invite_form=form)


@workspace_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_role(request: HttpRequest, member_id: int) -> HttpResponse:
    acting: Membership = request.membership  # type: ignore[attr-defined]
    workspace = request.workspace  # type: ignore[attr-defined]
    member = get_in_workspace(selectors.members_of(workspace=workspace), workspace, pk=member_id)
    form = RoleForm(request.POST, acting=acting)
    error = ""
    if form.is_valid():
        try:
            membership_change_role(acting=acting, membership=member, role=form.cleaned_data["role"])
        except ValidationError as problem:
            error = _message(problem)
    else:
        error = " ".join(form.errors.get("role", []))
    if member.pk == acting.pk and not error:
        # Your own role changed: what you may do on this page changed with it.
        return (
            HttpResponse(headers={"HX-Refresh": "true"}) if _is_htmx(request) else _back(request, "members")
        )
    if _is_htmx(request):
        member.refresh_from_db(fields=["role"])
        return render(request, "core/members.html#member-row", {"row": _member_row(acting, member, error)})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The role of %(member)s was changed.") % {"member": member.user})
    return _back(request, "members")


@workspace_view(Perm.MEMBERS_MANAGE)
@require_POST
def member_remove(request: HttpRequest, member_id: int) -> HttpResponse:
    acting: Membership = request.membership  # type: ignore[attr-defined]
    workspace = request.workspace  # type: ignore[attr-defined]
    member = get_in_workspace(selectors.members_of(workspace=workspace), workspace, pk=member_id)
    try:
        membership_remove(acting=acting, membership=member)
    except ValidationError as error:
        if _is_htmx(request):
            return render(
                request, "core/members.html#member-row", {"row": _member_row(acting, member, _message(error))}
            )
        messages.error(request, _message(error))
        return _back(request, "members")
    if member.pk == acting.pk:
        return HttpResponse(headers={"HX-Redirect": "/"}) if _is_htmx(request) else redirect("web:home")
    if _is_htmx(request):
        return HttpResponse("")  # the row is swapped away
    messages.success(request, _("%(member)s was removed from the workspace.") % {"member": member.user})
    return _back(request, "members")


@workspace_view(Perm.MEMBERS_MANAGE)
@require_POST
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    invitation = get_in_workspace(
        selectors.open_invitations_of(workspace=workspace), workspace, pk=invitation_id
    )
    invitation_revoke(acting=request.membership, invitation=invitation)  # type: ignore[attr-defined]
    if _is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return _back(request, "members")


# --- API tokens ------------------------------------------------------------------------------------------


NEW_TOKEN_SESSION_KEY = "mehvar_new_api_token"


@workspace_view(Perm.API_TOKENS_OWN)
@never_cache
@GET_POST
def tokens(request: HttpRequest) -> HttpResponse:
    """The member's own tokens. A new token's secret is shown on the next page view and never again.

    Post/redirect/get: the secret waits in the session for exactly one GET, so reloading the page neither
    creates a second token nor shows the secret again.
    """
    membership: Membership = request.membership  # type: ignore[attr-defined]
    form = TokenCreateForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        _token, secret = api_token_create(membership=membership, name=form.cleaned_data["name"])
        request.session[NEW_TOKEN_SESSION_KEY] = secret
        return redirect("workspace:tokens", slug=membership.workspace.slug)
    context = {
        "form": form,
        "tokens": selectors.api_tokens_of(membership=membership),
        "new_secret": request.session.pop(NEW_TOKEN_SESSION_KEY, "") if request.method == "GET" else "",
    }
    return render(request, "core/tokens.html", context)


@workspace_view(Perm.API_TOKENS_OWN)
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    token = get_in_workspace(
        selectors.api_tokens_of(membership=membership), membership.workspace, pk=token_id, revoked_at=None
    )
    api_token_revoke(membership=membership, token=token)
    if _is_htmx(request):
        return render(request, "core/tokens.html#token-row", {"token": token})
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return _back(request, "tokens")


# --- Audit log -------------------------------------------------------------------------------------------


@workspace_view(Perm.AUDIT_VIEW)
@require_http_methods(["GET"])
def audit(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    object_types = [
        (value, selectors.object_type_label(value))
        for value in selectors.audit_object_types_of(workspace=workspace)
    ]
    form = AuditFilterForm(request.GET, object_types=object_types)
    form.is_valid()  # an invalid field (an old cursor, an unknown type) is dropped; the others apply
    filters = form.cleaned_data
    page = selectors.audit_page(
        workspace=workspace,
        action=filters.get("action", ""),
        object_type=filters.get("object_type", ""),
        cursor=filters.get("after"),
    )
    labels = dict(object_types)
    rows = [
        {
            "entry": entry,
            "type_label": labels.get(entry.object_type, entry.object_type),
            "changes": selectors.audit_changes(entry),
        }
        for entry in page.entries
    ]
    query = {key: value for key in ("action", "object_type") if (value := filters.get(key))}
    context = {
        "form": form,
        "rows": rows,
        "older_href": "?" + urlencode({**query, "after": page.next_cursor}) if page.next_cursor else "",
        "newest_href": "?" + urlencode(query) if filters.get("after") else "",
    }
    return render(request, "core/audit.html", context)


# --- Settings --------------------------------------------------------------------------------------------


def _settings_page(
    request: HttpRequest,
    *,
    workspace_form: WorkspaceForm | None = None,
    hours_form: BusinessHoursForm | None = None,
    day_off_form: DayOffForm | None = None,
    fragment: str = "",
) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    hours = selectors.business_hours_of(workspace=workspace)
    context = {
        "workspace_form": workspace_form
        or WorkspaceForm(initial={"name": workspace.name, "persian_digits": workspace.persian_digits}),
        "hours_form": hours_form
        or BusinessHoursForm(
            initial=BusinessHoursForm.initial_from(hours.week, hours.observe_official_holidays)
        ),
        "day_off_form": day_off_form or DayOffForm(),
        "days_off": selectors.days_off_of(workspace=workspace),
        "holidays": selectors.upcoming_official_holidays(today=timezone.localdate()),
        "observe_official_holidays": hours.observe_official_holidays,
    }
    template = f"core/settings.html#{fragment}" if fragment else "core/settings.html"
    return render(request, template, context)


@workspace_view(Perm.WORKSPACE_MANAGE)
@GET_POST
def settings(request: HttpRequest) -> HttpResponse:
    """The workspace's name and digits (POST here); the other sections post to their own URLs."""
    if request.method == "GET":
        return _settings_page(request)
    form = WorkspaceForm(request.POST)
    if form.is_valid():
        try:
            workspace_update(acting=request.membership, **form.cleaned_data)  # type: ignore[attr-defined]
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The workspace settings were saved."))
            return _back(request, "settings")
    return _settings_page(request, workspace_form=form)


@workspace_view(Perm.WORKSPACE_MANAGE)
@require_POST
def settings_hours(request: HttpRequest) -> HttpResponse:
    form = BusinessHoursForm(request.POST)
    if form.is_valid():
        try:
            business_hours_update(
                acting=request.membership,  # type: ignore[attr-defined]
                week=form.cleaned_data["week"],
                observe_official_holidays=form.cleaned_data["observe_official_holidays"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The business hours were saved."))
            return _back(request, "settings")
    return _settings_page(request, hours_form=form)


@workspace_view(Perm.WORKSPACE_MANAGE)
@require_POST
def day_off_add(request: HttpRequest) -> HttpResponse:
    form = DayOffForm(request.POST)
    if form.is_valid():
        try:
            day_off_create(acting=request.membership, **form.cleaned_data)  # type: ignore[attr-defined]
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if _is_htmx(request):
                return _settings_page(request, fragment="days-off")
            messages.success(request, _("The day off was added."))
            return _back(request, "settings")
    return _settings_page(request, day_off_form=form, fragment="days-off" if _is_htmx(request) else "")


@workspace_view(Perm.WORKSPACE_MANAGE)
@require_POST
def day_off_remove(request: HttpRequest, day_id: int) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    day = get_in_workspace(DayOff, workspace, pk=day_id)
    day_off_delete(acting=request.membership, day=day)  # type: ignore[attr-defined]
    if _is_htmx(request):
        return _settings_page(request, fragment="days-off")
    messages.success(request, _("The day off was removed."))
    return _back(request, "settings")
