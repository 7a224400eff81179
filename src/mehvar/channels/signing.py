"""HMAC signatures for webhooks in both directions, and one signed POST with the outbox's error mapping.

The signature header is ``X-Mehvar-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body bytes keyed
with the shared secret. Receivers compare it in constant time.
"""

import hashlib
import hmac
import urllib.error
import urllib.request

from mehvar.channels.base import TransportError

SIGNATURE_HEADER = "X-Mehvar-Signature"
_RETRYABLE_4XX = frozenset({408, 409, 425, 429})


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, given: str) -> bool:
    return bool(given) and hmac.compare_digest(signature(secret, body), given.strip())


def signed_post(
    url: str, body: bytes, *, secret: str, key: str, timeout: float = 10.0, event: str = ""
) -> bytes:
    """POST ``body`` as JSON with the signature and Idempotency-Key headers; the answer's body.

    Raises TransportError: permanent for 4xx answers (but 408, 409, 425, 429), transient otherwise.
    """
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Mehvar-Webhooks/1",
        SIGNATURE_HEADER: signature(secret, body),
        "Idempotency-Key": key,
    }
    if event:
        headers["X-Mehvar-Event"] = event
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
    if not url.startswith(("http://", "https://")):
        raise TransportError(f"not an http(s) address: {url[:80]}", permanent=True)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.read(1_000_000)
    except urllib.error.HTTPError as error:
        permanent = 400 <= error.code < 500 and error.code not in _RETRYABLE_4XX
        raise TransportError(f"HTTP {error.code} from {url[:80]}", permanent=permanent) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise TransportError(f"could not reach {url[:80]}: {error}") from None
