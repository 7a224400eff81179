"""API of Customer 360: customers, identities, timeline, merges, duplicates, activities and imports.

Thin handlers: check the permission, look the object up inside the token's workspace (404 otherwise; a merged
or erased customer is gone for the API), call one service or selector. Services raise ValidationError (422)
and PermissionDenied (403); writes are audited by the services with ``via="api"``.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from mehvar.api.pagination import KeysetPagination, paginate
from mehvar.api.permissions import require, workspace_of
from mehvar.api.schemas import ObjectId, error_responses
from mehvar.core.audit import audit_record
from mehvar.core.jalali import JalaliDate
from mehvar.core.models import AuditEntry, Workspace
from mehvar.core.roles import Perm
from mehvar.core.tenancy import get_in_workspace
from mehvar.customers import timeline
from mehvar.customers.models import Customer, DuplicateSuggestion, Identity, Import, Merge
from mehvar.customers.schemas import (
    ActivitiesBulkIn,
    ActivitiesBulkOut,
    ActivityIn,
    ActivityKindName,
    ActivityOut,
    ActivityRecordedOut,
    ChannelName,
    ConsentChannelName,
    CustomerDetailOut,
    CustomerIn,
    CustomerOut,
    CustomerPatchIn,
    DuplicateOut,
    IdentityIn,
    IdentityOut,
    ImportErrorOut,
    ImportMappingIn,
    ImportOut,
    LifecycleName,
    MergeIn,
    MergeOut,
    PlaceName,
    SearchText,
    TagName,
    ingest_item,
)

router = Router()

CUSTOMERS = "مشتریان"
IDENTITIES = "شناسه‌های مشتری"
TIMELINE = "تاریخچه (تایم‌لاین)"
MERGES = "ادغام و تکراری‌ها"
IMPORTS = "ورود از فایل"


def _live_customers(workspace: Workspace) -> QuerySet[Customer]:
    """Customers the API can address: neither merged into another nor erased."""
    return Customer.objects.filter(workspace=workspace, merged_into=None, erased_at=None)


def _customer(request: HttpRequest, customer_id: int, *, detail: bool = False) -> Customer:
    queryset = _live_customers(workspace_of(request)).prefetch_related("tags")
    if detail:
        queryset = queryset.prefetch_related(
            Prefetch("identities", Identity.objects.order_by("created_at", "id"))
        )
    return get_in_workspace(queryset, workspace_of(request), pk=customer_id)


def _fields(payload: Any) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


# --- Customers --------------------------------------------------------------------------------------------


@router.get(
    "/customers",
    response={200: list[CustomerOut], **error_responses(403, 422)},
    tags=[CUSTOMERS],
    summary="فهرست و جست‌وجوی مشتریان",
    description="`q` نام، تلفن، ایمیل یا شناسه را جست‌وجو می‌کند و به «ي/ی»، «ك/ک»، رقم فارسی، "
    "فاصله و نیم‌فاصله حساس نیست: `?q=علي رضائي` یا `?q=۰۹۱۲۳۴۵`.",
)
@paginate(KeysetPagination, ordering=("-created_at", "-id"))
def customer_list(
    request: HttpRequest,
    q: Query[SearchText | None] = None,
    lifecycle: Query[list[LifecycleName] | None] = None,
    tag: Query[list[TagName] | None] = None,
    tags_all: Query[list[TagName] | None] = None,
    owner_id: Query[ObjectId | None] = None,
    city: Query[PlaceName | None] = None,
    province: Query[PlaceName | None] = None,
    company: Query[PlaceName | None] = None,
    consent: Query[list[ConsentChannelName] | None] = None,
    last_contact_from: Query[JalaliDate | None] = None,
    last_contact_to: Query[JalaliDate | None] = None,
    spend_min: Query[int | None] = None,
    spend_max: Query[int | None] = None,
) -> Any:
    # Plain parameters rather than a filter schema, so that errors name them as clients write them.
    require(request, Perm.CUSTOMERS_VIEW)
    from mehvar.customers.search import customer_search

    given = {
        "lifecycle": lifecycle,
        "tag": tag,
        "tags_all": tags_all,
        "owner_id": owner_id,
        "city": city,
        "province": province,
        "company": company,
        "consent": consent,
        "last_contact_from": last_contact_from,
        "last_contact_to": last_contact_to,
        "spend_min": spend_min,
        "spend_max": spend_max,
    }
    chosen = {name: value for name, value in given.items() if value not in (None, [], "")}
    try:
        found = customer_search(workspace=workspace_of(request), q=q or "", filters=chosen)
    except ValidationError as error:
        raise _unprefixed(error, "filters.") from None
    return found.prefetch_related("tags")


def _unprefixed(error: ValidationError, prefix: str) -> ValidationError:
    """A selector's ``filters.city`` is the query parameter ``city`` here."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({key.removeprefix(prefix): items for key, items in error.error_dict.items()})


