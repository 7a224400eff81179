"""Reads for the web shell's home page: small, indexed, inside one workspace."""

from typing import Any

from django.db.models import Count, QuerySet

from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Role


def first_workspace_slug(*, user: Any) -> str | None:
    """The slug of the user's first workspace by name, or None when they have none."""
    return (
        Membership.objects.filter(user=user, user__is_active=True)
        .order_by("workspace__name", "workspace_id")
        .values_list("workspace__slug", flat=True)
        .first()
    )


def member_counts_by_role(*, workspace: Workspace) -> list[tuple[str, str, int]]:
    """(role, role label, count) for every role, in the roles' order, zero counts included."""
    counts = dict(
        Membership.objects.filter(workspace=workspace)
        .order_by()
        .values_list("role")
        .annotate(n=Count("pk"))
        .values_list("role", "n")
    )
    return [(role.value, str(role.label), counts.get(role.value, 0)) for role in Role]


def recent_audit_entries(*, workspace: Workspace, actor: Any = None, limit: int = 5) -> QuerySet[AuditEntry]:
    """The workspace's latest audit entries; only one person's when ``actor`` is given."""
    entries = AuditEntry.objects.filter(workspace=workspace)
    if actor is not None:
        entries = entries.filter(actor=actor)
    return entries.order_by("-created_at", "-pk")[:limit]
