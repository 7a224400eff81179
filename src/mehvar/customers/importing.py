"""Customer imports from CSV and XLSX: upload, map columns, check every row, then apply all or nothing.

The steps, each a function here:

1. :func:`import_create` stores the uploaded file under ``MEDIA_ROOT/imports/<workspace id>/``, reads the
   header row, counts the rows (refusing a file over :data:`MAX_FILE_BYTES` or :data:`MAX_ROWS` early, without
   reading it all) and suggests a mapping: the one remembered for the same headers, or a guess from the
   header names in Persian or English.
2. :func:`import_set_mapping` stores the member's mapping and remembers it for the next file with the same
   headers (:class:`ImportMapping`, keyed by a sha256 of the normalised header row).
3. :func:`import_preview` shows the first rows as they would be read.
4. :func:`import_start` queues :func:`mehvar.customers.tasks.import_run`, which calls :func:`import_run_now`:
   every row is checked (:func:`import_validate`, updating ``processed_rows`` for the progress bar); any bad
   row makes the import ``invalid`` with every error listed (``[{row, field, message}]``, ``row`` as the
   spreadsheet numbers it, the header being row 1) and nothing is written. Otherwise :func:`import_apply`
   writes everything in one transaction: rows are matched to existing customers through
   ``mehvar.customers.matching.customers_resolve_bulk`` (phone and e-mail), an existing customer only gets
   its *empty* fields filled, and a new one is created.

CSV files may be UTF-8 (with or without a byte-order mark) or Windows-1256 (what Excel writes for Persian on
older Windows); the separator is detected (comma, semicolon, tab). XLSX files are read with openpyxl in
read-only mode; formulas are never evaluated, and a cell holding one is a row error. The file reading is
``mehvar.core.spreadsheets`` (shared with the survey-response and review upload pages).
"""

import csv
import dataclasses
import hashlib
import io
import itertools
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.core import spreadsheets
from mehvar.core.audit import audit_record
from mehvar.core.jalali import JalaliDateError, parse_date
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text, search_key, to_ascii_digits
from mehvar.customers import matching
from mehvar.customers.models import Activity, Customer, CustomField, Identity, Import, ImportMapping, Tag
from mehvar.customers.search import search_text_for

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 200
PREVIEW_ROWS = 10
RESOLVE_BATCH = matching.BULK_MAX_ITEMS
PROGRESS_EVERY = 500
SNIFF_BYTES = spreadsheets.SNIFF_BYTES
CUSTOM_PREFIX = "custom."
TEXT_MAX_LENGTH = 500
TAG_MAX_LENGTH = 60

# Target fields a column can be mapped to, with their labels and maximum lengths ("" = ignore the column).
FIELDS: dict[str, tuple[Any, int]] = {
    "first_name": (gettext_lazy("First name"), 100),
    "last_name": (gettext_lazy("Last name"), 100),
    "display_name": (gettext_lazy("Full name"), 200),
    "first_name_latin": (gettext_lazy("First name (Latin)"), 100),
    "last_name_latin": (gettext_lazy("Last name (Latin)"), 100),
    "phone": (gettext_lazy("Phone"), 0),
    "email": (gettext_lazy("E-mail"), 0),
    "city": (gettext_lazy("City"), 100),
    "province": (gettext_lazy("Province"), 100),
    "birthday": (gettext_lazy("Birthday"), 0),
    "company": (gettext_lazy("Company"), 200),
    "job_title": (gettext_lazy("Role at the company"), 120),
    "tags": (gettext_lazy("Tags"), 0),
}
TEXT_FIELDS = [name for name, (_label, length) in FIELDS.items() if length]

