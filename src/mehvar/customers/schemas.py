"""API schemas of Customer 360: customers, identities, timeline, merges, duplicates, activities, imports."""

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from mehvar.api.schemas import Email, InputSchema, ObjectId, Text
from mehvar.core.jalali import JalaliDate, JalaliDateTime, format_date, format_datetime
from mehvar.core.phones import Phone
from mehvar.customers.models import ConsentChannel, IdentityKind, Lifecycle
from mehvar.customers.timeline import MAX_INGEST_ITEMS, activity_kinds, kind_of

IdentityKindName = Literal[tuple(IdentityKind.values)]  # type: ignore[valid-type]
LifecycleName = Literal[tuple(Lifecycle.values)]  # type: ignore[valid-type]
ConsentChannelName = Literal[tuple(ConsentChannel.values)]  # type: ignore[valid-type]
SearchText = Annotated[
    str,
    Field(
        max_length=200,
        description="Name, phone, e-mail or handle, or a piece of one, as typed",
        examples=["علي رضائي"],
    ),
]
TagName = Annotated[str, Field(max_length=60, examples=["مشتری ویژه"])]
PlaceName = Annotated[str, Field(max_length=200, examples=["اصفهان"])]


def _known_kind(value: str) -> str:
    if kind_of(value) is None:
        raise PydanticCustomError(
            "unknown_kind",
            _("“%(kind)s” is not a kind of activity. Use one of: %(kinds)s.")
            % {"kind": value[:40], "kinds": ", ".join(sorted(kind.key for kind in activity_kinds()))},
        )
    return value


ChannelName = Annotated[str, Field(max_length=16, examples=["sms"])]
ActivityKindName = Annotated[
    str, Field(min_length=1, max_length=32, examples=["message"]), AfterValidator(_known_kind)
]


_ISO_UTC = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z")


def _iso_utc(value: Any) -> Any:
    """2025-03-20T10:35:00Z, the shape machines send, read without the Jalali parser (same answer, faster);
    anything else, and any impossible date or time, is left to JalaliDateTime to read or to explain."""
    if isinstance(value, str) and (match := _ISO_UTC.fullmatch(value)) and int(match[1]) >= 1700:
        try:
            return dt.datetime(*(int(part) for part in match.groups()), tzinfo=dt.UTC)
        except ValueError:
            return value
    return value


IngestMoment = Annotated[JalaliDateTime, BeforeValidator(_iso_utc)]


# --- Customers --------------------------------------------------------------------------------------------


class FastInput(BaseModel):
    """A request body on the bulk path: plain pydantic, unknown fields refused like InputSchema.

    Ninja's Schema runs a Python root validator on every nested object (built for reading ORM objects); at
    a thousand items a request that alone costs a third of the request, so bulk input models skip it.
    """

    model_config = ConfigDict(extra="forbid")


class IdentityIn(FastInput):
    kind: IdentityKindName = Field(examples=["phone"])
    value: str = Field(
        min_length=1,
        max_length=254,
        examples=["۰۹۱۲ ۳۴۵ ۶۷۸۹"],
        description="As written: phones in any common shape (Persian digits too), e-mails, handles, ids.",
    )


class IdentityOut(Schema):
    id: int
    kind: str
    value: str = Field(description="Normalised: E.164 phones, lower-case e-mails, handles without @")
    written_as: str
    created_at: dt.datetime


class CustomerFields(InputSchema):
    """The profile fields a client may set; every one optional."""

    first_name: Text = Field(None, max_length=100, examples=["علی"])
    last_name: Text = Field(None, max_length=100, examples=["رضایی"])
    display_name: Text = Field(None, max_length=200, examples=["علی رضایی"])
    first_name_latin: Text = Field(None, max_length=100, examples=["Ali"])
    last_name_latin: Text = Field(None, max_length=100, examples=["Rezaei"])
    phone: Phone | None = Field(None, examples=["۰۹۱۲ ۳۴۵ ۶۷۸۹"])
    email: Email | None = Field(None, examples=["ali.rezaei@example.com"])
    city: Text = Field(None, max_length=100, examples=["اصفهان"])
    province: Text = Field(None, max_length=100, examples=["اصفهان"])
    birthday: JalaliDate | None = Field(None, examples=["1370/06/31"])
    company: Text = Field(None, max_length=200, examples=["بازرگانی نقش جهان"])
    job_title: Text = Field(None, max_length=120, examples=["مدیر خرید"])
    lifecycle: LifecycleName = Field(None, examples=["active"])
    owner_id: ObjectId | None = Field(None, description="Member id of the account manager")
    tags: list[Annotated[Text, Field(min_length=1, max_length=60)]] = Field(
        None, max_length=50, examples=[["مشتری ویژه", "عمده"]]
    )
    custom_fields: dict[str, Any] = Field(
        None, description="Values of the workspace's custom fields, by key", examples=[{"shoe_size": 42}]
    )
    contact_policy: str = Field(None, max_length=2000, examples=["فقط پیش از ظهر تماس بگیرید."])


class CustomerIn(CustomerFields):
    identities: list[IdentityIn] = Field(
        None, max_length=20, examples=[[{"kind": "telegram", "value": "@ali_rezaei"}]]
    )


class CustomerPatchIn(CustomerFields):
    pass


class CustomerOut(Schema):
    id: int
    display_name: str
    first_name: str
    last_name: str
    first_name_latin: str
    last_name_latin: str
    phone: str
    email: str
    city: str
    province: str
    birthday: dt.date | None
    birthday_jalali: str | None = Field(description="The birthday as a Jalali date, 1370/06/31")
    company: str
    job_title: str
    lifecycle: str
    owner_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    contact_policy: str
    first_seen_at: dt.datetime
    last_contact_at: dt.datetime | None
    lifetime_value: int = Field(description="Rials")
    last_nps: int | None
    rights_acknowledged_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_birthday_jalali(obj: Any) -> str | None:
        return format_date(obj.birthday, digits="en") if obj.birthday else None

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class CustomerDetailOut(CustomerOut):
    identities: list[IdentityOut]

    @staticmethod
    def resolve_identities(obj: Any) -> list[Any]:
        return list(obj.identities.all())


