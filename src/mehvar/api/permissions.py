"""Permission checks for API handlers: 403 for a role that may not (see mehvar.core.roles)."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has

F = TypeVar("F", bound=Callable[..., Any])


def require(request: HttpRequest, perm: Perm) -> Membership:
    """The request's membership, if its role has ``perm``; PermissionDenied (403) otherwise."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    if not role_has(membership.role, perm):
        raise PermissionDenied
    return membership


def workspace_of(request: HttpRequest) -> Workspace:
    return request.workspace  # type: ignore[attr-defined]


def requires(perm: Perm) -> Callable[[F], F]:
    """Decorator form of :func:`require` for a whole handler; the permission is kept on the function."""

    def decorator(handler: F) -> F:
        @wraps(handler)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require(request, perm)
            return handler(request, *args, **kwargs)

        wrapper.required_perm = perm  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
