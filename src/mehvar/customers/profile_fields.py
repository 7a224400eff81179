"""The profile's fields, checked and tidied before any write, and the guards every customer write uses.

Each ``clean_*`` returns the value to store or raises ``ValidationError({field: message})`` naming the field
(custom fields as ``custom_fields.<key>``), with a translated message. Names and places go through
``normalize_text``; phones and e-mails through ``matching.normalize_identity``; dates may be Jalali or ISO.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.jalali import JalaliDateError, parse_date
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text, search_key, to_ascii_digits
from mehvar.customers.models import Customer, CustomField, Lifecycle

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "display_name",
    "first_name_latin",
    "last_name_latin",
    "city",
    "province",
    "company",
    "job_title",
)
AUDITED_FIELDS = (
    *TEXT_FIELDS,
    "phone",
    "email",
    "birthday",
    "lifecycle",
    "owner",
    "contact_policy",
    "custom_fields",
)
CONTACT_POLICY_MAX_LENGTH = 2000
CUSTOM_TEXT_MAX_LENGTH = 500


# --- Guards -----------------------------------------------------------------------------------------------


def require(acting: Membership, perm: Perm, workspace_id: int | None = None) -> None:
    """PermissionDenied unless ``acting`` has ``perm`` (in ``workspace_id`` when given)."""
    if workspace_id is not None and acting.workspace_id != workspace_id:
        raise PermissionDenied
    if not role_has(acting.role, perm):
        raise PermissionDenied


def invalid(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def max_length(name: str) -> int:
    return Customer._meta.get_field(name).max_length  # type: ignore[return-value]


def clean_text(name: str, value: Any) -> str:
    text = normalize_text("" if value is None else str(value))
    if len(text) > max_length(name):
        raise invalid(
            name,
            _("This may have at most %(max)d characters (it has %(length)d).")
            % {"max": max_length(name), "length": len(text)},
            "max_length",
        )
    return text


def clean_birthday(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = parse_date(str(value))
        except JalaliDateError as error:
            raise invalid("birthday", error.message, error.code) from None
    if value > timezone.now().date():
        raise invalid("birthday", _("A birthday cannot be in the future."), "future")
    return value


def clean_lifecycle(value: Any) -> str:
    if value not in Lifecycle.values:
        raise invalid(
            "lifecycle",
            _("“%(value)s” is not a lifecycle stage.") % {"value": str(value)[:40]},
            "invalid_choice",
        )
    return str(value)


def clean_owner(workspace: Workspace, value: Any) -> Membership | None:
    if value is None or value == "":
        return None
    if isinstance(value, Membership):
        if value.workspace_id == workspace.pk:
            return value
    else:
        try:
            found = Membership.objects.filter(workspace=workspace, pk=int(value)).first()
        except (TypeError, ValueError):
            found = None
        if found is not None:
            return found
    raise invalid("owner_id", _("The account manager must be a member of this workspace."), "not_member")


def clean_contact(kind: str, value: Any) -> str:
    from mehvar.customers.matching import normalize_identity

    if value is None or str(value).strip() == "":
        return ""
    return normalize_identity(kind, str(value))


def clean_contact_policy(value: Any) -> str:
    text = normalize_text("" if value is None else str(value), multiline=True)
    if len(text) > CONTACT_POLICY_MAX_LENGTH:
        raise invalid(
            "contact_policy",
            _("This may have at most %(max)d characters (it has %(length)d).")
            % {"max": CONTACT_POLICY_MAX_LENGTH, "length": len(text)},
            "max_length",
        )
    return text


# --- Custom fields ----------------------------------------------------------------------------------------

_TRUE = {"1", "true", "yes", "y", "on", "بله", "آری", "اره", "آره", "بلی"}
_FALSE = {"0", "false", "no", "n", "off", "خیر", "نه"}


def custom_value(definition: CustomField, raw: Any) -> Any:
    """A stored value for one custom field: int/float, ISO date, one of the choices, bool or text."""
    field = f"custom_fields.{definition.key}"
    kind = definition.type
    if kind == CustomField.Type.NUMBER:
        if isinstance(raw, bool):
            raise invalid(field, _("%(label)s must be a number.") % {"label": definition.label}, "number")
        if isinstance(raw, int | float):
            return raw
        text = to_ascii_digits(normalize_text(str(raw))).replace(",", "").replace(" ", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise invalid(
                field, _("%(label)s must be a number.") % {"label": definition.label}, "number"
            ) from None
        if not number.is_finite():
            raise invalid(field, _("%(label)s must be a number.") % {"label": definition.label}, "number")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomField.Type.DATE:
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return parse_date(str(raw)).isoformat()
        except JalaliDateError as error:
            raise invalid(field, error.message, "date") from None
    if kind == CustomField.Type.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        word = search_key(str(raw))
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise invalid(field, _("%(label)s must be yes or no.") % {"label": definition.label}, "boolean")
    text = normalize_text(str(raw))
    if kind == CustomField.Type.CHOICE:
        for choice in definition.choices:
            if search_key(choice) == search_key(text):
                return choice
        raise invalid(
            field,
            _("“%(value)s” is not one of the choices of %(label)s: %(choices)s.")
            % {"value": text[:40], "label": definition.label, "choices": "، ".join(definition.choices)},
            "invalid_choice",
        )
    if len(text) > CUSTOM_TEXT_MAX_LENGTH:
        raise invalid(
            field,
            _("This may have at most %(max)d characters (it has %(length)d).")
            % {"max": CUSTOM_TEXT_MAX_LENGTH, "length": len(text)},
            "max_length",
        )
    return text


def clean_custom_fields(
    *, workspace: Workspace, values: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``current`` updated with ``values`` checked against the workspace's definitions.

    A value of None or "" removes the key. An unknown key raises ValidationError naming it.
    """
    if not isinstance(values, Mapping):
        raise invalid("custom_fields", _("Custom fields must be given as key and value pairs."))
    definitions = {d.key: d for d in CustomField.objects.filter(workspace=workspace, key__in=list(values))}
    result = dict(current or {})
    errors: dict[str, list[ValidationError]] = {}
    for key, raw in values.items():
        definition = definitions.get(key)
        if definition is None:
            errors[f"custom_fields.{key}"] = [
                ValidationError(
                    _("There is no custom field “%(key)s” in this workspace.") % {"key": str(key)[:50]},
                    code="unknown_field",
                )
            ]
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            result.pop(key, None)
            continue
        try:
            result[key] = custom_value(definition, raw)
        except ValidationError as error:
            errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)
    return result


def require_active(customer: Customer) -> None:
    """A merged or erased customer is not edited any more."""
    if not customer.is_active_record:
        raise invalid(
            "customer", _("This customer was merged into another or erased; it cannot change."), "inactive"
        )
