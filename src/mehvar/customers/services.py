"""Writes for customers: the profile, identities and tags; many customers at once.

Every function is keyword-only and atomic, takes the acting member, checks ``customers.edit`` and writes one
audit entry with before/after. Bad input raises ``ValidationError({field: message})`` before anything is
written (fields are checked in ``profile_fields``). ``search_text`` is recomputed on every write that touches
names or contacts. Custom field definitions, consent, rights, notes and calls live in their own modules and
are re-exported here, so that ``services`` is the one door to customer writes.
"""

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mehvar.core.audit import audit_record, changed, snapshot
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm
from mehvar.core.text import normalize_text, search_key
from mehvar.customers.cleaning import NewCustomer, clean_new_customer
from mehvar.customers.consent import consent_record, rights_acknowledge
from mehvar.customers.custom_fields import custom_field_define
from mehvar.customers.models import Customer, Identity, IdentityKind, Tag
from mehvar.customers.notes import CallDirection, CallOutcome, call_log, note_add
from mehvar.customers.profile_fields import (
    AUDITED_FIELDS,
    TEXT_FIELDS,
    clean_birthday,
    clean_contact,
    clean_contact_policy,
    clean_custom_fields,
    clean_lifecycle,
    clean_owner,
    clean_text,
    invalid,
    require,
    require_active,
)

__all__ = [
    "AUDITED_FIELDS",
    "CallDirection",
    "CallOutcome",
    "call_log",
    "consent_record",
    "custom_field_define",
    "customer_bulk_create",
    "customer_create",
    "customer_update",
    "identity_add",
    "identity_remove",
    "note_add",
    "rights_acknowledge",
    "tag_add",
    "tag_for",
    "tag_remove",
]

A = AuditEntry.Action
BULK_BATCH_SIZE = 1000


# --- Customers --------------------------------------------------------------------------------------------


def _refresh_search_text(customer: Customer) -> None:
    from mehvar.customers.search import search_text_for

    identities = list(Identity.objects.filter(workspace_id=customer.workspace_id, customer=customer))
    customer.search_text = search_text_for(customer, identities)


def _taken(workspace: Workspace, kind: str, value: str, customer: Customer | None) -> bool:
    """Whether another live customer already has this identity (as a row or as a primary contact)."""
    others = Identity.objects.filter(workspace=workspace, kind=kind, value=value)
    primary = Customer.objects.filter(workspace=workspace, merged_into__isnull=True, erased_at__isnull=True)
    if kind == IdentityKind.PHONE:
        primary = primary.filter(phone=value)
    elif kind == IdentityKind.EMAIL:
        primary = primary.filter(email=value)
    else:
        primary = primary.none()
    if customer is not None:
        others, primary = others.exclude(customer=customer), primary.exclude(pk=customer.pk)
    return others.exists() or primary.exists()


def _taken_error(field: str) -> ValidationError:
    return invalid(
        field,
        _("This belongs to another customer already. Open that customer, or merge the two."),
        "taken",
    )


def _apply(customer: Customer, fields: Mapping[str, Any]) -> set[str]:
    """Clean ``fields`` onto ``customer`` (not saved); the names of the profile fields given."""
    workspace = customer.workspace
    touched: set[str] = set()
    errors: dict[str, list[ValidationError]] = {}
    for name, value in fields.items():
        try:
            if name in TEXT_FIELDS:
                setattr(customer, name, clean_text(name, value))
            elif name in ("phone", "email"):
                setattr(customer, name, clean_contact(name, value))
            elif name == "birthday":
                customer.birthday = clean_birthday(value)
            elif name == "lifecycle":
                customer.lifecycle = clean_lifecycle(value)
            elif name in ("owner", "owner_id"):
                customer.owner = clean_owner(workspace, value)
                name = "owner"
            elif name == "contact_policy":
                customer.contact_policy = clean_contact_policy(value)
            elif name == "custom_fields":
                customer.custom_fields = (
                    {}
                    if value is None
                    else clean_custom_fields(
                        workspace=workspace, values=value, current=customer.custom_fields
                    )
                )
            else:
                raise invalid(name, _("Unknown customer field."), "unknown_field")
        except ValidationError as error:
            errors.update(error.error_dict)
            continue
        touched.add(name)
    if errors:
        raise ValidationError(errors)
    if not customer.display_name:
        customer.display_name = f"{customer.first_name} {customer.last_name}".strip()[:200]
    return touched


