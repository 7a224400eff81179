"""Custom fields: the typed fields a workspace defines for its customers (values are checked in
``profile_fields.clean_custom_fields`` and stored in ``Customer.custom_fields``)."""

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record, changed, snapshot
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm
from mehvar.core.text import normalize_text
from mehvar.customers.models import CustomField
from mehvar.customers.profile_fields import invalid, require

A = AuditEntry.Action
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


def custom_field_define(
    *,
    acting: Membership,
    key: str,
    label: str,
    type: str,
    choices: Iterable[str] | None = None,
    position: int = 0,
    via: str = "web",
) -> CustomField:
    """Define a custom field, or change the label, choices and position of the one with this key.

    A field's type never changes (stored values would stop meaning what they meant).
    """
    require(acting, Perm.WORKSPACE_MANAGE)
    workspace = acting.workspace
    key = (key or "").strip()
    if not _KEY.match(key):
        raise invalid(
            "key",
            _("A key is 1-50 lower-case Latin letters, digits and underscores, starting with a letter."),
        )
    label = normalize_text(label)
    if not label or len(label) > 100:
        raise invalid("label", _("Give a label of at most 100 characters."))
    if type not in CustomField.Type.values:
        raise invalid("type", _("“%(value)s” is not a type of field.") % {"value": str(type)[:20]})
    cleaned = list(dict.fromkeys(normalize_text(c) for c in choices or [] if normalize_text(c)))
    if type == CustomField.Type.CHOICE and not cleaned:
        raise invalid("choices", _("A choice field needs at least one choice."))
    if any(len(c) > 100 for c in cleaned) or len(cleaned) > 100:
        raise invalid("choices", _("At most 100 choices of at most 100 characters each."))
    with transaction.atomic():
        field = CustomField.objects.select_for_update().filter(workspace=workspace, key=key).first()
        if field is None:
            field = CustomField.objects.create(
                workspace=workspace, key=key, label=label, type=type, choices=cleaned, position=position
            )
            audit_record(
                workspace=workspace,
                actor=acting.user,
                action=A.CREATE,
                obj=field,
                after=snapshot(field, ["key", "label", "type", "choices", "position"]),
                via=via,
            )
            return field
        if field.type != type:
            raise invalid("type", _("The type of an existing field cannot change."), "type_change")
        before = snapshot(field, ["label", "choices", "position"])
        field.label, field.choices, field.position = label, cleaned, position
        field.save(update_fields=["label", "choices", "position"])
        old, new = changed(before, snapshot(field, ["label", "choices", "position"]))
        if new:
            audit_record(
                workspace=workspace,
                actor=acting.user,
                action=A.UPDATE,
                obj=field,
                before=old,
                after=new,
                via=via,
            )
    return field
