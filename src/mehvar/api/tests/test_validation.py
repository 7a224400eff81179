"""Pydantic errors → field paths and translated messages (unit level, no HTTP)."""

import pydantic
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from mehvar.api.validation import django_field_errors, pydantic_field_errors
from mehvar.core.phones import Phone


class Item(pydantic.BaseModel):
    phone: Phone


class Order(pydantic.BaseModel):
    items: list[Item]
    note: str = pydantic.Field(max_length=5)


def errors_of(data):
    with pytest.raises(pydantic.ValidationError) as caught:
        Order.model_validate(data)
    return pydantic_field_errors(caught.value.errors())


def test_nested_list_paths_are_dotted():
    good = {"phone": "09123456789"}
    errors = errors_of({"items": [good, good, good, {"phone": "12"}], "note": "too long"})
    assert {e.field for e in errors} == {"items.3.phone", "note"}


def test_custom_errors_keep_their_own_message():
    with translation.override("en"):
        (error,) = errors_of({"items": [{"phone": "12"}], "note": ""})
    assert error.code == "phone"
    assert "too short" in error.message


def test_limits_are_named_in_the_languages_digits():
    with translation.override("fa"):
        (fa,) = errors_of({"items": [], "note": "xxxxxxx"})
    with translation.override("en"):
        (en,) = errors_of({"items": [], "note": "xxxxxxx"})
    assert "۵" in fa.message and "5" in en.message
    assert fa.code == en.code == "string_too_long"


def test_django_validation_errors_keep_their_fields():
    errors = django_field_errors(ValidationError({"date": ["taken"], "title": ["empty"]}))
    assert {(e.field, e.message) for e in errors} == {("date", "taken"), ("title", "empty")}
    (plain,) = django_field_errors(ValidationError("whole thing is wrong", code="bad"))
    assert (plain.field, plain.code) == ("__all__", "bad")