def tag_for(workspace: Workspace, name: str) -> Tag:
    clean = normalize_text(name)
    key = search_key(clean)
    if not key:
        raise invalid("tags", _("A tag needs a name."), "required")
    if len(clean) > 60:
        raise invalid("tags", _("A tag may have at most 60 characters."), "max_length")
    tag, _created = Tag.objects.get_or_create(workspace=workspace, key=key, defaults={"name": clean})
    return tag


def _tag_names(customer: Customer) -> list[str]:
    return sorted(customer.tags.values_list("name", flat=True))


def customer_create(
    *,
    acting: Membership,
    tags: Iterable[str] | None = None,
    identities: Iterable[tuple[str, str]] | None = None,
    via: str = "web",
    **fields: Any,
) -> Customer:
    """A new customer from profile fields (see ``AUDITED_FIELDS``; ``owner`` or ``owner_id``), with tags and
    extra identities (kind, raw value). Phone and e-mail become the primary identities."""
    require(acting, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.matching import normalize_identity

    workspace = acting.workspace
    customer = Customer(workspace=workspace)
    fields = {k: v for k, v in fields.items() if v is not None}
    _apply(customer, fields)
    pairs: list[tuple[str, str, str]] = []
    if customer.phone:
        pairs.append((IdentityKind.PHONE, customer.phone, str(fields.get("phone", ""))))
    if customer.email:
        pairs.append((IdentityKind.EMAIL, customer.email, str(fields.get("email", ""))))
    for position, (kind, raw) in enumerate(identities or []):
        try:
            pairs.append((kind, normalize_identity(kind, raw), str(raw)[:254]))
        except ValidationError as error:
            raise ValidationError(
                {f"identities.{position}": [m for ms in error.message_dict.values() for m in ms]}
            ) from error
    pairs = list({(k, v): (k, v, w) for k, v, w in pairs}.values())
    if not (customer.display_name or pairs):
        raise invalid("display_name", _("Give at least a name, a phone or an e-mail."), "required")
    with transaction.atomic():
        for kind, value, _written in pairs:
            if _taken(workspace, kind, value, None):
                raise _taken_error(kind if kind in ("phone", "email") else "identities")
        if not customer.phone:
            customer.phone = next((v for k, v, _w in pairs if k == IdentityKind.PHONE), "")
        if not customer.email:
            customer.email = next((v for k, v, _w in pairs if k == IdentityKind.EMAIL), "")
        customer.save()
        Identity.objects.bulk_create(
            [
                Identity(workspace=workspace, customer=customer, kind=k, value=v, written_as=w)
                for k, v, w in pairs
            ]
        )
        for name in tags or []:
            customer.tags.add(tag_for(workspace, name))
        _refresh_search_text(customer)
        customer.save(update_fields=["search_text"])
        audit_record(
            workspace=workspace,
            actor=acting.user,
            action=A.CREATE,
            obj=customer,
            after={
                **snapshot(customer, AUDITED_FIELDS),
                "identities": [f"{k}:{v}" for k, v, _w in pairs],
                "tags": _tag_names(customer),
            },
            via=via,
        )
    return customer


def customer_update(*, acting: Membership, customer: Customer, via: str = "web", **fields: Any) -> Customer:
    """Change the given profile fields (None clears one). ``tags`` replaces the tags; ``custom_fields``
    updates only the keys given (None as a value removes one). A new phone or e-mail replaces the primary
    identity of that kind; other identities go through ``identity_add`` / ``identity_remove``."""
    require(acting, Perm.CUSTOMERS_EDIT, customer.workspace_id)
    require_active(customer)
    workspace = customer.workspace
    tags = fields.pop("tags", ...)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk, workspace=workspace)
        before = snapshot(locked, AUDITED_FIELDS)
        old_contacts = {"phone": locked.phone, "email": locked.email}
        _apply(locked, fields)
        for kind in ("phone", "email"):
            new = getattr(locked, kind)
            if new == old_contacts[kind]:
                continue
            if new and _taken(workspace, kind, new, locked):
                raise _taken_error(kind)
            if old_contacts[kind]:
                Identity.objects.filter(
                    workspace=workspace, customer=locked, kind=kind, value=old_contacts[kind]
                ).delete()
            if new:
                Identity.objects.get_or_create(
                    workspace=workspace,
                    kind=kind,
                    value=new,
                    defaults={"customer": locked, "written_as": str(fields.get(kind, ""))[:254]},
                )
            else:  # cleared: another identity of that kind, if any, becomes primary
                setattr(locked, kind, _next_primary(locked, kind))
        tags_before = _tag_names(locked)
        if tags is not ...:
            locked.tags.set([tag_for(workspace, name) for name in tags or []])
        _refresh_search_text(locked)
        locked.save()
        old, new = changed(before, snapshot(locked, AUDITED_FIELDS))
        tags_after = _tag_names(locked)
        if tags_after != tags_before:
            old["tags"], new["tags"] = tags_before, tags_after
        if new:
            audit_record(
                workspace=workspace,
                actor=acting.user,
                action=A.UPDATE,
                obj=locked,
                before=old,
                after=new,
                via=via,
            )
    _copy(locked, customer)
    return customer