# --- Timeline ---------------------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    customer_id: int
    kind: str
    kind_label: str
    icon: str
    channel: str
    occurred_at: dt.datetime
    occurred_at_jalali: str = Field(description="Tehran time, Jalali: 1403/12/30 14:05")
    summary: str
    data: dict[str, Any]
    source: str
    external_id: str
    actor_id: int | None
    record_type: str | None = Field(description="app.model of the record it points at")
    record_id: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        kind = kind_of(obj.kind)
        return str(kind.label) if kind else obj.kind

    @staticmethod
    def resolve_icon(obj: Any) -> str:
        kind = kind_of(obj.kind)
        return kind.icon if kind else ""

    @staticmethod
    def resolve_occurred_at_jalali(obj: Any) -> str:
        return format_datetime(obj.occurred_at, digits="en")

    @staticmethod
    def resolve_record_type(obj: Any) -> str | None:
        return f"{obj.record_type.app_label}.{obj.record_type.model}" if obj.record_type_id else None


class CustomerRef(FastInput):
    id: ObjectId


class ProfileDefaults(FastInput):
    """Used only when the identities match nobody and a new customer is created."""

    first_name: Text = Field(None, max_length=100, examples=["سارا"])
    last_name: Text = Field(None, max_length=100, examples=["نوری"])
    display_name: Text = Field(None, max_length=200, examples=["سارا نوری"])
    city: Text = Field(None, max_length=100, examples=["شیراز"])


class ActivityIn(FastInput):
    source: str = Field("", max_length=64, examples=["shop"], description="The system it comes from")
    external_id: str = Field(
        "",
        max_length=128,
        examples=["order-1403-0042"],
        description="Its id there: (source, external_id) "
        "is stored once; sending it again answers with the stored activity",
    )
    kind: ActivityKindName
    channel: str = Field("", max_length=16, examples=["sms"])
    occurred_at: IngestMoment
    summary: Text = Field("", max_length=500, examples=["سفارش ۴۲ ثبت شد"])
    data: dict[str, Any] = Field(default_factory=dict, examples=[{"total_rials": 12500000}])
    customer: CustomerRef | None = Field(None, description="Whose activity, by customer id …")
    identities: list[IdentityIn] = Field(
        None,
        max_length=20,
        description="… or by identities, resolved to one customer (created if new)",
        examples=[[{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}]],
    )
    defaults: ProfileDefaults | None = None

    @model_validator(mode="after")
    def _whose(self) -> "ActivityIn":
        if self.customer is None and not self.identities:
            raise PydanticCustomError(
                "customer_required", _("Say whose activity this is: a customer id or at least one identity.")
            )
        return self


class ActivitiesBulkIn(FastInput):
    items: list[ActivityIn] = Field(min_length=1, max_length=MAX_INGEST_ITEMS)


class IngestedOut(Schema):
    index: int
    id: int
    customer_id: int
    created: bool = Field(description="false when (source, external_id) was already stored")


class ActivitiesBulkOut(Schema):
    created: int
    existing: int
    items: list[IngestedOut]


class ActivityRecordedOut(ActivityOut):
    created: bool


# --- Merges and duplicates --------------------------------------------------------------------------------


class MergeIn(InputSchema):
    other_customer_id: ObjectId = Field(description="Merged into this customer, which stays")
    choices: dict[str, Literal["survivor", "merged"]] = Field(
        default_factory=dict,
        description="Per conflicting field, whose value to keep",
        examples=[{"city": "merged", "first_name": "survivor"}],
    )


class MergeOut(Schema):
    id: int
    survivor_id: int
    merged_id: int
    choices: dict[str, Any]
    automatic: bool
    performed_at: dt.datetime
    undone_at: dt.datetime | None


class CustomerBriefOut(Schema):
    id: int
    display_name: str
    phone: str
    email: str
    city: str


class DuplicateOut(Schema):
    id: int
    customer_a: CustomerBriefOut
    customer_b: CustomerBriefOut
    score: float
    evidence: list[Any] = Field(description="[{signal, a, b, weight}]: why they may be one person")
    status: str
    created_at: dt.datetime


# --- Imports ----------------------------------------------------------------------------------------------


class ImportOut(Schema):
    id: int
    file_name: str
    file_format: str
    status: str
    headers: list[Any]
    mapping: dict[str, Any]
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    error_count: int
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_error_count(obj: Any) -> int:
        return len(obj.errors or [])


class ImportMappingIn(InputSchema):
    mapping: dict[str, str] = Field(
        description="Column header → customer field (an empty field skips the column)",
        examples=[{"نام": "first_name", "نام خانوادگی": "last_name", "موبایل": "phone"}],
    )


class ImportErrorOut(Schema):
    row: int | None = None
    field: str | None = None
    message: str


def ingest_item(payload: ActivityIn) -> dict[str, Any]:
    """An API item as activities_ingest reads it."""
    return {
        "source": payload.source,
        "external_id": payload.external_id,
        "kind": payload.kind,
        "channel": payload.channel,
        "occurred_at": payload.occurred_at,
        "summary": payload.summary,
        "data": payload.data,
        "customer": {"id": payload.customer.id} if payload.customer else None,
        "identities": [{"kind": i.kind, "value": i.value} for i in payload.identities or []],
        "defaults": payload.defaults.model_dump(exclude_none=True) if payload.defaults else {},
    }
