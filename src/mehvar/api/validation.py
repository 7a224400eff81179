"""Turn validation failures into translated field errors.

Pydantic's own messages are English and generic; each built-in error type gets a message of ours here,
written as an English msgid and translated into the request's language, naming the limit that was broken.
Custom errors (``PydanticCustomError`` from ``JalaliDate``, ``Phone``...) already carry a translated
message and are used as they are. Django ``ValidationError`` raised by services becomes the same shape.
"""

import typing
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic_core import core_schema

from mehvar.api.problems import NON_FIELD, FieldError
from mehvar.core.text import localize_digits

BUILTIN_ERROR_TYPES = frozenset(typing.get_args(core_schema.ErrorType))

# Location parts pydantic adds that are not field names (dict keys, union members, wrappers).
_LOC_NOISE = {"[key]", "function-after", "function-before", "function-plain", "function-wrap"}


def _number(value: Any) -> str:
    digits = "fa" if (translation.get_language() or "fa").startswith("fa") else "en"
    return localize_digits(value, digits)


def _choices(expected: Any) -> str:
    """Pydantic gives "'fa' or 'en'"; we show fa، en (or fa, en)."""
    text = str(expected).replace("'", "")
    separator = "، " if (translation.get_language() or "fa").startswith("fa") else ", "
    return separator.join(part.strip() for part in text.replace(" or ", ",").split(",") if part.strip())


# Error types whose message needs nothing from the context.
_PLAIN: dict[str, Any] = {
    "missing": gettext_lazy("This field is required."),
    "string_pattern_mismatch": gettext_lazy("This value is not in the expected format."),
    "extra_forbidden": gettext_lazy("This field is not allowed here."),
    "none_required": gettext_lazy("This field must be empty."),
}
for _types, _text_lazy in [
    ({"string_type", "string_sub_type", "string_unicode"}, gettext_lazy("Enter text.")),
    (
        {"int_parsing", "int_type", "int_from_float", "int_parsing_size"},
        gettext_lazy("Enter a whole number."),
    ),
    (
        {"float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"},
        gettext_lazy("Enter a number."),
    ),
    ({"bool_parsing", "bool_type"}, gettext_lazy("Enter true or false.")),
    ({"list_type", "tuple_type", "set_type", "iterable_type"}, gettext_lazy("Enter a list.")),
    (
        {"dict_type", "model_type", "model_attributes_type", "mapping_type", "dataclass_type"},
        gettext_lazy("Enter an object."),
    ),
    ({"json_invalid", "json_type"}, gettext_lazy("Enter valid JSON.")),
    (
        {"date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact"},
        gettext_lazy("Enter a valid date."),
    ),
    (
        {"datetime_parsing", "datetime_type", "datetime_from_date_parsing", "timezone_aware"},
        gettext_lazy("Enter a valid date and time."),
    ),
    ({"time_parsing", "time_type"}, gettext_lazy("Enter a valid time.")),
    ({"uuid_parsing", "uuid_type", "uuid_version"}, gettext_lazy("Enter a valid identifier.")),
    (
        {"url_parsing", "url_type", "url_syntax_violation", "url_too_long", "url_scheme"},
        gettext_lazy("Enter a valid URL."),
    ),
]:
    _PLAIN.update(dict.fromkeys(_types, _text_lazy))

# Error types that name a limit: (message, the context key holding the limit, also its placeholder).
_LIMITS: dict[str, tuple[Any, str]] = {
    "string_too_long": (gettext_lazy("This field accepts at most %(max_length)s characters."), "max_length"),
    "string_too_short": (gettext_lazy("This field needs at least %(min_length)s characters."), "min_length"),
    "too_long": (gettext_lazy("This list accepts at most %(max_length)s items."), "max_length"),
    "too_short": (gettext_lazy("This list needs at least %(min_length)s items."), "min_length"),
    "greater_than": (gettext_lazy("Enter a value greater than %(gt)s."), "gt"),
    "greater_than_equal": (gettext_lazy("Enter a value of at least %(ge)s."), "ge"),
    "less_than": (gettext_lazy("Enter a value less than %(lt)s."), "lt"),
    "less_than_equal": (gettext_lazy("Enter a value of at most %(le)s."), "le"),
}


def _message(error_type: str, ctx: Mapping[str, Any], pydantic_message: str) -> str:
    """Our translated message for one pydantic error."""
    if error_type == "string_too_short" and ctx.get("min_length") == 1:
        return _("This field may not be empty.")
    if error_type in _LIMITS:
        message, key = _LIMITS[error_type]
        return str(message) % {key: _number(ctx.get(key))}
    if error_type in _PLAIN:
        return str(_PLAIN[error_type])
    if error_type in {"literal_error", "enum"}:
        return _("Choose one of: %(choices)s.") % {"choices": _choices(ctx.get("expected", ""))}
    if error_type in {"value_error", "assertion_error"} and str(ctx.get("error") or ""):
        return str(ctx["error"])  # our own validators raise ValueError with a translated message
    if error_type not in BUILTIN_ERROR_TYPES and pydantic_message:
        return pydantic_message  # a PydanticCustomError: its message is ours and already translated
    return _("This value is not valid.")


def _code(error_type: str) -> str:
    """A stable machine code: pydantic's error type, with a few spelled the way Django does."""
    return {"missing": "required", "extra_forbidden": "unknown_field"}.get(error_type, error_type)


def field_path(parts: Iterable[Any]) -> str:
    """("items", 3, "phone") → "items.3.phone"; pydantic's wrapper and union markers are dropped."""
    kept = [str(part) for part in parts if str(part) not in _LOC_NOISE and not _is_union_tag(part)]
    return ".".join(kept)


def _is_union_tag(part: Any) -> bool:
    """Union members and validator wrappers appear as "list[str]", "function-after[...]"."""
    return isinstance(part, str) and "[" in part


def pydantic_field_errors(errors: Iterable[Mapping[str, Any]], *, strip: int = 0) -> list[FieldError]:
    """Pydantic's ``errors()`` → FieldErrors; ``strip`` drops that many leading location parts."""
    result = []
    for error in errors:
        loc = tuple(error.get("loc", ()))[strip:]
        result.append(
            FieldError(
                field=field_path(loc) or "body",
                code=_code(error.get("type", "invalid")),
                message=_message(error.get("type", ""), error.get("ctx") or {}, error.get("msg", "")),
            )
        )
    return result


def django_field_errors(error: DjangoValidationError) -> list[FieldError]:
    """A service's ValidationError ({field: [messages]} or a plain message) → FieldErrors."""
    result = []
    if hasattr(error, "error_dict"):
        for field, items in error.error_dict.items():
            for item in items:
                result.append(FieldError(field=field, code=item.code or "invalid", message=_text(item)))
    else:
        for item in error.error_list:
            result.append(FieldError(field=NON_FIELD, code=item.code or "invalid", message=_text(item)))
    return result


def _text(item: DjangoValidationError) -> str:
    message = item.message
    if item.params:
        message = message % item.params
    return str(message)