# Header names (compared through _header_key) that suggest a field.
_GUESSES: dict[str, tuple[str, ...]] = {
    "first_name": ("نام", "نام کوچک", "اسم", "first name", "firstname", "first", "given name", "fname"),
    "last_name": (
        "نام خانوادگی",
        "فامیل",
        "فامیلی",
        "last name",
        "lastname",
        "surname",
        "family name",
        "family",
        "lname",
    ),
    "display_name": (
        "نام کامل",
        "نام و نام خانوادگی",
        "مشتری",
        "نام مشتری",
        "full name",
        "fullname",
        "name",
        "display name",
        "customer",
        "customer name",
    ),
    "first_name_latin": ("نام لاتین", "first name latin", "latin first name", "first name (latin)"),
    "last_name_latin": ("نام خانوادگی لاتین", "last name latin", "latin last name", "last name (latin)"),
    "phone": (
        "موبایل",
        "تلفن",
        "تلفن همراه",
        "همراه",
        "شماره",
        "شماره تماس",
        "شماره موبایل",
        "شماره تلفن",
        "phone",
        "mobile",
        "cell",
        "tel",
        "telephone",
        "phone number",
        "mobile number",
    ),
    "email": ("ایمیل", "ای میل", "پست الکترونیک", "پست الکترونیکی", "رایانامه", "email", "e-mail", "mail"),
    "city": ("شهر", "city", "town"),
    "province": ("استان", "province", "state", "region"),
    "birthday": ("تاریخ تولد", "تولد", "birthday", "birth date", "birthdate", "date of birth", "dob"),
    "company": ("شرکت", "سازمان", "company", "organization", "organisation"),
    "job_title": ("سمت", "شغل", "عنوان شغلی", "job title", "title", "role", "position"),
    "tags": ("برچسب", "برچسب ها", "برچسبها", "تگ", "تگ ها", "tags", "tag", "labels", "label"),
}

_TAG_SPLIT = re.compile(r"[,،;؛|]")
_TRUE = {"1", "yes", "y", "true", "بله", "آری", "اری", "بلی", "دارد", "✓", "✔"}
_FALSE = {"0", "no", "n", "false", "خیر", "نه", "ندارد", "✗", "✘"}


Formula = spreadsheets.Formula
_error = spreadsheets.file_error


def _too_many_rows() -> ValidationError:
    return spreadsheets.too_many_rows(MAX_ROWS)


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-.:()]+", "", search_key(header))


def headers_key(headers: list[str]) -> str:
    """sha256 of the normalised header row: the key a remembered mapping is found by."""
    return hashlib.sha256("\x1f".join(_header_key(h) for h in headers).encode()).hexdigest()


# --- Reading files ----------------------------------------------------------------------------------------


def _headers(first: list[Any]) -> list[str]:
    headers: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(first, start=1):
        name = normalize_text(str(cell)).strip()[:100] or _("Column %(n)d") % {"n": position}
        base, n = name, 2
        while name in seen:
            name, n = f"{base} ({n})", n + 1
        seen.add(name)
        headers.append(name)
    while headers and headers[-1].startswith(_("Column %(n)d") % {"n": len(headers)}):
        headers.pop()  # trailing empty header cells
    return headers


def _numbered_rows(path: Path, file_format: str) -> tuple[list[Any] | None, Iterator[tuple[int, list[Any]]]]:
    return spreadsheets.numbered_rows(path, file_format, max_rows=MAX_ROWS)


def _data_rows(imp: Import) -> Iterator[tuple[int, list[Any]]]:
    return _numbered_rows(Path(imp.stored_path), imp.file_format)[1]


# --- Mapping ----------------------------------------------------------------------------------------------


def field_choices(workspace: Workspace) -> list[tuple[str, str]]:
    """(value, label) for every field a column can be mapped to, "" first (do not import)."""
    choices = [("", _("Do not import"))]
    choices += [(name, str(label)) for name, (label, _length) in FIELDS.items()]
    for field in CustomField.objects.filter(workspace=workspace):
        choices.append((f"{CUSTOM_PREFIX}{field.key}", field.label))
    return choices


