"""Writes of the API plumbing: idempotency records (claim, complete, release, prune)."""

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mehvar.accounts.models import ApiToken
from mehvar.api.models import IdempotencyRecord

# A first request still "in flight" after this long is taken to have died with its process.
IN_FLIGHT_STALE_AFTER = dt.timedelta(minutes=5)


class Claim(StrEnum):
    NEW = "new"  # this request runs, and its answer will be kept
    REPLAY = "replay"  # answered before with the same body: send that answer again
    MISMATCH = "mismatch"  # the key was used with another body
    IN_FLIGHT = "in_flight"  # the first request with this key is still running


@dataclass
class ClaimResult:
    outcome: Claim
    record: IdempotencyRecord | None


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _ttl() -> dt.timedelta:
    return dt.timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)


def _is_dead(record: IdempotencyRecord, now: dt.datetime) -> bool:
    """Expired, or in flight for so long that its request has died."""
    if record.created_at <= now - _ttl():
        return True
    return record.status is None and record.created_at <= now - IN_FLIGHT_STALE_AFTER


def idempotency_claim(*, token: ApiToken, method: str, path: str, key: str, body: bytes) -> ClaimResult:
    """Take the key for this request, or say why not. The claim is committed before the handler runs."""
    digest = body_digest(body)
    scope = {"workspace_id": token.workspace_id, "token": token, "method": method, "path": path, "key": key}
    existing: IdempotencyRecord | None = None
    for _attempt in range(2):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(body_hash=digest, **scope)
            return ClaimResult(Claim.NEW, record)
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(**scope).first()
        if existing is None:
            continue  # released or pruned in between: try again
        if _is_dead(existing, timezone.now()):
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.body_hash != digest:
            return ClaimResult(Claim.MISMATCH, existing)
        if existing.status is None:
            return ClaimResult(Claim.IN_FLIGHT, existing)
        return ClaimResult(Claim.REPLAY, existing)
    return ClaimResult(Claim.IN_FLIGHT, existing)  # lost two races in a row: behave as a duplicate


def idempotency_complete(*, record: IdempotencyRecord, status: int, content_type: str, body: bytes) -> None:
    """Keep the first answer, to replay it."""
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status=status, content_type=content_type[:100], response_body=body
    )


def idempotency_release(*, record: IdempotencyRecord) -> None:
    """Forget a claim whose request failed on our side (5xx), so that a retry runs again."""
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def idempotency_prune() -> int:
    """Delete records older than IDEMPOTENCY_KEY_TTL_SECONDS; returns how many. Run it periodically."""
    cutoff = timezone.now() - _ttl()
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
