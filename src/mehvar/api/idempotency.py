"""``Idempotency-Key`` on API POSTs: a retried request is answered once and written once.

The key is scoped to (token, method, path) and kept for IDEMPOTENCY_KEY_TTL_SECONDS (a day):

- the first request claims the key (a unique row, committed before the handler runs) and its answer is kept
  when it is below 500 (a 5xx releases the key so that the client may retry);
- a retry with the same body gets the kept answer again, with ``Idempotent-Replayed: true``;
- the same key with another body: 422; while the first request is still running: 409.

A POST without the header, or without a valid token (the handler will answer 401), passes through.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from mehvar.api.auth import authenticate_bearer
from mehvar.api.problems import FieldError, problem_response
from mehvar.api.services import Claim, idempotency_claim, idempotency_complete, idempotency_release

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
API_PREFIX = "/api/"
MAX_KEY_LENGTH = 255


def _key_is_valid(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(32 < ord(char) < 127 for char in key)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        key = key.strip()
        if not _key_is_valid(key):
            error = FieldError(
                field=HEADER,
                code="invalid",
                message=_("An idempotency key is 1 to 255 visible ASCII characters, for example a UUID."),
            )
            return problem_response(422, errors=[error])
        token = authenticate_bearer(request)
        if token is None:
            return self.get_response(request)

        claim = idempotency_claim(token=token, method="POST", path=request.path, key=key, body=request.body)
        if claim.outcome == Claim.MISMATCH:
            error = FieldError(
                field=HEADER,
                code="key_reused",
                message=_("This idempotency key was already used with a different request body."),
            )
            return problem_response(422, errors=[error])
        if claim.outcome == Claim.IN_FLIGHT:
            return problem_response(
                409, detail=_("A request with this idempotency key is still being processed; retry later.")
            )
        record = claim.record
        assert record is not None
        if claim.outcome == Claim.REPLAY:
            response = HttpResponse(
                bytes(record.response_body), status=record.status, content_type=record.content_type or None
            )
            response[REPLAYED_HEADER] = "true"
            return response

        try:
            response = self.get_response(request)
        except BaseException:
            idempotency_release(record=record)
            raise
        if response.status_code >= 500 or response.streaming:
            idempotency_release(record=record)
        else:
            idempotency_complete(
                record=record,
                status=response.status_code,
                content_type=response.get("Content-Type", ""),
                body=response.content,
            )
        return response