def _copy(source: Customer, target: Customer) -> None:
    for field in Customer._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.fields_cache.pop("owner", None)


def _next_primary(customer: Customer, kind: str) -> str:
    return (
        Identity.objects.filter(workspace_id=customer.workspace_id, customer=customer, kind=kind)
        .order_by("created_at", "pk")
        .values_list("value", flat=True)
        .first()
        or ""
    )


# --- Identities -------------------------------------------------------------------------------------------


def identity_add(
    *, acting: Membership, customer: Customer, kind: str, value: str, via: str = "web"
) -> Identity:
    """Give ``customer`` one more identity; refused when another customer has it (merge them instead)."""
    from mehvar.customers.matching import normalize_identity

    require(acting, Perm.CUSTOMERS_EDIT, customer.workspace_id)
    require_active(customer)
    normalized = normalize_identity(kind, value)
    workspace = customer.workspace
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk, workspace=workspace)
        if _taken(workspace, kind, normalized, locked):
            raise _taken_error(kind)
        identity, created = Identity.objects.get_or_create(
            workspace=workspace,
            kind=kind,
            value=normalized,
            defaults={"customer": locked, "written_as": str(value)[:254]},
        )
        if not created:
            return identity
        fields = ["search_text"]
        if kind in ("phone", "email") and not getattr(locked, kind):
            setattr(locked, kind, normalized)
            fields.append(kind)
        _refresh_search_text(locked)
        locked.save(update_fields=[*fields, "updated_at"])
        audit_record(
            workspace=workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=locked,
            after={"identity_added": f"{kind}:{normalized}"},
            via=via,
        )
    _copy(locked, customer)
    return identity


def identity_remove(*, acting: Membership, identity: Identity, via: str = "web") -> None:
    """Take an identity away from its customer; a removed primary contact is replaced by another one."""
    require(acting, Perm.CUSTOMERS_EDIT, identity.workspace_id)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(
            pk=identity.customer_id, workspace_id=identity.workspace_id
        )
        require_active(customer)
        identity.delete()
        fields = ["search_text"]
        if identity.kind in ("phone", "email") and getattr(customer, identity.kind) == identity.value:
            setattr(customer, identity.kind, _next_primary(customer, identity.kind))
            fields.append(identity.kind)
        _refresh_search_text(customer)
        customer.save(update_fields=[*fields, "updated_at"])
        audit_record(
            workspace=customer.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=customer,
            before={"identity_removed": f"{identity.kind}:{identity.value}"},
            via=via,
        )