@router.post(
    "/customers",
    response={201: CustomerDetailOut, **error_responses(403, 422)},
    tags=[CUSTOMERS],
    summary="ساختن مشتری",
    description="تلفن با رقم فارسی و هر قالب رایجی پذیرفته و به E.164 ذخیره می‌شود؛ "
    "تاریخ تولد شمسی یا میلادی.",
)
def customer_create(request: HttpRequest, payload: CustomerIn) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.services import customer_create as create

    fields = _fields(payload)
    if "identities" in fields:
        fields["identities"] = [(item["kind"], item["value"]) for item in fields["identities"]]
    customer = create(acting=acting, via="api", **fields)
    return Status(201, _customer(request, customer.pk, detail=True))


@router.get(
    "/customers/{customer_id}",
    response={200: CustomerDetailOut, **error_responses(403, 404)},
    tags=[CUSTOMERS],
    summary="پروندهٔ یک مشتری",
)
def customer_detail(request: HttpRequest, customer_id: ObjectId) -> Any:
    require(request, Perm.CUSTOMERS_VIEW)
    customer = _customer(request, customer_id, detail=True)
    _record_view(request, customer)
    return customer


VIEW_AUDIT_EVERY = dt.timedelta(hours=1)


def _record_view(request: HttpRequest, customer: Customer) -> None:
    """Audit "viewed personal data" once per member, customer and hour (as the 360 page does)."""
    seen = AuditEntry.objects.filter(
        workspace=workspace_of(request),
        object_type=Customer._meta.label_lower,
        object_id=str(customer.pk),
        action=AuditEntry.Action.VIEW_PERSONAL,
        actor=request.user,
        created_at__gte=timezone.now() - VIEW_AUDIT_EVERY,
    ).exists()
    if not seen:
        audit_record(
            workspace=workspace_of(request),
            actor=request.user,
            action=AuditEntry.Action.VIEW_PERSONAL,
            obj=customer,
            via="api",
        )


@router.patch(
    "/customers/{customer_id}",
    response={200: CustomerDetailOut, **error_responses(403, 404, 422)},
    tags=[CUSTOMERS],
    summary="ویرایش مشتری",
    description="فقط فیلدهای فرستاده‌شده تغییر می‌کنند؛ `null` مقدار را پاک می‌کند.",
)
def customer_update(request: HttpRequest, customer_id: ObjectId, payload: CustomerPatchIn) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.services import customer_update as update

    customer = _customer(request, customer_id)
    update(acting=acting, customer=customer, via="api", **_fields(payload))
    return _customer(request, customer_id, detail=True)


@router.delete(
    "/customers/{customer_id}",
    response={204: None, **error_responses(403, 404)},
    tags=[CUSTOMERS],
    summary="پاک کردن (ناشناس کردن) داده‌های مشتری",
    description="به درخواست خود مشتری: داده‌های شخصی پاک می‌شوند و فقط شمارش‌های کلی می‌ماند. ویژهٔ مدیران.",
)
def customer_delete(request: HttpRequest, customer_id: ObjectId) -> Any:
    acting = require(request, Perm.CUSTOMERS_PRIVACY)
    from mehvar.customers.privacy import customer_erase

    customer_erase(acting=acting, customer=_customer(request, customer_id))
    return Status(204, None)


# --- Identities -------------------------------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/identities",
    response={200: list[IdentityOut], **error_responses(403, 404, 422)},
    tags=[IDENTITIES],
    summary="شناسه‌های یک مشتری",
)
@paginate(KeysetPagination, ordering=("created_at", "id"))
def identity_list(request: HttpRequest, customer_id: ObjectId) -> Any:
    require(request, Perm.CUSTOMERS_VIEW)
    customer = _customer(request, customer_id)
    return Identity.objects.filter(workspace=workspace_of(request), customer=customer)


@router.post(
    "/customers/{customer_id}/identities",
    response={201: IdentityOut, **error_responses(403, 404, 422)},
    tags=[IDENTITIES],
    summary="افزودن شناسه (تلفن، ایمیل، تلگرام…) به مشتری",
    description="شناسه‌ای که از آنِ مشتری دیگری است پذیرفته نمی‌شود (۴۲۲)؛ آن دو را ادغام کنید.",
)
def identity_create(request: HttpRequest, customer_id: ObjectId, payload: IdentityIn) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.services import identity_add

    customer = _customer(request, customer_id)
    identity = identity_add(
        acting=acting, customer=customer, kind=payload.kind, value=payload.value, via="api"
    )
    return Status(201, identity)


