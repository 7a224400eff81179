"""Every exception an API handler may raise, turned into a problem+json response.

- Ninja's validation errors (body, query, path) → 422 with translated field errors;
- a body that is not JSON → 400; no or bad token → 401;
- Django ``ValidationError`` from a service → 422 with its fields; ``PermissionDenied`` → 403;
- ``Http404`` / ``ObjectDoesNotExist`` → 404;
- anything else → 500, logged with its traceback, which never reaches the client.
"""

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from mehvar.api.problems import FieldError, problem_response
from mehvar.api.validation import django_field_errors, pydantic_field_errors

logger = logging.getLogger("mehvar.api")


def _validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [e if isinstance(e, FieldError) else _from_raw(e) for e in exc.errors]
    return problem_response(422, errors=errors)


def _from_raw(error: Any) -> FieldError:
    """A Ninja error dict we did not build ourselves (location starts with the source: body, query...)."""
    if isinstance(error, dict) and "loc" in error:
        return pydantic_field_errors([error], strip=1)[0]
    if isinstance(error, dict) and len(error) == 1:
        field, message = next(iter(error.items()))
        return FieldError(field=str(field), code="invalid", message=str(message))
    return FieldError(field="body", code="invalid", message=str(error))


def _service_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return problem_response(422, errors=django_field_errors(exc))


def _authentication(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(401, headers={"WWW-Authenticate": 'Bearer realm="mehvar"'})


def _permission(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(403)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(404)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja raises HttpError(400) for a body it cannot parse; its English text is not shown.
    return problem_response(exc.status_code)


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem_response(500)


def install_error_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(Exception, _unexpected)
    api.add_exception_handler(NinjaValidationError, _validation)
    api.add_exception_handler(DjangoValidationError, _service_validation)
    api.add_exception_handler(AuthenticationError, _authentication)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(PermissionDenied, _permission)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(ObjectDoesNotExist, _not_found)