# --- Tags -------------------------------------------------------------------------------------------------


def tag_add(*, acting: Membership, customer: Customer, name: str, via: str = "web") -> Tag:
    """Tag the customer; "مشتری ویژه", "مشتري‌ويژه" and "مشتری  ویژه" are one tag."""
    require(acting, Perm.CUSTOMERS_EDIT, customer.workspace_id)
    require_active(customer)
    with transaction.atomic():
        tag = tag_for(customer.workspace, name)
        if not customer.tags.filter(pk=tag.pk).exists():
            customer.tags.add(tag)
            audit_record(
                workspace=customer.workspace,
                actor=acting.user,
                action=A.UPDATE,
                obj=customer,
                after={"tag_added": tag.name},
                via=via,
            )
    return tag


def tag_remove(*, acting: Membership, customer: Customer, name: str, via: str = "web") -> None:
    require(acting, Perm.CUSTOMERS_EDIT, customer.workspace_id)
    require_active(customer)
    tag = Tag.objects.filter(workspace_id=customer.workspace_id, key=search_key(name)).first()
    if tag is None:
        return
    with transaction.atomic():
        if customer.tags.filter(pk=tag.pk).exists():
            customer.tags.remove(tag)
            audit_record(
                workspace=customer.workspace,
                actor=acting.user,
                action=A.UPDATE,
                obj=customer,
                before={"tag_removed": tag.name},
                via=via,
            )


# --- Many at once (demo, imports) -------------------------------------------------------------------------


def customer_bulk_create(
    *,
    workspace: Workspace,
    rows: Iterable[NewCustomer],
    acting: Membership | None = None,
    via: str = "system",
    batch_size: int = BULK_BATCH_SIZE,
) -> int:
    """Create many customers in ``workspace`` and return how many; all or none.

    ``rows`` may be any iterable, a generator of millions included: it is read and written ``batch_size``
    rows at a time, so memory stays flat. Phones become E.164 and e-mails are tidied; a row that cannot be
    cleaned raises ValidationError naming its position (counted from 1) and nothing is kept. ``acting`` is
    the member doing it (None for the system: the demo, an import task); it needs ``customers.edit``.
    """
    if acting is not None:
        require(acting, Perm.CUSTOMERS_EDIT, workspace.pk)
    now = timezone.now()
    created = 0
    numbered = enumerate(rows, start=1)
    with transaction.atomic():
        while batch := list(itertools.islice(numbered, batch_size)):
            customers = [_customer(workspace, position, row, now) for position, row in batch]
            Customer.objects.bulk_create(customers, batch_size=batch_size)
            created += len(customers)
        if created:
            audit_record(
                workspace=workspace,
                actor=acting.user if acting is not None else None,
                action=A.CREATE,
                object_type=Customer._meta.label_lower,
                object_label=ngettext("%(count)d customer", "%(count)d customers", created)
                % {"count": created},
                after={"count": created},
                via=via,
            )
    return created


def _customer(workspace: Workspace, position: int, row: NewCustomer, now: dt.datetime) -> Customer:
    from mehvar.customers.search import search_text_for

    try:
        clean = clean_new_customer(row)
    except ValidationError as error:
        messages = {
            field: _("Row %(row)d: %(error)s") % {"row": position, "error": " ".join(errors)}
            for field, errors in error.message_dict.items()
        }
        raise ValidationError(messages) from error
    customer = Customer(
        workspace=workspace,
        first_name=clean.first_name,
        last_name=clean.last_name,
        display_name=clean.display_name,
        phone=clean.phone,
        email=clean.email,
        city=clean.city,
        province=clean.province,
        birthday=clean.birthday,
        created_at=now,
    )
    customer.search_text = search_text_for(customer, [])
    return customer
