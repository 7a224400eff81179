"""API of the feedback analysis: analyse texts, correct a result, see the workspace's model, import and
list reviews.

Thin handlers: check the permission, call one selector or service inside the token's workspace.
"""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from mehvar.api.pagination import KeysetPagination, paginate
from mehvar.api.permissions import require, workspace_of
from mehvar.api.schemas import error_responses
from mehvar.core.roles import Perm
from mehvar.feedback import reviews
from mehvar.feedback.analysis import MODEL_RULES, feedback_analyze, feedback_model_for
from mehvar.feedback.models import WorkspaceModel
from mehvar.feedback.schemas import (
    AnalyzeIn,
    AnalyzeOut,
    CorrectionIn,
    CorrectionOut,
    ReviewOut,
    ReviewsImportIn,
    ReviewsImportOut,
    SentimentName,
    WorkspaceModelOut,
)
from mehvar.feedback.selectors import reviews_of, rules_warning

router = Router()

FEEDBACK = "تحلیل بازخورد"
SourceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{1,19}$", examples=["digikala"])]
TopicFilter = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$", examples=["packaging"])]


@router.post(
    "/feedback/analyze",
    response={200: AnalyzeOut, **error_responses(403, 422)},
    tags=[FEEDBACK],
    summary="تحلیل متن بازخورد: احساس، امتیاز، موضوع‌ها، فوریت، توهین",
    description="تا ۱٬۰۰۰ متن در هر درخواست. با مدل اصلاح‌شدهٔ همین فضای کار اگر آموزش دیده باشد، وگرنه "
    "مدل پایه؛ اگر مدل در دسترس نباشد قاعده‌ها پاسخ می‌دهند و `model` برابر `rules` است با یک `warning`.",
)
def feedback_analyze_route(request: HttpRequest, payload: AnalyzeIn) -> Any:
    require(request, Perm.FEEDBACK_ANALYZE)
    results = feedback_analyze(texts=payload.texts, workspace=workspace_of(request))
    kind = results[0].model if results else MODEL_RULES
    return {
        "model": kind,
        "warning": rules_warning() if kind == MODEL_RULES else None,
        "results": [result.as_dict() for result in results],
    }


@router.post(
    "/feedback/corrections",
    response={201: CorrectionOut, **error_responses(403, 422)},
    tags=[FEEDBACK],
    summary="اصلاح برچسب‌های یک متن",
    description="فقط برچسب‌هایی که فرستاده شوند اصلاح به شمار می‌آیند. مدل این فضای کار در پس‌زمینه دوباره "
    "آموزش می‌بیند؛ `topics` می‌تواند موضوع‌های خود فضای کار را هم نام ببرد (مثل `parking`).",
)
def feedback_correction_create(request: HttpRequest, payload: CorrectionIn) -> Any:
    acting = require(request, Perm.FEEDBACK_CORRECT)
    from mehvar.feedback.services import feedback_correction_record

    correction = feedback_correction_record(acting=acting, via="api", **payload.model_dump())
    return Status(201, correction)


@router.get(
    "/feedback/model",
    response={200: WorkspaceModelOut, **error_responses(403)},
    tags=[FEEDBACK],
    summary="مدل تحلیل این فضای کار و دقتش روی اصلاح‌های کنارگذاشته",
)
def feedback_model_detail(request: HttpRequest) -> Any:
    require(request, Perm.FEEDBACK_ANALYZE)
    workspace = workspace_of(request)
    state = WorkspaceModel.objects.filter(workspace=workspace).first()
    _model, kind = feedback_model_for(workspace.pk)
    return {
        "model": kind,
        "trained_at": state.trained_at if state else None,
        "examples": state.examples if state else 0,
        "corrections": state.corrections if state else 0,
        "held_out": state.held_out if state else 0,
        "held_out_accuracy": state.held_out_accuracy if state else None,
        "base_held_out_accuracy": state.base_held_out_accuracy if state else None,
        "topics": state.topics if state else [],
    }


