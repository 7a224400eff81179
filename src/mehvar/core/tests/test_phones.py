import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from mehvar.core.phones import Phone, PhoneError, format_phone, is_iranian_mobile, normalize_phone
from mehvar.core.text import to_persian_digits

MOBILE = "+989123456789"
TEHRAN_LANDLINE = "+982188776655"

GOOD = [
    # Iranian mobiles in every usual shape
    ("09123456789", MOBILE),
    ("9123456789", MOBILE),
    ("+989123456789", MOBILE),
    ("00989123456789", MOBILE),
    ("989123456789", MOBILE),
    ("+98 912 345 6789", MOBILE),
    ("+98 (0) 912 345 6789", MOBILE),
    ("0912 345 6789", MOBILE),
    ("0912-345-6789", MOBILE),
    ("0912.345.6789", MOBILE),
    ("(0912) 345 67 89", MOBILE),
    ("0098-912-345-6789", MOBILE),
    ("۰۹۱۲۳۴۵۶۷۸۹", MOBILE),
    ("۰۹۱۲ ۳۴۵ ۶۷۸۹", MOBILE),
    ("٠٩١٢٣٤٥٦٧٨٩", MOBILE),
    ("+۹۸۹۱۲۳۴۵۶۷۸۹", MOBILE),
    ("۰۰۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", MOBILE),
    ("tel:+989123456789", MOBILE),
    ("TEL: 0912 345 6789", MOBILE),
    ("\u200e+98 912 345 6789\u200f", MOBILE),
    ("\u00a00912\u2009345\u20096789 ", MOBILE),
    ("0912–345–6789", MOBILE),  # en dashes
    ("0935 123 4567", "+989351234567"),
    ("0901 123 4567", "+989011234567"),
    ("0990 123 4567", "+989901234567"),
    # landlines
    ("02188776655", TEHRAN_LANDLINE),
    ("021 8877 6655", TEHRAN_LANDLINE),
    ("(021) 8877-6655", TEHRAN_LANDLINE),
    ("+98 21 8877 6655", TEHRAN_LANDLINE),
    ("2188776655", TEHRAN_LANDLINE),
    ("۰۳۱ ۳۲۲۲ ۱۱۱۱", "+983132221111"),  # Isfahan
    ("051 3222 3333", "+985132223333"),  # Mashhad
    # foreign numbers with their country code
    ("+44 20 7946 0958", "+442079460958"),
    ("0044 20 7946 0958", "+442079460958"),
    ("+1 650 253 0000", "+16502530000"),
    ("+49 30 901820", "+4930901820"),
    ("+971 50 123 4567", "+971501234567"),
]


@pytest.mark.parametrize(("raw", "expected"), GOOD)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


BAD = [
    ("", "empty"),
    ("   ", "empty"),
    (None, "empty"),
    ("\u200e\u200f", "empty"),
    ("tel:", "empty"),
    ("abc", "not_a_number"),
    ("0912-CALL-ME", "not_a_number"),
    ("0912 345 678x", "not_a_number"),
    ("+98+912", "not_a_number"),
    ("0912#345", "not_a_number"),
    ("+", "not_a_number"),
    ("0912345678", "too_short"),  # one digit missing
    ("0912", "too_short"),
    ("12", "too_short"),
    ("+9", "too_short"),
    ("+98 912", "too_short"),
    ("021 8877 665", "too_short"),
    ("091234567890", "too_long"),  # one digit too many
    ("+98 912 345 67890", "too_long"),
    ("+98912345678901234", "too_long"),
    ("۰۹۱۲۳۴۵۶۷۸۹۱", "too_long"),
    ("+98 123 456 7890", "invalid"),  # no such Iranian area/operator code
    ("+999 123456", "invalid"),  # no such country code
    ("+44 20 7946 095", "invalid"),  # a UK number missing a digit
]


@pytest.mark.parametrize(("raw", "code"), BAD)
def test_normalize_phone_errors(raw, code):
    with translation.override("en"), pytest.raises(PhoneError) as caught:
        normalize_phone(raw)
    assert caught.value.code == code
    assert caught.value.message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("code", "raw", "text"),
    [
        ("empty", "", "Enter a phone number."),
        ("not_a_number", "abc", "This is not a phone number"),
        ("too_short", "0912345678", "too short"),
        ("too_long", "091234567890", "too long"),
        ("invalid", "+98 123 456 7890", "No phone number exists"),
    ],
)
def test_error_messages_name_the_problem(code, raw, text):
    with translation.override("en"), pytest.raises(PhoneError) as caught:
        normalize_phone(raw)
    assert caught.value.code == code
    assert text in caught.value.message


