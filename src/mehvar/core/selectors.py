"""Reads for workspaces and members: always inside one workspace."""

from typing import Any

from django.db.models import QuerySet

from mehvar.core.models import AuditEntry, DayOff, Invitation, Membership, Workspace


def workspaces_of_user(*, user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, user__is_active=True)
        .select_related("workspace")
        .order_by("workspace__name")
    )


def members_of(*, workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at", "pk")


def open_invitations_of(*, workspace: Workspace) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        workspace=workspace, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).order_by("-created_at")


def audit_entries_of(*, workspace: Workspace) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(workspace=workspace).order_by("-created_at", "-pk")


def days_off_of(*, workspace: Workspace) -> QuerySet[DayOff]:
    return DayOff.objects.filter(workspace=workspace).order_by("date")
