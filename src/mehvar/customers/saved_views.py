"""Saved views of the customer list: a name and the search (query and filters), private to its owner or
shared with the workspace. A member sees their own views and the shared ones; nobody sees another
workspace's."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record, snapshot
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, Role
from mehvar.core.text import normalize_text
from mehvar.customers.models import Customer, SavedView
from mehvar.customers.profile_fields import invalid, require
from mehvar.customers.search import customer_search

A = AuditEntry.Action


def _clean_view(workspace: Workspace, name: str, filters: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    name = normalize_text(name)
    if not name or len(name) > 100:
        raise invalid("name", _("Give the view a name of at most 100 characters."))
    if not isinstance(filters, Mapping):
        raise invalid("filters", _("Filters must be given as key and value pairs."))
    filters = dict(filters)
    q = filters.get("q", "")
    rest = {k: v for k, v in filters.items() if k != "q"}
    customer_search(workspace=workspace, q=str(q or ""), filters=rest)  # raises for a bad filter
    return name, filters


def saved_view_create(
    *, acting: Membership, name: str, filters: Mapping[str, Any], shared: bool = False, via: str = "web"
) -> SavedView:
    """Save the current search (``filters`` may hold ``q`` too), private or shared with the workspace."""
    require(acting, Perm.CUSTOMERS_VIEW)
    name, clean = _clean_view(acting.workspace, name, filters)
    with transaction.atomic():
        view = SavedView.objects.create(
            workspace=acting.workspace, owner=acting, name=name, filters=clean, shared=bool(shared)
        )
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.CREATE,
            obj=view,
            after=snapshot(view, ["name", "filters", "shared"]),
            via=via,
        )
    return view


def _own_view(acting: Membership, view: SavedView) -> None:
    if view.workspace_id != acting.workspace_id:
        raise _not_found()
    if view.owner_id != acting.pk and not (view.shared and acting.role in (Role.OWNER, Role.ADMIN)):
        raise PermissionDenied


def _not_found() -> Exception:
    return Http404()


def saved_view_update(
    *,
    acting: Membership,
    view: SavedView,
    name: str | None = None,
    filters: Mapping[str, Any] | None = None,
    shared: bool | None = None,
    via: str = "web",
) -> SavedView:
    """Its owner changes a view (admins and owners may change a shared one too)."""
    _own_view(acting, view)
    new_name, clean = _clean_view(
        acting.workspace, view.name if name is None else name, view.filters if filters is None else filters
    )
    with transaction.atomic():
        before = snapshot(view, ["name", "filters", "shared"])
        view.name, view.filters = new_name, clean
        if shared is not None:
            view.shared = bool(shared)
        view.save(update_fields=["name", "filters", "shared"])
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=view,
            before=before,
            after=snapshot(view, ["name", "filters", "shared"]),
            via=via,
        )
    return view


def saved_view_delete(*, acting: Membership, view: SavedView, via: str = "web") -> None:
    _own_view(acting, view)
    with transaction.atomic():
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.DELETE,
            obj=view,
            before=snapshot(view, ["name", "filters", "shared"]),
            via=via,
        )
        view.delete()


def saved_views_for(*, membership: Membership) -> QuerySet[SavedView]:
    """The views a member sees: their own and the shared ones of their workspace."""
    return SavedView.objects.filter(
        Q(owner=membership) | Q(shared=True), workspace_id=membership.workspace_id
    ).order_by("name", "pk")


def saved_view_search(*, membership: Membership, view: SavedView) -> QuerySet[Customer]:
    """The customers a saved view shows now."""
    if not saved_views_for(membership=membership).filter(pk=view.pk).exists():
        raise _not_found()
    filters = dict(view.filters)
    q = str(filters.pop("q", "") or "")
    return customer_search(workspace=membership.workspace, q=q, filters=filters)