def suggest_mapping(workspace: Workspace, headers: list[str]) -> dict[str, str]:
    """The remembered mapping for these headers, else a guess from each header's name."""
    remembered = ImportMapping.objects.filter(workspace=workspace, headers_key=headers_key(headers)).first()
    valid = {value for value, _label in field_choices(workspace)}
    if remembered is not None:
        return {h: v for h, v in remembered.mapping.items() if h in headers and v in valid}
    guesses = {_header_key(word): field for field, words in _GUESSES.items() for word in words}
    for custom in CustomField.objects.filter(workspace=workspace):
        guesses.setdefault(_header_key(custom.key), f"{CUSTOM_PREFIX}{custom.key}")
        guesses.setdefault(_header_key(custom.label), f"{CUSTOM_PREFIX}{custom.key}")
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        field = guesses.get(_header_key(header), "")
        if field and field not in used:
            mapping[header] = field
            used.add(field)
    return mapping


# --- Upload -----------------------------------------------------------------------------------------------


def _require_edit(acting: Membership) -> None:
    if not role_has(acting.role, Perm.CUSTOMERS_EDIT):
        raise PermissionDenied


def _storage_dir(workspace: Workspace) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports" / str(workspace.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _scan(path: Path, file_format: str) -> tuple[list[str], int]:
    """The headers and the number of non-blank data rows; refuses a file over MAX_ROWS early."""
    first, rows = _numbered_rows(path, file_format)
    if first is None:
        raise _error(_("The file is empty: the first row should name the columns."), "empty")
    if any(isinstance(cell, Formula) for cell in first):
        raise _error(_("The header row holds a formula: type the column names themselves."), "formula")
    headers = _headers(first)
    if not headers:
        raise _error(_("The first row should name the columns, but it is empty."), "no_headers")
    if len(headers) > MAX_COLUMNS:
        raise _error(_("The file has more than %(max)d columns.") % {"max": MAX_COLUMNS}, "too_many_columns")
    total = 0
    for _row in rows:
        total += 1
        if total > MAX_ROWS:
            raise _too_many_rows()
    if total == 0:
        raise _error(_("The file has column names but no rows of customers."), "no_rows")
    return headers, total


def import_create(*, acting: Membership, uploaded_file: Any) -> Import:
    """Store an uploaded CSV or XLSX file, read its headers and count its rows; a clear error otherwise.

    Raises ValidationError({"file": message}) for a file that is too big, not CSV/XLSX, binary, empty or has
    more than MAX_ROWS rows; nothing is kept then.
    """
    _require_edit(acting)
    workspace = acting.workspace
    name = Path(str(getattr(uploaded_file, "name", "") or "import.csv")).name[:255]
    file_format = spreadsheets.upload_format(name)
    path = _storage_dir(workspace) / f"{uuid.uuid4().hex}.{file_format}"
    spreadsheets.upload_save(uploaded_file, path, file_format=file_format, max_bytes=MAX_FILE_BYTES)
    try:
        headers, total = _scan(path, file_format)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        imp = Import.objects.create(
            workspace=workspace,
            created_by=acting,
            file_name=name,
            stored_path=str(path),
            file_format=file_format,
            headers=headers,
            mapping=suggest_mapping(workspace, headers),
            total_rows=total,
        )
        audit_record(
            workspace=workspace,
            actor=acting.user,
            action=AuditEntry.Action.CREATE,
            obj=imp,
            after={"file_name": name, "rows": total, "format": file_format},
        )
    return imp


def import_set_mapping(*, acting: Membership, imp: Import, mapping: dict[str, str]) -> Import:
    """Store the column → field mapping and remember it for files with the same headers."""
    _require_edit(acting)
    if imp.status not in {Import.Status.UPLOADED, Import.Status.INVALID, Import.Status.READY}:
        raise ValidationError({"mapping": _("This import has already been applied or is running.")})
    valid = {value for value, _label in field_choices(imp.workspace)}
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    used: dict[str, str] = {}
    for header, field in mapping.items():
        if header not in imp.headers or not field:
            continue
        if field not in valid:
            errors[header] = _("Unknown field.")
        elif field in used:
            errors[header] = _("Two columns are mapped to “%(field)s”: choose one.") % {
                "field": dict(field_choices(imp.workspace))[field]
            }
        else:
            used[field] = header
            clean[header] = field
    if errors:
        raise ValidationError(errors)
    if not clean:
        raise ValidationError({"mapping": _("Choose a field for at least one column.")})
    if not {"first_name", "last_name", "display_name", "phone", "email"} & set(clean.values()):
        raise ValidationError(
            {"mapping": _("Map at least one column to a name, a phone or an e-mail.")}, code="no_key"
        )
    with transaction.atomic():
        imp.mapping = clean
        imp.status = Import.Status.UPLOADED
        imp.errors = []
        imp.processed_rows = 0
        imp.save(update_fields=["mapping", "status", "errors", "processed_rows"])
        ImportMapping.objects.update_or_create(
            workspace=imp.workspace, headers_key=headers_key(imp.headers), defaults={"mapping": clean}
        )
    return imp


