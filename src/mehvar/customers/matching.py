"""Identity resolution: the one service every inbound path uses to find (or create) the customer behind a
phone number, an e-mail address, a messenger handle, a website visitor or a shop account.

Every identifier is normalised first (:func:`normalize_identity`), so that one person written many ways is
one key:

* ``phone`` and ``whatsapp``: E.164 through ``mehvar.core.phones`` (۰۹۱۲ ۳۴۵ ۶۷۸۹, 00989123456789 and
  +98 912-345-6789 are all +989123456789). WhatsApp accounts are phone numbers.
* ``email``: trimmed and lower-cased; ``googlemail.com`` is folded into ``gmail.com`` (Google delivers both
  to one mailbox). Dots and ``+tags`` in the local part are *kept*: only some providers ignore them, and
  folding them for everyone would join different people.
* ``telegram``, ``instagram``, ``bale``, ``eitaa``: a leading ``@`` and a profile URL (t.me/…,
  instagram.com/…, ble.ir/…, eitaa.com/…) are removed and the handle is lower-cased.
* ``web_visitor`` and ``shop_account``: the id as given, trimmed.

Resolution is deterministic. The identities are looked up inside the workspace (an ``Identity`` row, or a
customer whose primary ``phone``/``email`` equals the value, for customers stored before they had identity
rows). When they lead to more than one customer, the customers are **not** merged: the customer of the
*first identity in the order given* is returned, the other identities stay where they are, and a
``DuplicateSuggestion`` ("shared identity conflict") goes to the review queue. New identities are attached
to the customer found; with none found (and ``create=True``) a customer is created with them. The unique
constraint on (workspace, kind, value) makes concurrent resolution safe: the loser of a race retries once
and finds the winner's customer.
"""

import dataclasses
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField, Model, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.phones import PhoneError, normalize_phone
from mehvar.core.text import normalize_text, to_ascii_digits
from mehvar.customers.models import Customer, DuplicateSuggestion, Identity, IdentityKind

PHONE_KINDS = frozenset({IdentityKind.PHONE, IdentityKind.WHATSAPP})
HANDLE_KINDS = frozenset(
    {IdentityKind.TELEGRAM, IdentityKind.INSTAGRAM, IdentityKind.BALE, IdentityKind.EITAA}
)
ID_KINDS = frozenset({IdentityKind.WEB_VISITOR, IdentityKind.SHOP_ACCOUNT})
CONFLICT_SIGNAL = "shared identity conflict"
BULK_MAX_ITEMS = 1000
VALUE_MAX_LENGTH = 254

_EMAIL_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
_PROFILE_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?"
    r"(?:t\.me|telegram\.me|telegram\.dog|instagram\.com|instagr\.am|ble\.ir|eitaa\.com)/+",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"^[a-z0-9_.]+$")

IdentityPair = tuple[str, str]
_KIND_VALUES = frozenset(IdentityKind.values)


@dataclasses.dataclass(frozen=True, slots=True)
class ResolveResult:
    customer: Customer
    created: bool
    conflicts: tuple[Customer, ...] = ()  # other customers the identities also pointed at (not merged)


# --- Normalisation ----------------------------------------------------------------------------------------