@router.delete(
    "/customers/{customer_id}/identities/{identity_id}",
    response={204: None, **error_responses(403, 404, 422)},
    tags=[IDENTITIES],
    summary="برداشتن یک شناسه از مشتری",
)
def identity_delete(request: HttpRequest, customer_id: ObjectId, identity_id: ObjectId) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.services import identity_remove

    customer = _customer(request, customer_id)
    identity = get_in_workspace(
        Identity.objects.filter(customer=customer), workspace_of(request), pk=identity_id
    )
    identity_remove(acting=acting, identity=identity, via="api")
    return Status(204, None)


# --- Timeline ---------------------------------------------------------------------------------------------


@router.get(
    "/customers/{customer_id}/timeline",
    response={200: list[ActivityOut], **error_responses(403, 404, 422)},
    tags=[TIMELINE],
    summary="تاریخچهٔ یک مشتری",
    description="تازه‌ترین اول. فیلتر با `kind` و `channel` (تکرارپذیر) و بازهٔ روزهای تهران "
    "`date_from=1403/01/01&date_to=1403/12/29` (شمسی یا میلادی، هر دو روز شامل).",
)
@paginate(KeysetPagination, ordering=timeline.TIMELINE_ORDERING)
def customer_timeline(
    request: HttpRequest,
    customer_id: ObjectId,
    kind: Query[list[ActivityKindName] | None] = None,
    channel: Query[list[ChannelName] | None] = None,
    date_from: Query[JalaliDate | None] = None,
    date_to: Query[JalaliDate | None] = None,
) -> Any:
    # Plain parameters rather than a filter schema, so that a bad list item is named ``kind.1``.
    require(request, Perm.CUSTOMERS_VIEW)
    return timeline.timeline_of(
        workspace=workspace_of(request),
        customer=_customer(request, customer_id),
        kinds=kind,
        channels=channel,
        date_from=date_from,
        date_to=date_to,
    )


@router.post(
    "/activities",
    response={201: ActivityRecordedOut, 200: ActivityRecordedOut, **error_responses(403, 422)},
    tags=[TIMELINE],
    summary="ثبت یک رویداد در تاریخچهٔ مشتری",
    description="مشتری با `customer.id` یا با `identities` (مثلاً تلفن `۰۹۱۲ ۳۴۵ ۶۷۸۹`) پیدا یا ساخته می‌شود. "
    "همان `source` و `external_id` دوباره فرستاده شود، همان رویداد قبلی با کد ۲۰۰ برمی‌گردد.",
)
def activity_create(request: HttpRequest, payload: ActivityIn) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    result = timeline.activities_ingest(
        workspace=acting.workspace, items=[ingest_item(payload)], acting=acting
    )
    activity, created = result.activities[0], result.created[0]
    activity.created = created  # type: ignore[attr-defined]
    return Status(201 if created else 200, activity)


@router.post(
    "/activities/bulk",
    response={200: ActivitiesBulkOut, **error_responses(403, 422)},
    tags=[TIMELINE],
    summary="ثبت گروهی رویدادها (تا ۱۰۰۰ مورد)",
    description="همه یا هیچ: یک مورد نادرست، کل درخواست را با خطای ۴۲۲ و فهرست همهٔ موردهای نادرست "
    "(`items.3.occurred_at`) برمی‌گرداند. شناسه‌ها گروهی به مشتری‌ها نگاشته می‌شوند؛ "
    "(`source`, `external_id`) تکراری چیزی تازه نمی‌نویسد.",
)
def activity_bulk_create(request: HttpRequest, payload: ActivitiesBulkIn) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    result = timeline.activities_ingest(
        workspace=acting.workspace, items=[ingest_item(item) for item in payload.items], acting=acting
    )
    return {
        "created": result.created_count,
        "existing": result.existing_count,
        "items": [
            {"index": index, "id": activity.pk, "customer_id": activity.customer_id, "created": created}
            for index, (activity, created) in enumerate(zip(result.activities, result.created, strict=True))
        ],
    }


# --- Merges and duplicates --------------------------------------------------------------------------------


@router.post(
    "/customers/{customer_id}/merge",
    response={201: MergeOut, **error_responses(403, 404, 422)},
    tags=[MERGES],
    summary="ادغام مشتری دیگری در این مشتری",
    description="همه‌چیز (شناسه‌ها، تاریخچه، رضایت‌ها) به این مشتری منتقل می‌شود؛ تا ۳۰ روز برگشت‌پذیر است.",
)
def customer_merge(request: HttpRequest, customer_id: ObjectId, payload: MergeIn) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.merging import customer_merge as merge

    survivor = _customer(request, customer_id)
    merged = _customer(request, payload.other_customer_id)
    return Status(201, merge(acting=acting, survivor=survivor, merged=merged, choices=payload.choices))