def test_other_default_region():
    assert normalize_phone("020 7946 0958", region="GB") == "+442079460958"


@pytest.mark.parametrize(
    ("e164", "digits", "expected"),
    [
        (MOBILE, "en", "0912 345 6789"),
        (MOBILE, "fa", "۰۹۱۲ ۳۴۵ ۶۷۸۹"),
        (TEHRAN_LANDLINE, "en", "021 8877 6655"),
        (TEHRAN_LANDLINE, "fa", "۰۲۱ ۸۸۷۷ ۶۶۵۵"),
        ("+442079460958", "en", "+44 20 7946 0958"),
        ("+442079460958", "fa", "+۴۴ ۲۰ ۷۹۴۶ ۰۹۵۸"),
        ("not a phone 12", "fa", "not a phone ۱۲"),  # shown as it is, never an error
        ("", "fa", ""),
        (None, "en", ""),
    ],
)
def test_format_phone(e164, digits, expected):
    assert format_phone(e164, digits=digits) == expected


def test_format_phone_follows_language():
    with translation.override("fa"):
        assert format_phone(MOBILE) == "۰۹۱۲ ۳۴۵ ۶۷۸۹"
    with translation.override("en"):
        assert format_phone(MOBILE) == "0912 345 6789"


def test_is_iranian_mobile():
    assert is_iranian_mobile(MOBILE)
    assert not is_iranian_mobile(TEHRAN_LANDLINE)
    assert not is_iranian_mobile("+447700900123")
    assert not is_iranian_mobile("junk")


class Contact(BaseModel):
    phone: Phone


def test_pydantic_phone_normalizes():
    assert Contact(phone="۰۹۱۲ ۳۴۵ ۶۷۸۹").phone == MOBILE


def test_pydantic_phone_error_is_translated_custom_error():
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        Contact(phone="0912")
    (error,) = caught.value.errors()
    assert error["type"] == "phone"
    assert error["loc"] == ("phone",)
    assert "too short" in error["msg"]
    assert error["ctx"] == {"code": "too_short"}  # the precise reason, for API error lists


def test_pydantic_phone_rejects_non_strings():
    with pytest.raises(ValidationError):
        Contact(phone=9123456789)


# --- properties --------------------------------------------------------------------------------------------

mobile_numbers = st.builds(
    lambda prefix, rest: f"09{prefix}{rest:07d}",
    st.sampled_from(["12", "13", "19", "35", "36", "01", "02", "90", "21", "22", "30", "33"]),
    st.integers(min_value=0, max_value=9_999_999),
)
shapes = st.sampled_from(
    [
        lambda n: n,
        lambda n: n[1:],
        lambda n: "+98" + n[1:],
        lambda n: "0098" + n[1:],
        lambda n: "98" + n[1:],
        lambda n: f"{n[:4]} {n[4:7]} {n[7:]}",
        lambda n: f"{n[:4]}-{n[4:7]}-{n[7:]}",
        lambda n: to_persian_digits(n),
        lambda n: "tel:" + n,
    ]
)


@settings(max_examples=300, deadline=None)
@given(mobile_numbers, shapes)
def test_every_shape_of_a_mobile_gives_one_e164(national, shape):
    expected = "+98" + national[1:]
    assert normalize_phone(shape(national)) == expected
    assert normalize_phone(format_phone(expected, digits="fa")) == expected
    assert normalize_phone(format_phone(expected, digits="en")) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=25))
def test_normalize_phone_only_raises_phone_errors(text):
    try:
        result = normalize_phone(text)
    except PhoneError as error:
        assert error.code in {"empty", "not_a_number", "too_short", "too_long", "invalid"}
    else:
        assert result.startswith("+") and result[1:].isdigit()
        assert normalize_phone(result) == result


def test_other_region_does_not_guess_iranian_shapes():
    assert normalize_phone("+98 912 345 6789", region="GB") == MOBILE
    assert normalize_phone("0044 20 7946 0958", region="GB") == "+442079460958"
    with pytest.raises(PhoneError):
        normalize_phone("989123456789", region="GB")
