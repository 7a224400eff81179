"""``MehvarAPI``: Django Ninja with Mehvar's authentication, errors and problem+json everywhere.

Besides the exception handlers (mehvar.api.errors) it makes the edges speak problem+json too: an unknown
path under the API gives a 404 problem and a known path with the wrong method a 405 problem.
"""

from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, re_path
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.errors import ValidationErrorContext

from mehvar.api.auth import TokenAuth
from mehvar.api.errors import install_error_handlers
from mehvar.api.problems import is_problem, problem_response
from mehvar.api.validation import pydantic_field_errors


class MehvarAPI(NinjaAPI):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("auth", TokenAuth())
        super().__init__(**kwargs)
        install_error_handlers(self)

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> NinjaValidationError:
        """Field errors named as clients know them: ``name``, ``items.3.phone``, ``limit``."""
        errors = []
        for context in error_contexts:
            model = context.model
            source = model.__ninja_param_source__
            flatten = getattr(model, "__ninja_flatten_map_reverse__", {})
            # A body read into one schema parameter (``payload``): its name is not part of the field path.
            body_params = list(model.model_fields) if source == "body" else []
            raw = []
            for error in context.pydantic_validation_error.errors(include_url=False):
                loc = tuple(flatten.get(error["loc"], error["loc"]))
                if len(body_params) == 1 and loc[:1] == (body_params[0],):
                    loc = loc[1:]
                raw.append({**error, "loc": loc})
            errors.extend(pydantic_field_errors(raw))
        return NinjaValidationError(errors)  # type: ignore[arg-type]

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        wrapped: list[Any] = [_with_problems(p) if isinstance(p, URLPattern) else p for p in patterns]
        wrapped.append(re_path(r"^.*$", _unknown_path, name="unknown"))
        return wrapped, app_name, namespace


def _with_problems(pattern: URLPattern) -> URLPattern:
    """Ninja answers a wrong method with a plain 405 and its root path with a bare 404: make them problems."""
    view = pattern.callback

    @wraps(view)
    def view_with_problems(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return problem_response(404)
        if response.status_code == 405 and not is_problem(response):
            return problem_response(405, headers={"Allow": response.get("Allow", "")})
        return response

    return URLPattern(pattern.pattern, view_with_problems, pattern.default_args, pattern.name)


def _unknown_path(request: HttpRequest) -> HttpResponse:
    return problem_response(404)


_unknown_path.csrf_exempt = True  # type: ignore[attr-defined]
