"""Writes for workspaces, members, invitations and the business calendar.

Every function is keyword-only, atomic, takes the acting member (or user) and writes an audit entry.
"""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record, changed, snapshot
from mehvar.core.business_calendar import parse_week
from mehvar.core.models import AuditEntry, BusinessHours, DayOff, Invitation, Membership, Workspace
from mehvar.core.roles import Perm, Role, role_has

A = AuditEntry.Action


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def workspace_create(*, name: str, slug: str, owner: Any) -> Workspace:
    """A new workspace with its creator as owner and the default Iranian business week."""
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=slug)
        BusinessHours.objects.create(workspace=workspace)
        membership = Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
        audit_record(
            workspace=workspace,
            actor=owner,
            action=A.CREATE,
            obj=workspace,
            after=snapshot(workspace, ["name", "slug"]),
        )
        audit_record(
            workspace=workspace,
            actor=owner,
            action=A.CREATE,
            obj=membership,
            after=snapshot(membership, ["user", "role"]),
        )
    return workspace


def _require(acting: Membership, perm: Perm) -> None:
    if not role_has(acting.role, perm):
        raise PermissionDenied


def workspace_update(*, acting: Membership, name: str, persian_digits: bool, via: str = "web") -> Workspace:
    _require(acting, Perm.WORKSPACE_MANAGE)
    workspace = acting.workspace
    with transaction.atomic():
        before = snapshot(workspace, ["name", "persian_digits"])
        workspace.name = name
        workspace.persian_digits = persian_digits
        workspace.full_clean()
        workspace.save(update_fields=["name", "persian_digits"])
        old, new = changed(before, snapshot(workspace, ["name", "persian_digits"]))
        if new:
            audit_record(
                workspace=workspace,
                actor=acting.user,
                action=A.UPDATE,
                obj=workspace,
                before=old,
                after=new,
                via=via,
            )
    return workspace


def _guard_role_change(acting: Membership, target_role: str, current_role: str | None) -> None:
    """Only owners touch the owner role; nobody takes away the last owner."""
    if not role_has(acting.role, Perm.MEMBERS_MANAGE):
        raise PermissionDenied
    touches_owner = Role.OWNER in {target_role, current_role}
    if touches_owner and not role_has(acting.role, Perm.OWNERS_MANAGE):
        raise PermissionDenied


def membership_change_role(
    *, acting: Membership, membership: Membership, role: str, via: str = "web"
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    _guard_role_change(acting, role, membership.role)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk, workspace=acting.workspace)
        if locked.role == Role.OWNER and role != Role.OWNER:
            owners = Membership.objects.filter(workspace=acting.workspace, role=Role.OWNER).count()
            if owners <= 1:
                raise ValidationError({"role": _("A workspace must keep at least one owner.")})
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        if before != role:
            audit_record(
                workspace=acting.workspace,
                actor=acting.user,
                action=A.UPDATE,
                obj=locked,
                before={"role": before},
                after={"role": role},
                via=via,
            )
    return locked


def membership_remove(*, acting: Membership, membership: Membership, via: str = "web") -> None:
    _guard_role_change(acting, membership.role, membership.role)
    with transaction.atomic():
        if membership.role == Role.OWNER and (
            Membership.objects.filter(workspace=acting.workspace, role=Role.OWNER).count() <= 1
        ):
            raise ValidationError({"role": _("A workspace must keep at least one owner.")})
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.DELETE,
            obj=membership,
            before=snapshot(membership, ["user", "role"]),
            via=via,
        )
        membership.api_tokens.update(revoked_at=timezone.now())
        membership.delete()