def _bad(kind: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({kind: message}, code=code)


def normalize_email(raw: str) -> str:
    """A trimmed, lower-cased address with googlemail.com folded into gmail.com; ValueError when invalid."""
    email = to_ascii_digits(normalize_text(raw)).strip().lower()
    validate_email(email)  # raises ValidationError
    local, _at, domain = email.rpartition("@")
    return f"{local}@{_EMAIL_DOMAIN_ALIASES.get(domain, domain)}"


def normalize_handle(raw: str) -> str:
    """A messenger handle without @ or profile URL, lower-cased; "" when nothing usable is left."""
    handle = to_ascii_digits(normalize_text(raw)).strip()
    handle = _PROFILE_URL.sub("", handle)
    handle = handle.split("?", 1)[0].split("#", 1)[0].strip("/").lstrip("@").lower()
    return handle if _HANDLE.match(handle) else ""


def normalize_identity(kind: str, raw: str) -> str:
    """The normalised value of one identifier; ``ValidationError({kind: message})`` when it is not usable."""
    if kind not in _KIND_VALUES:
        raise _bad("kind", _("Unknown identity kind: %(kind)s.") % {"kind": kind}, "unknown_kind")
    raw = "" if raw is None else str(raw)
    if kind in PHONE_KINDS:
        try:
            return normalize_phone(raw)
        except PhoneError as error:
            raise _bad(kind, error.message, error.code) from error
    if kind == IdentityKind.EMAIL:
        try:
            value = normalize_email(raw)
        except ValidationError as error:
            raise _bad(kind, _("Enter a valid e-mail address.")) from error
    elif kind in HANDLE_KINDS:
        value = normalize_handle(raw)
        if not value:
            raise _bad(
                kind, _("Enter a username: letters, digits, dots and underscores, such as @ali_rezaei.")
            )
    else:
        value = raw.strip()
        if not value:
            raise _bad(kind, _("This identifier is empty."), "empty")
    if len(value) > VALUE_MAX_LENGTH:
        raise _bad(kind, _("This identifier is too long."), "too_long")
    return value


def _normalized(identities: Iterable[IdentityPair], *, where: str = "") -> list[tuple[str, str, str]]:
    """(kind, value, as written) for each identity, in order, without repeats."""
    seen: set[tuple[str, str]] = set()
    result = []
    for kind, raw in identities:
        try:
            value = normalize_identity(kind, raw)
        except ValidationError as error:
            if not where:
                raise
            raise ValidationError(
                {f"{where}.{field}": messages for field, messages in error.message_dict.items()}
            ) from error
        if (kind, value) not in seen:
            seen.add((kind, value))
            result.append((kind, value, str(raw)[:VALUE_MAX_LENGTH]))
    return result


# --- Search text and primary contacts ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Pair:
    """An identity not stored yet, as refresh_contacts and search_text_for read one (kind and value)."""

    kind: str
    value: str


def refresh_contacts(customer: Customer, identities: Sequence[Identity]) -> list[str]:
    """Fill an empty primary phone/e-mail from the identities, recompute search text; the changed fields."""
    changed = []
    if not customer.phone:
        phone = next((i.value for i in identities if i.kind == IdentityKind.PHONE), "")
        if phone:
            customer.phone, changed = phone, [*changed, "phone"]
    if not customer.email:
        email = next((i.value for i in identities if i.kind == IdentityKind.EMAIL), "")
        if email:
            customer.email, changed = email, [*changed, "email"]
    from mehvar.customers.search import search_text_for  # search imports services, which import us

    text = search_text_for(customer, identities)
    if text != customer.search_text:
        customer.search_text, changed = text, [*changed, "search_text"]
    return changed


# --- Lookup -----------------------------------------------------------------------------------------------


def _identity_rows(workspace: Workspace, by_kind: dict[str, set[str]]) -> Iterable[tuple[str, str, int]]:
    """(kind, value, customer id) of the Identity rows with these values. On PostgreSQL one query with an
    array per kind (Django's ``__in`` prepares each of a thousand values in Python, slowly)."""
    if connection.vendor == "postgresql":
        table = Identity._meta.db_table
        condition = " OR ".join("(kind = %s AND value = ANY(%s::text[]))" for _kind in by_kind)
        params: list[Any] = [workspace.pk]
        for kind, values in by_kind.items():
            params += [kind, list(values)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT kind, value, customer_id FROM {table} WHERE workspace_id = %s AND ({condition})",
                params,
            )
            return cursor.fetchall()
    condition = Q()
    for kind, values in by_kind.items():
        condition |= Q(kind=kind, value__in=values)
    return Identity.objects.filter(condition, workspace=workspace).values_list("kind", "value", "customer_id")


def _lookup_rows(
    workspace: Workspace, pairs: Iterable[tuple[str, str]], *, no_rows: bool = False
) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """(kind, value) → customer id for every known identity among ``pairs`` (one or two queries), and the
    pairs found as Identity rows (the others were primary contacts). ``no_rows``: the caller knows none of
    them is an Identity row (only primary contacts are looked up)."""
    by_kind: dict[str, set[str]] = {}
    for kind, value in pairs:
        by_kind.setdefault(kind, set()).add(value)
    if not by_kind:
        return {}, set()
    rows = () if no_rows else _identity_rows(workspace, by_kind)
    found = {(kind, value): customer_id for kind, value, customer_id in rows}
    rows = set(found)
    # Customers stored before they had identity rows are found by their primary phone or e-mail.
    phones = {v for v in by_kind.get(IdentityKind.PHONE, ()) if (IdentityKind.PHONE, v) not in found}
    emails = {v for v in by_kind.get(IdentityKind.EMAIL, ()) if (IdentityKind.EMAIL, v) not in found}
    if phones or emails:
        primary = (
            Customer.objects.filter(workspace=workspace, merged_into__isnull=True, erased_at__isnull=True)
            .filter(Q(phone__in=phones) | Q(email__in=emails))
            .order_by("pk")
            .values_list("pk", "phone", "email")
        )
        for pk, phone, email in primary:  # the oldest customer with that contact, deterministically
            if phone in phones:
                found.setdefault((IdentityKind.PHONE, phone), pk)
            if email in emails:
                found.setdefault((IdentityKind.EMAIL, email), pk)
    return found, rows


def _suggest_conflicts(workspace: Workspace, chosen: int, others: dict[int, list[tuple[str, str]]]) -> None:
    suggestions = []
    for other, shared in others.items():
        a, b = sorted((chosen, other))
        evidence = [
            {"signal": CONFLICT_SIGNAL, "a": f"{k}:{v}", "b": f"{k}:{v}", "weight": 1.0} for k, v in shared
        ]
        suggestions.append(
            DuplicateSuggestion(
                workspace=workspace, customer_a_id=a, customer_b_id=b, score=1.0, evidence=evidence
            )
        )
    DuplicateSuggestion.objects.bulk_create(suggestions, ignore_conflicts=True)


def _fields(defaults: dict[str, Any] | None) -> dict[str, Any]:
    if not defaults:
        return {}
    allowed = {f.name for f in Customer._meta.concrete_fields} - {
        "id",
        "workspace",
        "merged_into",
        "erased_at",
    }
    unknown = set(defaults) - allowed
    if unknown:
        raise ValidationError({name: _("Unknown customer field.") for name in sorted(unknown)})
    fields = dict(defaults or {})
    if not fields.get("display_name"):
        name = f"{fields.get('first_name', '')} {fields.get('last_name', '')}".strip()
        if name:
            fields["display_name"] = name[:200]
    return fields


# --- One customer -----------------------------------------------------------------------------------------


def customer_resolve(
    *,
    workspace: Workspace,
    identities: list[IdentityPair],
    defaults: dict[str, Any] | None = None,
    create: bool = True,
    acting: Membership | None = None,
    via: str = "system",
) -> ResolveResult | None:
    """The customer behind ``identities`` (kind, raw value) in ``workspace``; see the module docstring.

    ``defaults`` are Customer fields used only when a customer is created. With ``create=False`` and no
    customer found the answer is None. Raises ValidationError for a malformed identifier.
    """
    normalized = _normalized(identities)
    if not normalized:
        raise ValidationError({"identities": _("Give at least one phone, e-mail or other identifier.")})
    fields = _fields(defaults)
    pairs = [(k, v) for k, v, _w in normalized]
    for attempt in range(2):
        if len(pairs) == 1:  # the usual case (one sender): the customer and their identity in one read
            kind, value = pairs[0]
            known = Customer.objects.filter(
                workspace=workspace,
                identities__workspace=workspace,
                identities__kind=kind,
                identities__value=value,
            ).first()
            if known is not None:  # stored as theirs: nothing to write
                return ResolveResult(customer=known, created=False)
        found, in_rows = _lookup_rows(workspace, pairs, no_rows=len(pairs) == 1)
        owners = list(dict.fromkeys(found[pair] for pair in pairs if pair in found))
        if not owners and not create:
            return None
        if len(owners) == 1 and all(pair in in_rows for pair in pairs):
            # Every identity is stored, as one customer's: nothing to write, so no savepoint either.
            return ResolveResult(
                customer=Customer.objects.get(workspace=workspace, pk=owners[0]), created=False
            )
        try:
            with transaction.atomic():
                return _resolve_once(workspace, normalized, fields, create, acting, via, found, in_rows)
        except IntegrityError:
            if attempt:  # a second collision is not a race any more
                raise
    raise AssertionError("unreachable")


def _resolve_once(
    workspace: Workspace,
    normalized: list[tuple[str, str, str]],
    fields: dict[str, Any],
    create: bool,
    acting: Membership | None,
    via: str,
    found: dict[tuple[str, str], int],
    in_rows: set[tuple[str, str]],
) -> ResolveResult | None:
    owners = list(dict.fromkeys(found[(k, v)] for k, v, _w in normalized if (k, v) in found))
    created = False
    actor = acting.user if acting is not None else None
    if owners:
        customer = Customer.objects.get(workspace=workspace, pk=owners[0])
    elif create:
        # Every identity is new: the contacts and search text are filled before the row is written, so
        # that it is written once.
        customer = Customer(workspace=workspace, **fields)
        refresh_contacts(customer, [_Pair(kind=k, value=v) for k, v, _w in normalized])
        customer.save(force_insert=True)
        created = True
    else:
        return None
    existing = {(k, v) for (k, v), owner in found.items() if owner == customer.pk}
    new = [
        Identity(workspace=workspace, customer=customer, kind=k, value=v, written_as=w)
        for k, v, w in normalized
        if (k, v) not in found
    ]
    # A primary phone/e-mail found without an Identity row gets one now. (The pairs found as Identity rows
    # need no second look: (workspace, kind, value) is unique.)
    if any((k, v) in existing and (k, v) not in in_rows for k, v, _w in normalized):
        known_rows = set(
            Identity.objects.filter(workspace=workspace, customer=customer).values_list("kind", "value")
        )
        new += [
            Identity(workspace=workspace, customer=customer, kind=k, value=v, written_as=w)
            for k, v, w in normalized
            if (k, v) in existing and (k, v) not in known_rows
        ]
    if new:
        Identity.objects.bulk_create(new)
    others: dict[int, list[tuple[str, str]]] = {}
    for (k, v), owner in found.items():
        if owner != customer.pk:
            others.setdefault(owner, []).append((k, v))
    if others:
        _suggest_conflicts(workspace, customer.pk, others)
    if new and not created:
        all_identities = list(Identity.objects.filter(workspace=workspace, customer=customer).order_by("pk"))
        changed = refresh_contacts(customer, all_identities)
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
    if new or created:
        audit_record(
            workspace=workspace,
            actor=actor,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            obj=customer,
            after={"identities": [f"{i.kind}:{i.value}" for i in new]},
            via=via,
        )
    conflicts = (
        tuple(Customer.objects.filter(workspace=workspace, pk__in=others).order_by("pk")) if others else ()
    )
    return ResolveResult(customer=customer, created=created, conflicts=conflicts)


# --- Many at once -----------------------------------------------------------------------------------------


def customers_resolve_bulk(
    *,
    workspace: Workspace,
    items: list[list[IdentityPair]],
    defaults: list[dict[str, Any] | None] | None = None,
    acting: Membership | None = None,
    via: str = "system",
) -> list[Customer]:
    """The customer for each item (a list of identities), as :func:`customer_resolve` would give one by one,
    creating the missing ones; at most 1,000 items, in a small fixed number of queries, all or nothing.

    Items that share an identity within the request resolve to one customer; a customer created for
    several items takes the first one's ``defaults``. A malformed identifier raises
    ValidationError keyed ``items.<n>.<kind>`` (n counted from 0) and nothing is written.
    """
    if len(items) > BULK_MAX_ITEMS:
        raise ValidationError(
            {"items": _("At most %(max)d items per request.") % {"max": BULK_MAX_ITEMS}}, code="too_many"
        )
    with transaction.atomic():
        ids, new_customers = _resolve_bulk_ids(
            workspace=workspace, items=items, defaults=defaults, acting=acting, via=via
        )
        wanted = set(ids) - set(new_customers)
        customers = {**new_customers}
        if wanted:
            customers.update((c.pk, c) for c in Customer.objects.filter(workspace=workspace, pk__in=wanted))
    return [customers[pk] for pk in ids]


def customer_ids_resolve_bulk(
    *,
    workspace: Workspace,
    items: list[list[IdentityPair]],
    defaults: list[dict[str, Any] | None] | None = None,
    acting: Membership | None = None,
    via: str = "system",
) -> list[int]:
    """As :func:`customers_resolve_bulk`, but the customers' ids only (nothing read back): the ingest path."""
    return _resolve_bulk_ids(workspace=workspace, items=items, defaults=defaults, acting=acting, via=via)[0]


def _resolve_bulk_ids(
    *,
    workspace: Workspace,
    items: list[list[IdentityPair]],
    defaults: list[dict[str, Any] | None] | None,
    acting: Membership | None,
    via: str,
) -> tuple[list[int], dict[int, Customer]]:
    if len(items) > BULK_MAX_ITEMS:
        raise ValidationError(
            {"items": _("At most %(max)d items per request.") % {"max": BULK_MAX_ITEMS}}, code="too_many"
        )
    defaults = defaults or [None] * len(items)
    normalized = [_normalized(item, where=f"items.{n}") for n, item in enumerate(items)]
    for n, item in enumerate(normalized):
        if not item:
            raise ValidationError(
                {f"items.{n}": _("Give at least one phone, e-mail or other identifier.")}, code="empty"
            )
    fields = [_fields(d) for d in defaults]
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _resolve_bulk_once(workspace, normalized, fields, acting, via)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _groups(normalized: list[list[tuple[str, str, str]]]) -> list[int]:
    """For each item, the first item it shares an identity with (transitively): union-find."""
    parent = list(range(len(normalized)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_item: dict[tuple[str, str], int] = {}
    for n, item in enumerate(normalized):
        for k, v, _w in item:
            other = first_item.setdefault((k, v), n)
            a, b = root(other), root(n)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return [root(n) for n in range(len(normalized))]


def _resolve_bulk_once(
    workspace: Workspace,
    normalized: list[list[tuple[str, str, str]]],
    fields: list[dict[str, Any]],
    acting: Membership | None,
    via: str,
) -> list[Customer]:
    found, in_rows = _lookup_rows(workspace, [(k, v) for item in normalized for k, v, _w in item])
    groups = _groups(normalized)
    members: dict[int, list[int]] = {}
    for n, group in enumerate(groups):
        members.setdefault(group, []).append(n)

    owner_of_group: dict[int, int] = {}
    conflicts: dict[int, dict[int, list[tuple[str, str]]]] = {}
    for group, item_numbers in members.items():
        pairs = [(k, v) for n in item_numbers for k, v, _w in normalized[n]]
        owners = list(dict.fromkeys(found[p] for p in pairs if p in found))
        if owners:
            owner_of_group[group] = owners[0]
            for p in pairs:
                if p in found and found[p] != owners[0]:
                    conflicts.setdefault(owners[0], {}).setdefault(found[p], []).append(p)

    new_customers: dict[int, Customer] = {}
    for group, item_numbers in members.items():
        if group in owner_of_group:
            continue
        # Every identity of a new customer's group is new: fill the contacts and search text now, so
        # that the new rows need no second write.
        customer = Customer(workspace=workspace, **fields[group])
        own = [
            _Pair(kind=k, value=v)
            for k, v in dict.fromkeys((k, v) for n in item_numbers for k, v, _w in normalized[n])
        ]
        refresh_contacts(customer, own)
        new_customers[group] = customer
    _bulk_insert(Customer, list(new_customers.values()))
    for group, customer in new_customers.items():
        owner_of_group[group] = customer.pk

    # (workspace, kind, value) is unique: the rows already stored are exactly those the lookup found.
    known_rows = in_rows
    new_identities: dict[tuple[str, str], Identity] = {}
    for n, item in enumerate(normalized):
        owner = owner_of_group[groups[n]]
        for k, v, w in item:
            mine = (k, v) not in found or found[(k, v)] == owner
            if mine and (k, v) not in known_rows and (k, v) not in new_identities:
                new_identities[(k, v)] = Identity(
                    workspace=workspace, customer_id=owner, kind=k, value=v, written_as=w
                )
    _bulk_insert(Identity, list(new_identities.values()))

    fresh = {customer.pk for customer in new_customers.values()}
    touched = {identity.customer_id for identity in new_identities.values()} - fresh
    if touched:
        customers = {c.pk: c for c in Customer.objects.filter(workspace=workspace, pk__in=touched)}
        by_customer: dict[int, list[Identity]] = {}
        for identity in Identity.objects.filter(workspace=workspace, customer_id__in=touched).order_by("pk"):
            by_customer.setdefault(identity.customer_id, []).append(identity)
        updated = []
        for pk in touched:
            if refresh_contacts(customers[pk], by_customer.get(pk, [])):
                updated.append(customers[pk])
        Customer.objects.bulk_update(updated, ["phone", "email", "search_text"], batch_size=BULK_MAX_ITEMS)
    suggestions = []
    for chosen, others in conflicts.items():
        for other, shared in others.items():
            a, b = sorted((chosen, other))
            evidence = [
                {"signal": CONFLICT_SIGNAL, "a": f"{k}:{v}", "b": f"{k}:{v}", "weight": 1.0}
                for k, v in dict.fromkeys(shared)
            ]
            suggestions.append(
                DuplicateSuggestion(
                    workspace=workspace, customer_a_id=a, customer_b_id=b, score=1.0, evidence=evidence
                )
            )
    DuplicateSuggestion.objects.bulk_create(suggestions, ignore_conflicts=True)
    if new_customers or new_identities:
        audit_record(
            workspace=workspace,
            actor=acting.user if acting is not None else None,
            action=AuditEntry.Action.CREATE,
            object_type=Customer._meta.label_lower,
            object_label=ngettext(
                "%(count)d customer resolved", "%(count)d customers resolved", len(normalized)
            )
            % {"count": len(normalized)},
            after={"created_customers": len(new_customers), "new_identities": len(new_identities)},
            via=via,
        )
    return [owner_of_group[group] for group in groups], {c.pk: c for c in new_customers.values()}


def _auto_now(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _bulk_insert(model: type[Model], objs: list[Model]) -> None:
    """Store new rows and set their ids. On PostgreSQL: ids drawn from the table's sequence and the rows
    sent with COPY (a thousand rows cost a fraction of an INSERT's preparation); elsewhere ``bulk_create``."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=BULK_MAX_ITEMS)
        return
    table = model._meta.db_table
    fields = list(model._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(objs)]
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        # Values go to psycopg as they are (it adapts str, int, date and aware datetime itself); only
        # auto_now fields are filled as a save would, and JSON is sent as its text.
        simple = [f for f in fields if not isinstance(f, JSONField) and not _auto_now(f)]
        stamped = [f for f in fields if _auto_now(f)]
        documents = [f for f in fields if isinstance(f, JSONField)]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [*simple, *stamped, *documents])
        plain = [f.attname for f in simple]
        rows = []
        for obj in objs:
            row = [getattr(obj, attname) for attname in plain]
            row += [f.pre_save(obj, True) for f in stamped]
            row += [
                None
                if getattr(obj, f.attname) is None
                else json.dumps(getattr(obj, f.attname), ensure_ascii=False, cls=f.encoder)
                for f in documents
            ]
            rows.append(row)
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
