"""Form fields for Persian input: Jalali dates, phone numbers, integers written with Persian digits.

Each field accepts what people type (Persian, Arabic-Indic or ASCII digits; Jalali or ISO dates) and cleans
to the value Mehvar keeps inside (a ``date``, an E.164 string, an ``int``). Errors are field errors in the
active language. Values shown back in the form use the active language's digits.
"""

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from mehvar.core.jalali import JalaliDateError, format_date, parse_date
from mehvar.core.phones import PhoneError, format_phone, normalize_phone
from mehvar.core.text import localize_digits, normalize_text, to_ascii_digits


def _digits() -> str:
    return "fa" if (translation.get_language() or "fa").startswith("fa") else "en"


class JalaliDateInput(forms.TextInput):
    """A text box (not type=date: browsers' date pickers are Gregorian) with a Jalali placeholder."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"dir": "ltr", "autocomplete": "off", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.setdefault("placeholder", localize_digits("1403/12/30", _digits()))
        return context


class JalaliDateField(forms.Field):
    """A date typed in Jalali (۱۴۰۳/۱۲/۳۰) or ISO (2025-03-20); cleans to ``datetime.date``."""

    widget = JalaliDateInput

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return format_date(value, digits=_digits())
        return value

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if value in self.empty_values or not normalize_text(str(value)):
            return None
        try:
            return parse_date(str(value))
        except JalaliDateError as error:
            raise ValidationError(error.message, code=error.code) from None


class PhoneInput(forms.TextInput):
    input_type = "tel"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"dir": "ltr", "autocomplete": "tel", **(attrs or {})})


class PhoneField(forms.CharField):
    """A phone number in any usual shape; cleans to E.164 (+989123456789)."""

    widget = PhoneInput

    def __init__(self, *, region: str = "IR", **kwargs: Any) -> None:
        self.region = region
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        """Show a stored E.164 number nationally; leave what the user typed untouched."""
        if isinstance(value, str) and value.startswith("+"):
            try:
                if normalize_phone(value) == value:
                    return format_phone(value, digits=_digits())
            except PhoneError:
                pass
        return value

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if text in self.empty_values or not normalize_text(text):
            return ""
        try:
            return normalize_phone(text, self.region)
        except PhoneError as error:
            raise ValidationError(error.message, code=error.code) from None


_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")
_INTEGER_SEPARATORS = str.maketrans({"٬": ",", "،": ",", "'": ",", "’": ",", "_": ","})


class PersianIntegerField(forms.IntegerField):
    """An integer typed with any digits: 123, ۱۲۳, ١٢٣, 1,234, ۱٬۲۳۴, 1 234; a minus sign is allowed."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return localize_digits(value, _digits())
        return value

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if value in self.empty_values:
            return None
        text = to_ascii_digits(normalize_text(str(value))).translate(_INTEGER_SEPARATORS)
        text = text.replace("−", "-")
        if not text:
            return None
        sign = -1 if text[0] == "-" else 1
        body = text[1:].strip() if text[0] in "+-" else text
        body = body.replace(" ", ",")  # 1 234 567: spaces as group separators
        if body.isdigit() and body.isascii():
            return sign * int(body)
        if _GROUPED.fullmatch(body):
            return sign * int(body.replace(",", ""))
        if re.fullmatch(r"\d+[.]\d+", body):
            raise ValidationError(_("Enter a whole number, without a decimal part."), code="invalid")
        raise ValidationError(_("Enter a whole number, for example 1250 or ۱۲۵۰."), code="invalid")


class SpreadsheetUploadForm(forms.Form):
    """One CSV or XLSX file for an upload page with fixed columns (``core.spreadsheet_uploads``)."""

    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}))

    def __init__(self, *args: Any, max_rows: int, max_megabytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("File")
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or Windows-1256) or XLSX, at most %(size)s MB and %(rows)s rows. "
            "The first row names the columns."
        ) % {"size": _number(max_megabytes), "rows": _number(max_rows)}


def _number(value: int) -> str:
    """A whole number with thousands separated, in the active language's digits (۲۰٬۰۰۰ or 20,000)."""
    text = f"{value:,}"
    return localize_digits(text.replace(",", "٬"), "fa") if _digits() == "fa" else text
