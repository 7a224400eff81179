"""normalize_phone's fast path for Iranian mobiles answers exactly what the phonenumbers path answers."""

import phonenumbers
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mehvar.core.phones import PhoneError, normalize_phone, parse_phone
from mehvar.core.text import to_persian_digits


def _slow(raw: str) -> str:
    """The answer without the fast path: phonenumbers parses, validates and formats."""
    try:
        return phonenumbers.format_number(parse_phone(raw), phonenumbers.PhoneNumberFormat.E164)
    except PhoneError as error:
        return f"error:{error.code}"


def _fast(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except PhoneError as error:
        return f"error:{error.code}"


national = st.text(alphabet="0123456789", min_size=8, max_size=12)
prefix = st.sampled_from(["", "0", "+98", "0098", "98", "+98 ", "+98 (0) ", "00", "+", "+980"])


def _written(number: str, style: int) -> str:
    if style == 1 and len(number) > 6:
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    if style == 2 and len(number) > 6:
        return f"{number[:3]}-{number[3:6]}-{number[6:]}"
    if style == 3:
        return to_persian_digits(number)
    return number


@settings(max_examples=600, deadline=None)
@given(prefix, st.one_of(national, national.map(lambda n: "9" + n[1:])), st.integers(0, 3))
@example("0", "9123456789", 0)
@example("", "9812345678", 0)
@example("+98", "9981234567", 0)
@example("0", "9601234567", 0)
def test_fast_path_agrees_with_phonenumbers(start: str, number: str, style: int) -> None:
    raw = _written(start + number, style)
    assert _fast(raw) == _slow(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=20))
def test_fast_path_agrees_on_any_text(raw: str) -> None:
    assert _fast(raw) == _slow(raw)


def test_every_mobile_prefix_agrees() -> None:
    for block in range(900, 1000):
        for tail in ("0000000", "1234567", "9999999"):
            for raw in (f"0{block}{tail}", f"+98{block}{tail}", f"{block}{tail}"):
                assert _fast(raw) == _slow(raw), raw