def import_preview(imp: Import, *, rows: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    """The first data rows as they would be read: [{row, values: {field: text}}] in mapping order."""
    index = {h: n for n, h in enumerate(imp.headers)}
    preview = []
    for number, row in _data_rows(imp):
        values = {}
        for header, field in imp.mapping.items():
            n = index.get(header)
            cell = row[n] if n is not None and n < len(row) else ""
            values[field] = str(cell).strip()
        preview.append({"row": number, "values": values})
        if len(preview) >= rows:
            break
    return preview


def import_sample(imp: Import) -> dict[str, str]:
    """Header → the first data row's value, to show beside each column while mapping."""
    first = next(_data_rows(imp), None)
    if first is None:
        return {}
    row = first[1]
    return {h: str(row[n]).strip()[:80] if n < len(row) else "" for n, h in enumerate(imp.headers)}


# --- Checking rows ----------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class CleanRow:
    number: int
    fields: dict[str, Any]
    identities: list[tuple[str, str]]
    tags: list[str]
    custom: dict[str, Any]


def _custom_value(field: CustomField, text: str) -> Any:
    if field.type == CustomField.Type.TEXT:
        if len(text) > TEXT_MAX_LENGTH:
            raise ValueError(_("At most %(max)d characters.") % {"max": TEXT_MAX_LENGTH})
        return text
    if field.type == CustomField.Type.NUMBER:
        digits = to_ascii_digits(text).replace(",", "").replace("٬", "").replace("٫", ".")
        try:
            number = Decimal(digits)
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        return int(number) if number == number.to_integral_value() else float(number)
    if field.type == CustomField.Type.DATE:
        try:
            return parse_date(text).isoformat()
        except JalaliDateError as error:
            raise ValueError(error.message) from None
    if field.type == CustomField.Type.CHOICE:
        options = {search_key(str(choice)): choice for choice in field.choices}
        if search_key(text) not in options:
            raise ValueError(
                _("Choose one of: %(choices)s.") % {"choices": "، ".join(str(c) for c in field.choices)}
            )
        return options[search_key(text)]
    if field.type == CustomField.Type.BOOLEAN:
        key = search_key(text)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise ValueError(_("Enter yes or no."))
    raise ValueError(_("Unknown field type."))


def _clean_row(
    number: int,
    row: list[Any],
    columns: list[tuple[int, str, str]],
    customs: dict[str, CustomField],
    errors: list[dict[str, Any]],
) -> CleanRow | None:
    """The row's cleaned values, or None with its errors appended (every bad cell of the row)."""
    before = len(errors)

    def fail(header: str, message: str) -> None:
        errors.append({"row": number, "field": header, "message": message})

    fields: dict[str, Any] = {}
    identities: list[tuple[str, str]] = []
    tags: list[str] = []
    custom: dict[str, Any] = {}
    mapped_columns = {n for n, _h, _f in columns}
    for n, cell in enumerate(row):
        if isinstance(cell, Formula) and n not in mapped_columns and str(cell).strip():
            fail(_("Column %(n)d") % {"n": n + 1}, _("Formulas are not accepted: type the value itself."))
    for n, header, field in columns:
        cell = row[n] if n < len(row) else ""
        if isinstance(cell, Formula):
            fail(header, _("Formulas are not accepted: type the value itself."))
            continue
        text = normalize_text(str(cell)).strip()
        if not text:
            continue
        if field in ("phone", "email"):
            try:
                value = matching.normalize_identity(field, text)
            except ValidationError as error:
                fail(header, " ".join(error.messages))
                continue
            fields[field] = value
            identities.append((field, text))
        elif field == "birthday":
            try:
                fields[field] = parse_date(text)
            except JalaliDateError as error:
                fail(header, error.message)
        elif field == "tags":
            for name in (part.strip() for part in _TAG_SPLIT.split(text)):
                if len(name) > TAG_MAX_LENGTH:
                    fail(header, _("A tag may have at most %(max)d characters.") % {"max": TAG_MAX_LENGTH})
                elif name and name not in tags:
                    tags.append(name)
        elif field.startswith(CUSTOM_PREFIX):
            definition = customs.get(field.removeprefix(CUSTOM_PREFIX))
            if definition is None:
                fail(header, _("Unknown custom field."))
                continue
            try:
                custom[definition.key] = _custom_value(definition, text)
            except ValueError as error:
                fail(header, str(error))
        else:
            max_length = FIELDS[field][1]
            if len(text) > max_length:
                fail(
                    header,
                    _("Too long: at most %(max)d characters (this has %(length)d).")
                    % {"max": max_length, "length": len(text)},
                )
            else:
                fields[field] = text
    has_key = any(fields.get(name) for name in ("first_name", "last_name", "display_name", "phone", "email"))
    if not has_key and len(errors) == before:
        fail("", _("The row has no name, phone or e-mail."))
    if len(errors) > before:
        return None
    return CleanRow(number=number, fields=fields, identities=identities, tags=tags, custom=custom)


def _columns(imp: Import) -> list[tuple[int, str, str]]:
    index = {h: n for n, h in enumerate(imp.headers)}
    return [(index[h], h, f) for h, f in imp.mapping.items() if h in index and f]


def _progress(imp: Import, processed: int) -> None:
    Import.objects.filter(pk=imp.pk).update(processed_rows=processed)
    imp.processed_rows = processed


def _clean_rows(imp: Import, errors: list[dict[str, Any]]) -> Iterator[CleanRow]:
    """The good rows of the file, in order; the bad rows' errors are appended to ``errors``."""
    columns = _columns(imp)
    customs = {c.key: c for c in CustomField.objects.filter(workspace=imp.workspace)}
    for count, (number, row) in enumerate(_data_rows(imp), start=1):
        if count > MAX_ROWS:
            raise _too_many_rows()
        result = _clean_row(number, row, columns, customs, errors)
        if result is not None:
            yield result


def import_validate(imp: Import) -> list[dict[str, Any]]:
    """Check every row; every error ([{row, field, message}], none when all are good). Writes only the
    progress (``processed_rows``), so that a page can show it while this runs."""
    columns = _columns(imp)
    customs = {c.key: c for c in CustomField.objects.filter(workspace=imp.workspace)}
    errors: list[dict[str, Any]] = []
    processed = 0
    for number, row in _data_rows(imp):
        processed += 1
        if processed > MAX_ROWS:
            raise _too_many_rows()
        _clean_row(number, row, columns, customs, errors)
        if processed % PROGRESS_EVERY == 0:
            _progress(imp, processed)
    _progress(imp, processed)
    return errors


# --- Applying ---------------------------------------------------------------------------------------------


def _tags_by_name(workspace: Workspace, names: set[str], known: dict[str, Tag]) -> dict[str, Tag]:
    wanted = {name: search_key(name) for name in names if name not in known}
    if wanted:
        keys = set(wanted.values())
        existing = {t.key: t for t in Tag.objects.filter(workspace=workspace, key__in=keys)}
        missing = {key: name for name, key in wanted.items() if key and key not in existing}
        if missing:
            Tag.objects.bulk_create(
                [Tag(workspace=workspace, name=name, key=key) for key, name in missing.items()],
                ignore_conflicts=True,
            )
            existing = {t.key: t for t in Tag.objects.filter(workspace=workspace, key__in=keys)}
        known.update({name: existing[key] for name, key in wanted.items() if key in existing})
    return known


def _fill(customer: Customer, row: CleanRow) -> bool:
    """Fill the customer's empty fields from the row; True when something changed."""
    changed = False
    for name, value in row.fields.items():
        if name in ("phone", "email"):
            continue  # contacts come through identities
        if value and not getattr(customer, name):
            setattr(customer, name, value)
            changed = True
    if not customer.display_name:
        name = f"{customer.first_name} {customer.last_name}".strip()
        if name:
            customer.display_name, changed = name[:200], True
    for key, value in row.custom.items():
        if customer.custom_fields.get(key) in (None, ""):
            customer.custom_fields = {**customer.custom_fields, key: value}
            changed = True
    return changed


def _defaults(row: CleanRow) -> dict[str, Any]:
    fields = {k: v for k, v in row.fields.items() if k not in ("phone", "email")}
    if row.custom:
        fields["custom_fields"] = dict(row.custom)
    return fields


@dataclasses.dataclass
class _Applied:
    newest_before: int
    created: set[int] = dataclasses.field(default_factory=set)
    matched: set[int] = dataclasses.field(default_factory=set)
    tags: dict[str, Tag] = dataclasses.field(default_factory=dict)


def _apply_batch(imp: Import, batch: list[CleanRow], acting: Membership | None, state: _Applied) -> None:
    workspace = imp.workspace
    with_ids = [row for row in batch if row.identities]
    customer_of: dict[int, Customer] = {}
    if with_ids:
        found = matching.customers_resolve_bulk(
            workspace=workspace,
            items=[row.identities for row in with_ids],
            defaults=[_defaults(row) for row in with_ids],
            acting=acting,
            via="import",
        )
        customer_of.update({row.number: customer for row, customer in zip(with_ids, found, strict=True)})
    no_ids = [row for row in batch if not row.identities]
    if no_ids:
        fresh = [Customer(workspace=workspace, **_defaults(row)) for row in no_ids]
        Customer.objects.bulk_create(fresh, batch_size=RESOLVE_BATCH)
        customer_of.update({row.number: customer for row, customer in zip(no_ids, fresh, strict=True)})
    # One instance per customer, so that several rows for one person all fill it.
    unique: dict[int, Customer] = {}
    for row in batch:
        unique.setdefault(customer_of[row.number].pk, customer_of[row.number])
    changed: set[int] = set()
    tags = _tags_by_name(workspace, {name for row in batch for name in row.tags}, state.tags)
    through = Customer.tags.through
    links = []
    for row in batch:
        customer = unique[customer_of[row.number].pk]
        if _fill(customer, row):
            changed.add(customer.pk)
        links += [through(customer_id=customer.pk, tag_id=tags[name].pk) for name in row.tags if name in tags]
    if links:
        through.objects.bulk_create(links, ignore_conflicts=True)
    if changed:
        touched = [unique[pk] for pk in changed]
        by_customer: dict[int, list[Identity]] = {}
        for identity in Identity.objects.filter(workspace=workspace, customer_id__in=changed):
            by_customer.setdefault(identity.customer_id, []).append(identity)
        for customer in touched:
            customer.search_text = search_text_for(customer, by_customer.get(customer.pk, []))
        Customer.objects.bulk_update(
            touched, [*TEXT_FIELDS, "birthday", "custom_fields", "search_text"], batch_size=RESOLVE_BATCH
        )
    now = timezone.now()
    import_type = ContentType.objects.get_for_model(Import)
    summary = _("Imported from %(file)s") % {"file": imp.file_name}
    activities = []
    for pk in unique:
        if pk in state.created or pk in state.matched:
            continue  # one timeline entry per customer and import
        (state.created if pk > state.newest_before else state.matched).add(pk)
        activities.append(
            Activity(
                workspace=workspace,
                customer_id=pk,
                kind="import",
                occurred_at=now,
                summary=summary[:500],
                data={"import_id": imp.pk, "created": pk > state.newest_before},
                actor=acting,
                record_type=import_type,
                record_id=str(imp.pk),
            )
        )
    Activity.objects.bulk_create(activities, batch_size=RESOLVE_BATCH)


def import_apply(imp: Import, *, acting: Membership | None = None) -> tuple[int, int]:
    """Write every row in one transaction, reading the file again in batches so that memory stays flat;
    (created, matched). Rows are matched to existing customers by phone and e-mail
    (``customers_resolve_bulk``); an existing customer only gets its empty fields filled. Any bad row
    rolls everything back (ValidationError)."""
    workspace = imp.workspace
    with transaction.atomic():
        newest = Customer.objects.filter(workspace=workspace).aggregate(m=Max("pk"))["m"] or 0
        state = _Applied(newest_before=newest)
        errors: list[dict[str, Any]] = []
        rows = _clean_rows(imp, errors)
        total = 0
        while batch := list(itertools.islice(rows, RESOLVE_BATCH)):
            if errors:
                break
            _apply_batch(imp, batch, acting, state)
            total += len(batch)
        if errors:
            raise ValidationError(_("The file has rows with problems: check it again."), code="invalid")
        imp.created_count, imp.updated_count = len(state.created), len(state.matched)
        imp.status = Import.Status.DONE
        imp.finished_at = timezone.now()
        imp.processed_rows = total
        imp.save(update_fields=["created_count", "updated_count", "status", "finished_at", "processed_rows"])
        audit_record(
            workspace=workspace,
            actor=acting.user if acting is not None else None,
            action=AuditEntry.Action.UPDATE,
            obj=imp,
            after={
                "status": imp.status,
                "created": imp.created_count,
                "matched": imp.updated_count,
                "rows": total,
            },
            via="task",
        )
    return imp.created_count, imp.updated_count


# --- Running ----------------------------------------------------------------------------------------------


def import_start(*, acting: Membership, imp: Import) -> Import:
    """Queue the check-and-apply task for a mapped import."""
    _require_edit(acting)
    from mehvar.customers.tasks import import_run
    from mehvar.ops.background import enqueue_on_commit

    with transaction.atomic():
        updated = Import.objects.filter(
            pk=imp.pk, workspace=imp.workspace, status__in=[Import.Status.UPLOADED, Import.Status.INVALID]
        ).update(status=Import.Status.VALIDATING, processed_rows=0, errors=[])
        if not updated:
            raise ValidationError({"mapping": _("This import has already been applied or is running.")})
        audit_record(
            workspace=imp.workspace,
            actor=acting.user,
            action=AuditEntry.Action.UPDATE,
            obj=imp,
            after={"status": Import.Status.VALIDATING, "mapping": imp.mapping},
        )
        enqueue_on_commit(import_run, imp.pk, workspace_id=imp.workspace_id)
    imp.refresh_from_db()
    return imp


def import_run_now(imp: Import) -> Import:
    """Check every row and, when all are good, apply them; what the task does. Running twice is harmless."""
    if imp.status not in {Import.Status.VALIDATING, Import.Status.APPLYING}:
        return imp
    acting = imp.created_by
    language = getattr(getattr(acting, "user", None), "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            errors = import_validate(imp)
        except ValidationError as error:
            errors = [{"row": 0, "field": "", "message": " ".join(error.messages)}]
        if errors:
            imp.errors = errors
            imp.status = Import.Status.INVALID
            imp.finished_at = timezone.now()
            imp.save(update_fields=["errors", "status", "finished_at", "processed_rows"])
            return imp
        Import.objects.filter(pk=imp.pk).update(status=Import.Status.APPLYING)
        imp.status = Import.Status.APPLYING
        import_apply(imp, acting=acting)
    return imp


def error_report_csv(imp: Import) -> str:
    """The errors as CSV text (row, column, message) with translated headers; UTF-8 with a BOM is added by
    the view."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Problem")])
    for error in imp.errors:
        writer.writerow([error.get("row", ""), error.get("field", ""), error.get("message", "")])
    return out.getvalue()
