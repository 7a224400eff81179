"""Export the customer list as it is filtered on the page, to CSV or XLSX.

The rows are those ``mehvar.customers.search.customer_search`` gives for the list's query and filters (merged
and erased customers never appear), read in chunks so that a large list is streamed rather than held in
memory. CSV is UTF-8 with a byte-order mark so that Excel shows Persian; XLSX is written by openpyxl in
write-only mode. Dates are Jalali (1403/12/30), phones in the national form. A cell that a spreadsheet
would take for a formula (starting with =, +, -, @) is prefixed with an apostrophe.

Exporting the list is a bulk copy of personal data: it needs ``Perm.DATA_EXPORT`` (owner, admin, analyst)
and is audited as EXPORT with the query, the filters and the number of rows.
"""

from collections.abc import Iterator, Mapping
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mehvar.core import spreadsheets
from mehvar.core.audit import audit_record
from mehvar.core.jalali import format_date
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.phones import format_phone
from mehvar.core.roles import Perm, role_has
from mehvar.customers.models import Customer, CustomField
from mehvar.customers.search import FILTER_KEYS, customer_search

CHUNK = 1000
LIST_KEYS = frozenset({"lifecycle", "tags_any", "tags_all", "consent"})
FORMATS = spreadsheets.FORMATS


def filters_from_query(query: QueryDict | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The search text and the filters dict (as customer_search takes it) from a list page's query string:
    ``?q=…&city=…&lifecycle=active&lifecycle=loyal&custom.size=42``."""
    getlist = getattr(query, "getlist", lambda key: [query[key]] if key in query else [])
    filters: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    for key in query:
        values = [v for v in getlist(key) if v not in ("", None)]
        if not values:
            continue
        if key.startswith("custom."):
            custom[key.removeprefix("custom.")] = values[-1]
        elif key in FILTER_KEYS and key != "custom":
            filters[key] = values if key in LIST_KEYS else values[-1]
    if custom:
        filters["custom"] = custom
    q = str((getlist("q") or [""])[-1] or "")
    return q, filters


_safe = spreadsheets.cell


def _columns(custom_fields: list[CustomField]) -> list[str]:
    return [
        _("Name"),
        _("First name"),
        _("Last name"),
        _("Phone"),
        _("E-mail"),
        _("City"),
        _("Province"),
        _("Birthday"),
        _("Company"),
        _("Role at the company"),
        _("Lifecycle stage"),
        _("Tags"),
        *[field.label for field in custom_fields],
        _("First seen"),
        _("Last contact"),
    ]


def _custom_text(field: CustomField, value: Any) -> str:
    if value in (None, ""):
        return ""
    if field.type == CustomField.Type.BOOLEAN:
        return _("Yes") if value else _("No")
    if field.type == CustomField.Type.DATE:
        try:
            from mehvar.core.jalali import parse_date

            return format_date(parse_date(str(value)), digits="en")
        except ValueError:
            return str(value)
    return str(value)


def _row(customer: Customer, custom_fields: list[CustomField]) -> list[str]:
    phone = ""
    if customer.phone:
        try:
            phone = format_phone(customer.phone, digits="en")
        except ValueError:
            phone = customer.phone
    values = [
        customer.display_name,
        customer.first_name,
        customer.last_name,
        phone,
        customer.email,
        customer.city,
        customer.province,
        format_date(customer.birthday, digits="en") if customer.birthday else "",
        customer.company,
        customer.job_title,
        customer.get_lifecycle_display(),
        "، ".join(sorted(tag.name for tag in customer.tags.all())),
        *[_custom_text(f, (customer.custom_fields or {}).get(f.key)) for f in custom_fields],
        format_date(customer.first_seen_at, digits="en") if customer.first_seen_at else "",
        format_date(customer.last_contact_at, digits="en") if customer.last_contact_at else "",
    ]
    return [_safe(value) for value in values]


class Export:
    """A prepared export: the header row and the rows, read lazily in chunks."""

    def __init__(self, *, acting: Membership, q: str, filters: Mapping[str, Any], file_format: str) -> None:
        if not role_has(acting.role, Perm.DATA_EXPORT):
            raise PermissionDenied
        self.workspace = acting.workspace
        self.file_format = file_format
        # Raises ValidationError for bad filters before anything is recorded or sent.
        self.queryset = customer_search(workspace=self.workspace, q=q, filters=dict(filters))
        self.custom_fields = list(CustomField.objects.filter(workspace=self.workspace))
        self.count = self.queryset.count()
        audit_record(
            workspace=self.workspace,
            actor=acting.user,
            action=AuditEntry.Action.EXPORT,
            object_type=Customer._meta.label_lower,
            object_label=ngettext("%(count)d customer", "%(count)d customers", self.count)
            % {"count": self.count},
            after={"format": file_format, "count": self.count, "q": q, "filters": dict(filters)},
        )

    @property
    def file_name(self) -> str:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"customers-{self.workspace.slug}-{stamp}.{self.file_format}"

    def header(self) -> list[str]:
        return _columns(self.custom_fields)

    def rows(self) -> Iterator[list[str]]:
        for customer in self.queryset.prefetch_related("tags").iterator(chunk_size=CHUNK):
            yield _row(customer, self.custom_fields)


def customers_export(
    *, acting: Membership, q: str = "", filters: Mapping[str, Any] | None = None, file_format: str = "csv"
) -> Export:
    """Prepare (and audit) an export of the filtered list; stream it with :func:`csv_chunks` or
    :func:`write_xlsx`."""
    if file_format not in FORMATS:
        raise ValueError(file_format)
    return Export(acting=acting, q=q, filters=filters or {}, file_format=file_format)


def csv_chunks(export: Export) -> Iterator[bytes]:
    """The CSV file in pieces (``core.spreadsheets.csv_chunks``)."""
    return spreadsheets.csv_chunks(export.header(), export.rows())


def write_xlsx(export: Export) -> IO[bytes]:
    """The XLSX file in a temporary file, positioned at its start (``core.spreadsheets.xlsx_file``)."""
    return spreadsheets.xlsx_file(export.header(), export.rows(), sheet=_("Customers"))
