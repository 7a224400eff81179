"""Phone numbers: read what people type, store E.164, show the national form.

``normalize_phone`` accepts an Iranian number in any of the usual shapes (09123456789, 9123456789,
+989123456789, 00989123456789, 989123456789, 021 8877 6655), with Persian or Arabic-Indic digits, spaces,
dashes, dots, slashes, parentheses, bidi marks and a leading "tel:". A number with a country code
(+44 20 7946 0958, 0044...) is accepted when it is a valid number of that country. Letters are refused
(no vanity numbers). Validity is phonenumbers' metadata; for Iranian numbers, whose national part is always
ten digits, a wrong length is reported as too short or too long.

Errors are ``PhoneError`` with ``.code``: empty, not_a_number, too_short, too_long, invalid, and a
``.message`` translated into the active language.
"""

import re
from typing import Annotated, Any

import phonenumbers
from django.utils import translation
from django.utils.translation import gettext as _
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from mehvar.core.text import localize_digits, normalize_text, to_ascii_digits

IRAN_COUNTRY_CODE = 98
IRAN_NATIONAL_LENGTH = 10  # 912 345 6789, 21 8877 6655

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—−./()\[\]]+")
_TEL_PREFIX = re.compile(r"^tel:\s*", re.IGNORECASE)
_SHAPE = re.compile(r"\+?\d+")


class PhoneError(ValueError):
    """A phone number that cannot be used; ``code`` for machines, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _empty() -> PhoneError:
    return PhoneError("empty", _("Enter a phone number."))


def _not_a_number() -> PhoneError:
    return PhoneError(
        "not_a_number",
        _("This is not a phone number: use digits only, for example 0912 345 6789 or +98 912 345 6789."),
    )


def _too_short() -> PhoneError:
    return PhoneError("too_short", _("This phone number is too short: a digit or more is missing."))


def _too_long() -> PhoneError:
    return PhoneError("too_long", _("This phone number is too long: it has more digits than a number can."))


def _invalid() -> PhoneError:
    return PhoneError("invalid", _("No phone number exists with these digits; check the number."))


def _unknown_country() -> PhoneError:
    return PhoneError("invalid", _("This phone number starts with a country code that does not exist."))


def _compact(raw: str, region: str) -> str:
    text = to_ascii_digits(normalize_text(raw))
    text = _TEL_PREFIX.sub("", text)
    text = _SEPARATORS.sub("", text)
    if text.startswith("+") or region != "IR":
        return text
    if text.startswith("00"):
        return "+" + text[2:]
    if text.startswith("98") and len(text) == 2 + IRAN_NATIONAL_LENGTH:
        return "+" + text  # 989123456789: the country code without its plus
    return text


def parse_phone(raw: str | None, region: str = "IR") -> phonenumbers.PhoneNumber:
    """The parsed, valid number; raises PhoneError."""
    if raw is None or not normalize_text(str(raw)):
        raise _empty()
    text = _compact(str(raw), region)
    if not text:
        raise _empty()
    if not _SHAPE.fullmatch(text):
        raise _not_a_number()
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        kind = error.error_type
        if kind in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
            raise _too_short() from None
        if kind == NumberParseException.TOO_LONG:
            raise _too_long() from None
        if kind == NumberParseException.INVALID_COUNTRY_CODE:
            raise _unknown_country() from None
        raise _too_short() from None  # the shape is right (digits), so there are too few of them
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        raise _unknown_country()
    if reason == ValidationResult.TOO_SHORT:
        raise _too_short()
    if reason == ValidationResult.TOO_LONG:
        raise _too_long()
    if phonenumbers.is_valid_number(number):
        return number
    if number.country_code == IRAN_COUNTRY_CODE:
        length = len(str(number.national_number))
        if length < IRAN_NATIONAL_LENGTH:
            raise _too_short()
        if length > IRAN_NATIONAL_LENGTH:
            raise _too_long()
    raise _invalid()


# The shapes nearly every Iranian mobile arrives in, once compacted: 09123456789, 9123456789, +989123456789.
_IR_MOBILE_SHAPE = re.compile(r"(?:\+98|0)?(9\d{9})")
# phonenumbers' own pattern for Iranian mobiles (its metadata, so that both paths always agree).
_IR_MOBILE = re.compile(
    phonenumbers.PhoneMetadata.metadata_for_region("IR").mobile.national_number_pattern  # type: ignore[union-attr]
)


def normalize_phone(raw: str | None, region: str = "IR") -> str:
    """The number in E.164 (+989123456789); raises PhoneError.

    Iranian mobiles in their common shapes take a fast path that gives exactly what phonenumbers gives
    (a national number matching its mobile pattern is valid and is "+98" + that number); everything else,
    and every error, goes through phonenumbers.
    """
    if region == "IR" and isinstance(raw, str):
        shape = _IR_MOBILE_SHAPE.fullmatch(_compact(raw, region))
        if shape is not None and _IR_MOBILE.fullmatch(shape[1]):
            return "+98" + shape[1]
    return phonenumbers.format_number(parse_phone(raw, region), PhoneNumberFormat.E164)


def is_iranian_mobile(e164: str) -> bool:
    try:
        number = phonenumbers.parse(e164, "IR")
    except NumberParseException:
        return False
    return number.country_code == IRAN_COUNTRY_CODE and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def format_phone(e164: str | None, *, digits: str | None = None) -> str:
    """For people: "0912 345 6789" for an Iranian number, "+44 20 7946 0958" for a foreign one.

    ``digits`` is "fa" or "en" (default: the active language's). Text that is not a valid number is
    returned as it is (with digits converted), so showing a stored value never fails.
    """
    if not e164:
        return ""
    if digits not in ("fa", "en"):
        digits = "fa" if (translation.get_language() or "fa").startswith("fa") else "en"
    try:
        number = parse_phone(e164)
    except PhoneError:
        return localize_digits(e164, digits)
    shape = (
        PhoneNumberFormat.NATIONAL
        if number.country_code == IRAN_COUNTRY_CODE
        else (PhoneNumberFormat.INTERNATIONAL)
    )
    return localize_digits(phonenumbers.format_number(number, shape), digits)


def _validate_phone(value: Any) -> str:
    try:
        return normalize_phone(value)
    except PhoneError as error:
        raise PydanticCustomError("phone", error.message, {"code": error.code}) from None


Phone = Annotated[
    str,
    AfterValidator(_validate_phone),
    WithJsonSchema(
        {
            "type": "string",
            "description": "A phone number; Iranian numbers may be written nationally (0912 345 6789). "
            "Answers use E.164.",
            "examples": ["09123456789", "+989123456789"],
        },
        mode="validation",
    ),
]
"""A phone number for pydantic/Ninja schemas: validated and turned into E.164."""