@router.post(
    "/merges/{merge_id}/undo",
    response={200: MergeOut, **error_responses(403, 404, 422)},
    tags=[MERGES],
    summary="برگرداندن یک ادغام",
)
def merge_undo(request: HttpRequest, merge_id: ObjectId) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.merging import merge_undo as undo

    merge = get_in_workspace(Merge, workspace_of(request), pk=merge_id)
    undo(acting=acting, merge=merge)
    merge.refresh_from_db()
    return merge


@router.get(
    "/duplicates",
    response={200: list[DuplicateOut], **error_responses(403, 422)},
    tags=[MERGES],
    summary="صف بررسی مشتری‌های احتمالاً تکراری",
    description="محتمل‌ترین اول، با شواهد (نام هم‌ارز، تاریخ تولد یا شهر یکسان…).",
)
@paginate(KeysetPagination, ordering=("-score", "id"))
def duplicate_list(request: HttpRequest) -> Any:
    require(request, Perm.CUSTOMERS_VIEW)
    from mehvar.customers.duplicates import suggestions_open

    return suggestions_open(workspace=workspace_of(request))


@router.post(
    "/duplicates/{suggestion_id}/dismiss",
    response={200: DuplicateOut, **error_responses(403, 404, 422)},
    tags=[MERGES],
    summary="این دو یک نفر نیستند",
)
def duplicate_dismiss(request: HttpRequest, suggestion_id: ObjectId) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.duplicates import suggestion_dismiss

    queryset = DuplicateSuggestion.objects.select_related("customer_a", "customer_b")
    suggestion = get_in_workspace(queryset, workspace_of(request), pk=suggestion_id)
    suggestion_dismiss(acting=acting, suggestion=suggestion, via="api")
    suggestion.refresh_from_db()
    return suggestion


# --- Imports ----------------------------------------------------------------------------------------------


@router.post(
    "/imports",
    response={201: ImportOut, **error_responses(403, 422)},
    tags=[IMPORTS],
    summary="بارگذاری فایل CSV یا XLSX مشتریان",
    description="فایل با فیلد `file` (multipart) فرستاده می‌شود؛ ستون‌ها و پیش‌نمایش را بعد ببینید.",
)
def import_create(request: HttpRequest, file: File[UploadedFile]) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.importing import import_create as create

    return Status(201, create(acting=acting, uploaded_file=file))


@router.get(
    "/imports/{import_id}",
    response={200: ImportOut, **error_responses(403, 404)},
    tags=[IMPORTS],
    summary="وضعیت یک ورود از فایل",
)
def import_detail(request: HttpRequest, import_id: ObjectId) -> Any:
    require(request, Perm.CUSTOMERS_EDIT)
    return get_in_workspace(Import, workspace_of(request), pk=import_id)


@router.get(
    "/imports/{import_id}/errors",
    response={200: list[ImportErrorOut], **error_responses(403, 404)},
    tags=[IMPORTS],
    summary="خطاهای ردیف‌های یک ورود از فایل",
)
def import_errors(request: HttpRequest, import_id: ObjectId) -> Any:
    require(request, Perm.CUSTOMERS_EDIT)
    return get_in_workspace(Import, workspace_of(request), pk=import_id).errors


@router.post(
    "/imports/{import_id}/mapping",
    response={200: ImportOut, **error_responses(403, 404, 422)},
    tags=[IMPORTS],
    summary="نگاشت ستون‌های فایل به فیلدهای مشتری",
    description="نگاشت برای فایل‌هایی با همین ستون‌ها به خاطر سپرده می‌شود.",
)
def import_mapping(request: HttpRequest, import_id: ObjectId, payload: ImportMappingIn) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.importing import import_set_mapping

    imp = get_in_workspace(Import, workspace_of(request), pk=import_id)
    return import_set_mapping(acting=acting, imp=imp, mapping=payload.mapping)


@router.post(
    "/imports/{import_id}/start",
    response={202: ImportOut, **error_responses(403, 404, 422)},
    tags=[IMPORTS],
    summary="بررسی و اعمال ورود از فایل (در پس‌زمینه)",
    description="همه یا هیچ: اگر ردیفی خطا داشته باشد چیزی وارد نمی‌شود و خطاها در `/errors` می‌آیند.",
)
def import_begin(request: HttpRequest, import_id: ObjectId) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    from mehvar.customers.importing import import_start

    imp = get_in_workspace(Import, workspace_of(request), pk=import_id)
    return Status(202, import_start(acting=acting, imp=imp))