@router.post(
    "/feedback/reviews/bulk",
    response={200: ReviewsImportOut, **error_responses(403, 422)},
    tags=[FEEDBACK],
    summary="ورود نظرهای مشتریان از فروشگاه‌ها و نقشه‌ها (تا ۱۰۰۰ مورد)",
    description="همه یا هیچ: اگر حتی یک مورد نادرست باشد چیزی ذخیره نمی‌شود و خطای ۴۲۲ همهٔ موردهای نادرست "
    "را با شماره و فیلدشان می‌گوید (`items.3.written_at`، `items.5.identities.0.value`). هر نظر با "
    "`source` و `external_id` یک بار ذخیره می‌شود؛ دوباره فرستادنش چیزی تازه نمی‌نویسد و «موجود» گزارش "
    "می‌شود. همهٔ نظرهای تازه با یک بار اجرای تحلیل خوانده می‌شوند (احساس، موضوع‌ها، فوریت، توهین). اگر "
    "`identities` داده شود، مشتری با تطبیق مشتری ۳۶۰ پیدا یا ساخته می‌شود و نظر روی خط زمانی‌اش می‌آید. "
    "دسترسی: `customers.edit`.",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "digikala": {
                            "summary": "دو نظر از دیجی‌کالا و یکی از نقشهٔ گوگل",
                            "value": {
                                "items": [
                                    {
                                        "source": "digikala",
                                        "external_id": "dk-88123456",
                                        "text": "گوشی سالم رسید ولی جعبه‌اش له شده بود",
                                        "rating": "۳",
                                        "rating_max": 5,
                                        "written_at": "۱۴۰۳/۰۷/۱۵ ۱۰:۳۰",
                                        "identities": [{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}],
                                    },
                                    {
                                        "source": "digikala",
                                        "external_id": "dk-88123457",
                                        "text": "خیلی سریع رسید، ممنون از فروشنده",
                                        "rating": 5,
                                        "written_at": "2024-10-07T08:15:00Z",
                                    },
                                    {
                                        "source": "google",
                                        "external_id": "ChZDSUhNMG9nS0VJQ0FnSUM",
                                        "text": "پارکینگ ندارد و برخورد صندوقدار هم سرد بود",
                                        "rating": 2,
                                        "written_at": "۱۴۰۳/۰۸/۰۲",
                                    },
                                ]
                            },
                        }
                    }
                }
            }
        }
    },
)
def review_import(request: HttpRequest, payload: ReviewsImportIn) -> Any:
    acting = require(request, Perm.CUSTOMERS_EDIT)
    result = reviews.reviews_import(acting=acting, items=payload.service_items(), via="api")
    return {
        "created": result.created_count,
        "existing": result.existing_count,
        "items": [
            {"index": i.index, "id": i.review_id, "customer_id": i.customer_id, "created": i.created}
            for i in result.items
        ],
    }


@router.get(
    "/feedback/reviews",
    response={200: list[ReviewOut], **error_responses(403, 422)},
    tags=[FEEDBACK],
    summary="نظرهای واردشده، تازه‌ترین (به زمان نوشتن) اول",
    description="فیلترها: `source` (مثل `digikala`)، `sentiment` (`negative`، `neutral`، `positive`) و "
    "`topic` (مثل `packaging` یا موضوع خود فضای کار)؛ صفحه‌ها با `cursor`.",
)
@paginate(KeysetPagination, ordering=("-written_at", "-id"))
def review_list(
    request: HttpRequest,
    source: Query[SourceName | None] = None,
    sentiment: Query[SentimentName | None] = None,
    topic: Query[TopicFilter | None] = None,
) -> Any:
    require(request, Perm.FEEDBACK_ANALYZE)
    return reviews_of(
        workspace=workspace_of(request), source=source or "", sentiment=sentiment or "", topic=topic or ""
    )
