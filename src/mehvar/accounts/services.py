"""Writes for accounts: API tokens, login throttling, the user's own preferences."""

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mehvar.accounts.models import ApiToken, LoginFailure, User
from mehvar.core.audit import audit_record, changed, snapshot
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.services import token_digest

TOKEN_PREFIX = "mhv_"


def api_token_create(*, membership: Membership, name: str, via: str = "web") -> tuple[ApiToken, str]:
    """A new token for this membership; the secret is returned once and only its hash is kept."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            workspace=membership.workspace,
            membership=membership,
            name=name.strip() or "API",
            prefix=secret[:10],
            token_hash=token_digest(secret),
        )
        audit_record(
            workspace=membership.workspace,
            actor=membership.user,
            action=AuditEntry.Action.CREATE,
            obj=token,
            after={"name": token.name, "prefix": token.prefix},
            via=via,
        )
    return token, secret


def api_token_revoke(*, membership: Membership, token: ApiToken, via: str = "web") -> None:
    """Revoke one of the member's own tokens (the caller fetched it inside the membership)."""
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            workspace=membership.workspace,
            actor=membership.user,
            action=AuditEntry.Action.DELETE,
            obj=token,
            before={"name": token.name, "prefix": token.prefix},
            via=via,
        )


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The active token for this secret with its member and workspace, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("membership__user", "membership__workspace")
        .filter(token_hash=token_digest(secret), revoked_at=None, membership__user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def login_is_throttled(*, email: str, ip_address: str) -> bool:
    since = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(created_at__gte=since)
    by_email = recent.filter(email=email.strip().lower()).count()
    by_ip = recent.filter(ip_address=ip_address).count() if ip_address else 0
    limit = settings.LOGIN_FAILURE_LIMIT
    return by_email >= limit or by_ip >= limit * 4


def login_failure_record(*, email: str, ip_address: str) -> None:
    LoginFailure.objects.create(email=email.strip().lower()[:254], ip_address=ip_address[:45])
    cutoff = timezone.now() - dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS * 4)
    LoginFailure.objects.filter(created_at__lt=cutoff).delete()


def login_failures_clear(*, email: str, ip_address: str) -> None:
    LoginFailure.objects.filter(Q(email=email.strip().lower()) | Q(ip_address=ip_address, email="")).delete()


def user_update_profile(*, user: User, full_name: str, phone: str, language: str) -> User:
    """The user's own name, phone (already normalised to E.164 by the caller) and language."""
    with transaction.atomic():
        before = snapshot(user, ["full_name", "phone", "language"])
        user.full_name, user.phone, user.language = full_name, phone, language
        user.save(update_fields=["full_name", "phone", "language"])
        old, new = changed(before, snapshot(user, ["full_name", "phone", "language"]))
        if new:
            for membership in user.memberships.select_related("workspace"):
                audit_record(
                    workspace=membership.workspace,
                    actor=user,
                    action=AuditEntry.Action.UPDATE,
                    obj=user,
                    before=old,
                    after=new,
                )
    return user


def user_create(*, email: str, password: str | None, full_name: str = "", language: str = "fa") -> User:
    return User.objects.create_user(email=email, password=password, full_name=full_name, language=language)


def client_ip(request: Any) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""
