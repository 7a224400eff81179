import datetime as dt

import pytest
from django import forms
from django.utils import translation

from mehvar.core.forms import JalaliDateField, PersianIntegerField, PhoneField


class SampleForm(forms.Form):
    day = JalaliDateField(required=False)
    phone = PhoneField(required=False)
    amount = PersianIntegerField(required=False, min_value=0, max_value=10_000_000)


class RequiredForm(forms.Form):
    day = JalaliDateField()
    phone = PhoneField()
    amount = PersianIntegerField()


def clean(field_name, raw, language="en"):
    with translation.override(language):
        form = SampleForm(data={field_name: raw})
        assert form.is_valid(), form.errors
        return form.cleaned_data[field_name]


def errors(field_name, raw, language="en"):
    with translation.override(language):
        form = SampleForm(data={field_name: raw})
        assert not form.is_valid()
        return form.errors.as_data()[field_name]


# --- JalaliDateField -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1403/12/30", dt.date(2025, 3, 20)),
        ("۱۴۰۳/۱۲/۳۰", dt.date(2025, 3, 20)),
        ("١٤٠٣-١٢-٣٠", dt.date(2025, 3, 20)),
        ("2025-03-20", dt.date(2025, 3, 20)),
        ("۳۰ اسفند ۱۴۰۳", dt.date(2025, 3, 20)),
        ("", None),
        ("  ", None),
    ],
)
def test_jalali_date_field_cleans(raw, expected):
    assert clean("day", raw) == expected


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        ("1404/12/30", "invalid_day", "Esfand 1404 has 29 days"),
        ("1403/13/01", "invalid_month", "There is no month 13"),
        ("tomorrow", "invalid_format", "is not a date"),
    ],
)
def test_jalali_date_field_errors(raw, code, text):
    (error,) = errors("day", raw)
    assert error.code == code
    assert text in error.messages[0]


def test_jalali_date_field_error_in_persian():
    (error,) = errors("day", "1404/12/30", language="fa")
    assert "اسفند" in error.messages[0] and "۲۹" in error.messages[0]


def test_jalali_date_field_required():
    with translation.override("en"):
        form = RequiredForm(data={"day": "", "phone": "09123456789", "amount": "1"})
        assert not form.is_valid()
        assert form.errors.as_data()["day"][0].code == "required"


@pytest.mark.parametrize(
    ("language", "shown", "placeholder"),
    [("fa", "۱۴۰۳/۱۲/۳۰", "۱۴۰۳/۱۲/۳۰"), ("en", "1403/12/30", "1403/12/30")],
)
def test_jalali_date_field_shows_initial_in_jalali(language, shown, placeholder):
    with translation.override(language):
        html = str(SampleForm(initial={"day": dt.date(2025, 3, 20)})["day"])
    assert f'value="{shown}"' in html
    assert f'placeholder="{placeholder}"' in html
    assert 'type="text"' in html and 'dir="ltr"' in html


def test_jalali_date_field_redisplays_bad_input_as_typed():
    with translation.override("fa"):
        form = SampleForm(data={"day": "1404/12/30"})
        assert not form.is_valid()
        assert 'value="1404/12/30"' in str(form["day"])


def test_jalali_date_field_has_changed():
    with translation.override("fa"):
        unchanged = SampleForm(initial={"day": dt.date(2025, 3, 20)}, data={"day": "۱۴۰۳/۱۲/۳۰"})
        changed = SampleForm(initial={"day": dt.date(2025, 3, 20)}, data={"day": "۱۴۰۴/۰۱/۰۱"})
        assert "day" not in unchanged.changed_data
        assert "day" in changed.changed_data


# --- PhoneField ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09123456789", "+989123456789"),
        ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "+989123456789"),
        ("+98 912 345 6789", "+989123456789"),
        ("021-8877-6655", "+982188776655"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_phone_field_cleans_to_e164(raw, expected):
    assert clean("phone", raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0912", "too_short"),
        ("091234567890", "too_long"),
        ("call me", "not_a_number"),
        ("+98 123 456 7890", "invalid"),
    ],
)
def test_phone_field_errors(raw, code):
    (error,) = errors("phone", raw)
    assert error.code == code
    assert error.messages[0]


def test_phone_field_required():
    with translation.override("en"):
        form = RequiredForm(data={"day": "1403/12/30", "phone": "  ", "amount": "1"})
        assert not form.is_valid()
        assert form.errors.as_data()["phone"][0].code == "required"


@pytest.mark.parametrize(("language", "shown"), [("fa", "۰۹۱۲ ۳۴۵ ۶۷۸۹"), ("en", "0912 345 6789")])
def test_phone_field_shows_initial_nationally(language, shown):
    with translation.override(language):
        html = str(SampleForm(initial={"phone": "+989123456789"})["phone"])
    assert f'value="{shown}"' in html
    assert 'type="tel"' in html


def test_phone_field_redisplays_bad_input_as_typed():
    with translation.override("fa"):
        form = SampleForm(data={"phone": "+12"})
        assert not form.is_valid()
        assert 'value="+12"' in str(form["phone"])


# --- PersianIntegerField ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123", 123),
        ("۱۲۳", 123),
        ("١٢٣", 123),
        ("1,234", 1234),
        ("۱٬۲۳۴", 1234),
        ("۱,۲۳۴,۵۶۷", 1234567),
        ("1 234 567", 1234567),
        ("1\u00a0234", 1234),
        (" 42 ", 42),
        ("0", 0),
        ("۰", 0),
        ("+7", 7),
        ("", None),
    ],
)
def test_persian_integer_field_cleans(raw, expected):
    assert clean("amount", raw) == expected


def test_persian_integer_field_accepts_negative_without_limits():
    class Free(forms.Form):
        n = PersianIntegerField()

    for raw in ("-5", "−۵", "-۱٬۰۰۰"):
        form = Free(data={"n": raw})
        assert form.is_valid(), (raw, form.errors)
        assert form.cleaned_data["n"] in (-5, -1000)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12.5", "invalid"),
        ("۱۲٫۵", "invalid"),
        ("1,23", "invalid"),
        ("12,3456", "invalid"),
        ("abc", "invalid"),
        ("۱۲الف", "invalid"),
        ("1e3", "invalid"),
        ("-", "invalid"),
        ("20000000", "max_value"),
        ("-1", "min_value"),
    ],
)
def test_persian_integer_field_errors(raw, code):
    (error,) = errors("amount", raw)
    assert error.code == code


def test_persian_integer_field_decimal_message():
    (error,) = errors("amount", "۱۲٫۵")
    assert "whole number" in error.messages[0]


@pytest.mark.parametrize(("language", "shown"), [("fa", "۱۲۵۰"), ("en", "1250")])
def test_persian_integer_field_shows_digits_of_the_language(language, shown):
    with translation.override(language):
        html = str(SampleForm(initial={"amount": 1250})["amount"])
    assert f'value="{shown}"' in html
    assert 'type="text"' in html and 'inputmode="numeric"' in html


def test_persian_integer_field_has_changed():
    with translation.override("fa"):
        form = SampleForm(initial={"amount": 1250}, data={"amount": "۱۲۵۰"})
        assert "amount" not in form.changed_data
