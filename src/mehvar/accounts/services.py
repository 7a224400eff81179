"""Writes for accounts: API tokens, login throttling, the user's own preferences."""

import datetime as dt
import math
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.accounts.models import ApiToken, LoginFailure, User
from mehvar.core.audit import audit_record, changed, snapshot
from mehvar.core.models import AuditEntry, Invitation, Membership
from mehvar.core.services import invitation_accept, token_digest

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


def login_retry_after(*, email: str, ip_address: str) -> int:
    """Seconds until this e-mail (and address) may try again; 0 when sign-in is not throttled.

    The wait ends when enough of the recent failures have left the window to bring the count under the limit.
    """
    window = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    now = timezone.now()
    recent = LoginFailure.objects.filter(created_at__gte=now - window).order_by("-created_at")
    limit = settings.LOGIN_FAILURE_LIMIT
    checks = [(recent.filter(email=email.strip().lower()), limit)]
    if ip_address:
        checks.append((recent.filter(ip_address=ip_address), limit * 4))
    wait = 0.0
    for failures, allowed in checks:
        times = list(failures.values_list("created_at", flat=True)[:allowed])
        if len(times) >= allowed:
            wait = max(wait, (times[allowed - 1] + window - now).total_seconds())
    return max(0, math.ceil(wait))


class LoginThrottled(Exception):
    """Too many recent failures: refuse without checking the password."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def login_check(*, request: Any, email: str, password: str) -> User | None:
    """The user for these credentials, or None; raises LoginThrottled (even for the right password).

    A failure is recorded for the e-mail and the client address; a success clears that e-mail's failures.
    """
    email = email.strip().lower()
    ip_address = client_ip(request)
    retry_after = login_retry_after(email=email, ip_address=ip_address)
    if retry_after:
        raise LoginThrottled(retry_after)
    user = authenticate(request, email=email, password=password)
    if user is None:
        login_failure_record(email=email, ip_address=ip_address)
        return None
    login_failures_clear(email=email, ip_address=ip_address)
    return user


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


def user_set_language(*, user: User, language: str) -> User:
    """The signed-in user's interface language (not audited: it is a personal display preference)."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": _("Choose a valid language.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def user_create_from_invitation(
    *, invitation: Invitation, full_name: str, password: str, language: str
) -> Membership:
    """A new account for the invited address, joined to the invitation's workspace, in one transaction."""
    with transaction.atomic():
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError({"email": _("An account with this e-mail address already exists.")})
        user = user_create(
            email=invitation.email, password=password, full_name=full_name.strip(), language=language
        )
        return invitation_accept(invitation=invitation, user=user)


def user_create(*, email: str, password: str | None, full_name: str = "", language: str = "fa") -> User:
    return User.objects.create_user(email=email, password=password, full_name=full_name, language=language)


def client_ip(request: Any) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""