def invitation_create(
    *, acting: Membership, email: str, role: str, via: str = "web"
) -> tuple[Invitation, str]:
    """Invite by e-mail; returns the invitation and the one-time secret in its link (sent on commit)."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    _guard_role_change(acting, role, None)
    if Membership.objects.filter(workspace=acting.workspace, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member of the workspace.")})
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(
            workspace=acting.workspace, email=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            workspace=acting.workspace,
            email=email,
            role=role,
            token_hash=token_digest(secret),
            invited_by=acting,
            expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.CREATE,
            obj=invitation,
            after=snapshot(invitation, ["email", "role"]),
            via=via,
        )
        language = translation.get_language() or settings.LANGUAGE_CODE
        transaction.on_commit(lambda: _send_invitation(invitation, secret, acting, language))
    return invitation, secret


def _send_invitation(invitation: Invitation, secret: str, acting: Membership, language: str) -> None:
    link = settings.SITE_URL + reverse("accounts:invitation_accept", kwargs={"token": secret})
    with translation.override(language):
        context = {
            "invitation": invitation,
            "link": link,
            "inviter": acting.user,
            "workspace": invitation.workspace,
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
        subject = _("Invitation to join %(workspace)s on Mehvar") % {"workspace": invitation.workspace.name}
        body = render_to_string("core/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_revoke(*, acting: Membership, invitation: Invitation, via: str = "web") -> None:
    if not role_has(acting.role, Perm.MEMBERS_MANAGE):
        raise PermissionDenied
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.DELETE,
            obj=invitation,
            before=snapshot(invitation, ["email", "role"]),
            via=via,
        )


def invitation_find(*, secret: str) -> Invitation | None:
    """The open invitation behind a link's secret, or None (expired, used, revoked or unknown)."""
    invitation = (
        Invitation.objects.select_related("workspace").filter(token_hash=token_digest(secret)).first()
    )
    return invitation if invitation is not None and invitation.is_open else None


def invitation_accept(*, invitation: Invitation, user: Any) -> Membership:
    """Join the workspace. The signed-in user's e-mail must be the invited one."""
    if user.email.lower() != invitation.email.lower():
        raise ValidationError({"email": _("This invitation was sent to another e-mail address.")})
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open:
            raise ValidationError({"token": _("This invitation has expired or was already used.")})
        membership, _created = Membership.objects.get_or_create(
            workspace=locked.workspace, user=user, defaults={"role": locked.role}
        )
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        audit_record(
            workspace=locked.workspace,
            actor=user,
            action=A.CREATE,
            obj=membership,
            after=snapshot(membership, ["user", "role"]),
        )
    return membership


def _clean_week(week: dict[str, list[str]]) -> dict[str, list[str]]:
    """ISO weekday ("1" Monday .. "7" Sunday) -> ["HH:MM", "HH:MM"]; a day left out is a day off."""
    try:
        parsed = parse_week(week)
    except (AttributeError, TypeError, ValueError) as error:
        message = str(error) if isinstance(error, ValueError) else _("Enter the working hours of each day.")
        raise ValidationError({"week": message}) from None
    return {
        str(day): [f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"]
        for day, (start, end) in sorted(parsed.items())
    }


def business_hours_update(
    *, acting: Membership, week: dict[str, list[str]], observe_official_holidays: bool, via: str = "web"
) -> BusinessHours:
    _require(acting, Perm.WORKSPACE_MANAGE)
    week = _clean_week(week)
    hours = BusinessHours.objects.get_or_create(workspace=acting.workspace)[0]
    with transaction.atomic():
        before = snapshot(hours, ["week", "observe_official_holidays"])
        hours.week = week
        hours.observe_official_holidays = observe_official_holidays
        hours.save(update_fields=["week", "observe_official_holidays"])
        old, new = changed(before, snapshot(hours, ["week", "observe_official_holidays"]))
        if new:
            audit_record(
                workspace=acting.workspace,
                actor=acting.user,
                action=A.UPDATE,
                obj=hours,
                before=old,
                after=new,
                via=via,
            )
    return hours


def day_off_create(*, acting: Membership, date: dt.date, title: str, via: str = "web") -> DayOff:
    _require(acting, Perm.WORKSPACE_MANAGE)
    if DayOff.objects.filter(workspace=acting.workspace, date=date).exists():
        raise ValidationError({"date": _("This date is already a day off.")})
    with transaction.atomic():
        day = DayOff(workspace=acting.workspace, date=date, title=title.strip())
        day.full_clean()
        day.save()
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.CREATE,
            obj=day,
            after=snapshot(day, ["date", "title"]),
            via=via,
        )
    return day


def day_off_delete(*, acting: Membership, day: DayOff, via: str = "web") -> None:
    _require(acting, Perm.WORKSPACE_MANAGE)
    with transaction.atomic():
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.DELETE,
            obj=day,
            before=snapshot(day, ["date", "title"]),
            via=via,
        )
        day.delete()
