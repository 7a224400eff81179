"""Small filters of the customer pages: ``{% load customers_ui %}``.

{{ customer.phone|phone }}        ۰۹۱۲ ۳۴۵ ۶۷۸۹ (the national form, in the reader's digits)
{{ identity|identity_value }}     a phone formatted, anything else as stored
"""

from typing import Any

from django import template

from mehvar.core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: Any) -> str:
    return format_phone(str(value)) if value else ""


@register.filter
def identity_value(identity: Any) -> str:
    value = str(getattr(identity, "value", "") or "")
    if value.startswith("+"):
        return format_phone(value)
    return value


@register.filter
def field_value(value: Any) -> str:
    """A custom field's stored value for reading: yes/no for booleans."""
    from django.utils.translation import gettext as _

    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return "" if value is None else str(value)
