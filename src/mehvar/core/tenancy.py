"""Resolve the workspace once per request and keep every lookup inside it.

A page under ``/w/<slug>/`` is wrapped in :func:`workspace_view`: it finds the signed-in user's membership in
that workspace (404 when there is none: missing and forbidden look the same) and checks the permission (403
when the role may not). Views then read ``request.workspace`` and ``request.membership`` and fetch
objects with :func:`get_in_workspace`, never by id alone.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has

M = TypeVar("M", bound=Model)


def membership_for(*, user: Any, workspace_slug: str) -> Membership:
    """The user's membership in the workspace with this slug, or 404."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace__slug=workspace_slug, user=user, user__is_active=True)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def require_perm(membership: Membership, perm: Perm) -> None:
    if not role_has(membership.role, perm):
        raise PermissionDenied


def get_in_workspace(model_or_qs: type[M] | QuerySet[M], workspace: Workspace, **lookup: Any) -> M:
    """Fetch one object of this workspace, or 404: there is no fetch-then-check."""
    queryset = model_or_qs if isinstance(model_or_qs, QuerySet) else model_or_qs._default_manager.all()
    obj = queryset.filter(workspace=workspace, **lookup).first()
    if obj is None:
        raise Http404
    return obj


def workspace_view(
    perm: Perm = Perm.WORKSPACE_VIEW,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view taking ``slug``: sign-in required, membership resolved, permission checked."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(user=request.user, workspace_slug=slug)
            request.membership = membership  # type: ignore[attr-defined]
            request.workspace = membership.workspace  # type: ignore[attr-defined]
            require_perm(membership, perm)
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator
