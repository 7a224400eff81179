"""Finding customers: the search text, instant search and the filter builder.

``search_text_for`` folds everything a person may type to find a customer (names in Persian and Latin
letters, phones in several shapes, e-mails, handles) through ``search_key`` into ``Customer.search_text``.
``customer_search`` matches the query's search key as a substring of it: on PostgreSQL a GIN trigram index
(pg_trgm, migration ``customers.0003``) serves the LIKE, on SQLite it is a plain LIKE. Merged and erased
customers never appear. Saved views are in ``saved_views``, bulk actions on a filtered list in
``bulk_actions``.

Filters are a JSON-able dict (so that a saved view can store them)::

    {"city": "اصفهان", "province": "...", "company": "...", "lifecycle": "active" | ["active", "loyal"],
     "owner_id": 12 | "none", "tag": "vip", "tags_any": [...], "tags_all": [...],
     "custom": {"size": 42, "joined": {"from": "1402/01/01", "to": "1402/12/29"}, "score": {"min": 1}},
     "consent": "sms", "last_contact_from": "1403/01/01", "last_contact_to": "1403/06/31",
     "spend_min": 1000000, "spend_max": 5000000, "birthday_month": 7, "order": "-last_contact_at"}
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jdatetime
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from mehvar.core.jalali import TEHRAN, JalaliDateError, parse_date
from mehvar.core.models import Workspace
from mehvar.core.text import normalize_text, search_key, to_ascii_digits
from mehvar.customers.models import (
    Consent,
    ConsentChannel,
    Customer,
    CustomField,
    Identity,
    Lifecycle,
    Tag,
)
from mehvar.customers.profile_fields import clean_owner, custom_value, invalid

QUERY_MAX_LENGTH = 200
ORDERINGS = {
    "-id": ("-id",),
    "-created_at": ("-created_at", "-id"),
    "-last_contact_at": (F("last_contact_at").desc(nulls_last=True), "-id"),
    "-lifetime_value": ("-lifetime_value", "-id"),
    "display_name": ("display_name", "-id"),
}
FILTER_KEYS = frozenset(
    {
        "city",
        "province",
        "company",
        "lifecycle",
        "owner_id",
        "tag",
        "tags_any",
        "tags_all",
        "custom",
        "consent",
        "last_contact_from",
        "last_contact_to",
        "spend_min",
        "spend_max",
        "birthday_month",
        "order",
    }
)


# --- The search text --------------------------------------------------------------------------------------


def _phone_forms(e164: str) -> list[str]:
    """+989123456789 → itself, 09123456789 and 9123456789, so that any of them (or a piece) matches."""
    if not e164.startswith("+"):
        return [e164]
    forms = [e164]
    if e164.startswith("+98"):
        forms += ["0" + e164[3:], e164[3:]]
    else:
        forms.append(e164[1:])
    return forms


def search_text_for(customer: Customer, identities: Iterable[Identity]) -> str:
    """The keys search matches against: names, phones (several forms), e-mails and handles, space-joined."""
    first, last = customer.first_name, customer.last_name
    parts: list[str] = [
        f"{first} {last}",
        first,
        last,
        customer.display_name,
        f"{customer.first_name_latin} {customer.last_name_latin}",
        customer.first_name_latin,
        customer.last_name_latin,
        customer.email,
        *(_phone_forms(customer.phone) if customer.phone else []),
    ]
    for identity in identities:
        if identity.value.startswith("+"):
            parts += _phone_forms(identity.value)
        else:
            parts.append(identity.value)
    keys = dict.fromkeys(search_key(part) for part in parts if part)
    return " ".join(key for key in keys if key)


def search_text_refresh(*, customers: Sequence[Customer]) -> None:
    """Recompute and store the search text of these customers (two queries and one bulk update)."""
    by_customer: dict[int, list[Identity]] = {}
    for identity in Identity.objects.filter(customer__in=[c.pk for c in customers]):
        by_customer.setdefault(identity.customer_id, []).append(identity)
    for customer in customers:
        customer.search_text = search_text_for(customer, by_customer.get(customer.pk, []))
    Customer.objects.bulk_update(customers, ["search_text"], batch_size=1000)


# --- Search and filters -----------------------------------------------------------------------------------


# Up to this many matches, search pages over exactly the ids the trigram index found (see _text_match).
TRIGRAM_CANDIDATES_MAX = 1000


class _Unindexed(Func):
    """``search_text || ''``: the same text, but an expression the trigram index cannot serve."""

    template = "(%(expressions)s || '')"
    output_field = TextField()


class _OneOf(Func):
    """``id = ANY(%s)``: one array parameter rather than thousands of IN (...) ones, which PostgreSQL plans
    slowly (17 ms for 7,000 ids)."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def live_customers(*, workspace: Workspace) -> QuerySet[Customer]:
    """The workspace's customers that are neither merged into another nor erased."""
    return Customer.objects.filter(workspace=workspace, merged_into__isnull=True, erased_at__isnull=True)


def _text_match(queryset: QuerySet[Customer], key: str) -> QuerySet[Customer]:
    """Customers whose search text contains ``key``.

    On SQLite a plain LIKE. On PostgreSQL the trigram GIN index answers ``LIKE '%key%'``, but PostgreSQL's
    estimate of how many rows a piece matches is often far off (100 for a piece that 18,000 customers share,
    10,000 for one that 400 share), and the plan it picks for "newest first" from that estimate is then slow:
    a bitmap scan of every match followed by a sort, or a walk of the primary key backwards past a hundred
    thousand rows. So ask the index for the candidates first (no ordering, a bitmap scan, at most
    ``TRIGRAM_CANDIDATES_MAX`` + 1 of them):

    - few enough: page over exactly those ids (``id = ANY(array)``, one parameter, cheap to plan);
    - more: matches are dense, so walking the primary key newest-first finds a page after a few thousand rows
      (at most ``51 × rows ÷ TRIGRAM_CANDIDATES_MAX``); the LIKE is then put on an expression the trigram
      index cannot serve, so that PostgreSQL walks instead of sorting every match.

    Both give the same rows as the plain LIKE; only the plan differs.
    """
    matching = queryset.filter(search_text__contains=key)
    if connection.vendor != "postgresql":
        return matching
    candidates = list(matching.order_by().values_list("pk", flat=True)[: TRIGRAM_CANDIDATES_MAX + 1])
    if len(candidates) <= TRIGRAM_CANDIDATES_MAX:
        return queryset.filter(_OneOf(F("pk"), Value(candidates)))
    return queryset.alias(_unindexed=_Unindexed("search_text")).filter(_unindexed__contains=key)


def customer_search(
    *, workspace: Workspace, q: str = "", filters: Mapping[str, Any] | None = None
) -> QuerySet[Customer]:
    """Live customers matching the query (a name, phone, e-mail or handle, or a piece) and the filters."""
    filters = dict(filters or {})
    queryset = live_customers(workspace=workspace)
    q = (q or "").strip()
    if len(q) > QUERY_MAX_LENGTH:
        raise invalid("q", _("A search may have at most %(max)d characters.") % {"max": QUERY_MAX_LENGTH})
    key = search_key(q).lstrip("@")  # handles are stored without their @
    if key:
        queryset = _text_match(queryset, key)
    order = filters.pop("order", None) or "-id"
    if order not in ORDERINGS:
        raise invalid("filters.order", _("Unknown order: %(value)s.") % {"value": str(order)[:40]})
    queryset = queryset.filter(filters_q(workspace=workspace, filters=filters))
    return queryset.order_by(*ORDERINGS[order])


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str | int):
        return [value]
    return list(value)


def _day(name: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value))
    except JalaliDateError as error:
        raise invalid(f"filters.{name}", error.message, error.code) from None


def _tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=TEHRAN).astimezone(dt.UTC)


def _integer(name: str, value: Any) -> int:
    try:
        return int(to_ascii_digits(str(value)).replace(",", "").strip())
    except ValueError:
        raise invalid(f"filters.{name}", _("Give a whole number.")) from None


def _tags_q(workspace: Workspace, names: list[Any], *, every: bool) -> Q:
    keys = [search_key(str(name)) for name in names if search_key(str(name))]
    if not keys:
        return Q()
    tag_ids = dict(Tag.objects.filter(workspace=workspace, key__in=keys).values_list("key", "pk"))
    through = Customer.tags.through
    if not every:
        return Q(
            Exists(through.objects.filter(customer_id=OuterRef("pk"), tag_id__in=list(tag_ids.values())))
        )
    if len(tag_ids) < len(set(keys)):
        return Q(pk__in=[])  # a tag nobody has: nobody has them all
    condition = Q()
    for tag_id in tag_ids.values():
        condition &= Q(Exists(through.objects.filter(customer_id=OuterRef("pk"), tag_id=tag_id)))
    return condition


def _custom_q(workspace: Workspace, wanted: Any) -> Q:
    if not isinstance(wanted, Mapping):
        raise invalid("filters.custom", _("Custom field filters must be given as key and value pairs."))
    definitions = {d.key: d for d in CustomField.objects.filter(workspace=workspace, key__in=list(wanted))}
    condition = Q()
    for key, value in wanted.items():
        definition = definitions.get(key)
        if definition is None:
            raise invalid(
                f"filters.custom.{key}",
                _("There is no custom field “%(key)s” in this workspace.") % {"key": str(key)[:50]},
                "unknown_field",
            )
        lookup = f"custom_fields__{key}"
        ranged = definition.type in (CustomField.Type.NUMBER, CustomField.Type.DATE)
        if ranged and isinstance(value, Mapping):
            low = value.get("min", value.get("from"))
            high = value.get("max", value.get("to"))
            try:
                if low not in (None, ""):
                    condition &= Q(**{f"{lookup}__gte": custom_value(definition, low)})
                if high not in (None, ""):
                    condition &= Q(**{f"{lookup}__lte": custom_value(definition, high)})
            except ValidationError as error:
                raise invalid(f"filters.custom.{key}", error.messages[0]) from None
            continue
        try:
            condition &= Q(**{lookup: custom_value(definition, value)})
        except ValidationError as error:
            raise invalid(f"filters.custom.{key}", error.messages[0]) from None
    return condition


def _consent_q(channels: list[Any]) -> Q:
    condition = Q()
    for channel in channels:
        if channel not in ConsentChannel.values:
            raise invalid(
                "filters.consent", _("“%(value)s” is not a channel.") % {"value": str(channel)[:20]}
            )
        newest = (
            Consent.objects.filter(customer=OuterRef("pk"), channel=channel)
            .order_by("-recorded_at", "-id")
            .values("granted")[:1]
        )
        condition &= Q(Exact(Subquery(newest), True))
    return condition


def _birthday_month_q(workspace: Workspace, month: Any) -> Q:
    """Birthdays in Jalali month ``month``: one Gregorian range per year that has a birthday."""
    number = _integer("birthday_month", month)
    if not 1 <= number <= 12:
        raise invalid("filters.birthday_month", _("Months run from 1 to 12."))
    span = live_customers(workspace=workspace).aggregate(low=Min("birthday"), high=Max("birthday"))
    if span["low"] is None:
        return Q(pk__in=[])
    first = jdatetime.date.fromgregorian(date=span["low"]).year
    last = jdatetime.date.fromgregorian(date=span["high"]).year
    condition = Q()
    for year in range(first, last + 1):
        start = jdatetime.date(year, number, 1).togregorian()
        following = jdatetime.date(year + 1, 1, 1) if number == 12 else jdatetime.date(year, number + 1, 1)
        condition |= Q(birthday__gte=start, birthday__lt=following.togregorian())
    return condition


def filters_q(*, workspace: Workspace, filters: Mapping[str, Any]) -> Q:
    """The filter builder: a filters dict (see the module docstring) → one Q over Customer."""
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise ValidationError({f"filters.{name}": _("Unknown filter.") for name in sorted(unknown, key=str)})
    condition = Q()
    for name in ("city", "province", "company"):
        if value := normalize_text(str(filters.get(name) or "")):
            condition &= Q(**{f"{name}__iexact": value})
    if lifecycles := _as_list(filters.get("lifecycle")):
        bad = [v for v in lifecycles if v not in Lifecycle.values]
        if bad:
            raise invalid(
                "filters.lifecycle", _("“%(value)s” is not a lifecycle stage.") % {"value": str(bad[0])[:40]}
            )
        condition &= Q(lifecycle__in=lifecycles)
    owner = filters.get("owner_id")
    if owner == "none":
        condition &= Q(owner__isnull=True)
    elif owner not in (None, ""):
        try:
            condition &= Q(owner=clean_owner(workspace, owner))
        except ValidationError:
            raise invalid(
                "filters.owner_id", _("The account manager must be a member of this workspace.")
            ) from None
    if tags := _as_list(filters.get("tag")) + _as_list(filters.get("tags_any")):
        condition &= _tags_q(workspace, tags, every=False)
    if tags := _as_list(filters.get("tags_all")):
        condition &= _tags_q(workspace, tags, every=True)
    if custom := filters.get("custom"):
        condition &= _custom_q(workspace, custom)
    if channels := _as_list(filters.get("consent")):
        condition &= _consent_q(channels)
    if value := filters.get("last_contact_from"):
        condition &= Q(last_contact_at__gte=_tehran_midnight(_day("last_contact_from", value)))
    if value := filters.get("last_contact_to"):
        day = _day("last_contact_to", value) + dt.timedelta(days=1)
        condition &= Q(last_contact_at__lt=_tehran_midnight(day))
    if filters.get("spend_min") not in (None, ""):
        condition &= Q(lifetime_value__gte=_integer("spend_min", filters["spend_min"]))
    if filters.get("spend_max") not in (None, ""):
        condition &= Q(lifetime_value__lte=_integer("spend_max", filters["spend_max"]))
    if filters.get("birthday_month") not in (None, ""):
        condition &= _birthday_month_q(workspace, filters["birthday_month"])
    return condition
