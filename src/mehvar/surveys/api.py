"""API of surveys: surveys (list, create, read, change), a survey's invitations (list, send by hand) and
responses (list, import historic ones).

Thin handlers: check the permission, look the survey up inside the token's workspace (404 otherwise), call one
service or selector. Services raise ValidationError (422, naming the field) and PermissionDenied (403).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from mehvar.api.pagination import KeysetPagination, paginate
from mehvar.api.permissions import require, workspace_of
from mehvar.api.schemas import ObjectId, error_responses
from mehvar.core.models import Workspace
from mehvar.core.roles import Perm
from mehvar.core.tenancy import get_in_workspace
from mehvar.customers.models import Customer
from mehvar.surveys import authoring, imports
from mehvar.surveys.eligibility import SurveySkipped
from mehvar.surveys.invitations import invitation_create
from mehvar.surveys.models import Answer, Invitation, Origin, Question, Response, Survey, SurveyKind
from mehvar.surveys.schemas import (
    InvitationIn,
    InvitationOut,
    ResponseOut,
    ResponsesImportIn,
    ResponsesImportOut,
    SurveyIn,
    SurveyOut,
    SurveyPatchIn,
)

router = Router()
SURVEYS = "نظرسنجی‌ها"


def _surveys(workspace: Workspace) -> QuerySet[Survey]:
    return Survey.objects.filter(workspace=workspace).prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("position", "pk"))
    )


def _survey(request: HttpRequest, survey_id: int) -> Survey:
    workspace = workspace_of(request)
    return get_in_workspace(_surveys(workspace), workspace, pk=survey_id)


@router.get(
    "/surveys",
    response={200: list[SurveyOut], **error_responses(403, 422)},
    tags=[SURVEYS],
    summary="فهرست نظرسنجی‌ها با پرسش‌هایشان",
)
@paginate(KeysetPagination, ordering=("-created_at", "-id"))
def survey_list(request: HttpRequest) -> Any:
    require(request, Perm.SURVEYS_MANAGE)
    return _surveys(workspace_of(request))


@router.post(
    "/surveys",
    response={201: SurveyOut, **error_responses(403, 422)},
    tags=[SURVEYS],
    summary="ساخت نظرسنجی",
    description="بدون `questions` پرسش‌های پیش‌فرض همان نوع ساخته می‌شوند (NPS: پرسش ۰ تا ۱۰ و پرسش‌های "
    "پیگیری برای امتیاز پایین و بالا). `show_if.question` شمارهٔ (از صفر) یک پرسش پیشین در همین فهرست است.",
)
def survey_create(request: HttpRequest, payload: SurveyIn) -> Any:
    acting = require(request, Perm.SURVEYS_MANAGE)
    fields = payload.model_dump(exclude={"questions"})
    survey = authoring.survey_create(
        acting=acting, questions=payload.service_questions(), via="api", **fields
    )
    return Status(201, _survey(request, survey.pk))


@router.get(
    "/surveys/{survey_id}",
    response={200: SurveyOut, **error_responses(403, 404)},
    tags=[SURVEYS],
    summary="یک نظرسنجی",
)
def survey_detail(request: HttpRequest, survey_id: ObjectId) -> Any:
    require(request, Perm.SURVEYS_MANAGE)
    return _survey(request, survey_id)


@router.patch(
    "/surveys/{survey_id}",
    response={200: SurveyOut, **error_responses(403, 404, 422)},
    tags=[SURVEYS],
    summary="تغییر یک نظرسنجی",
    description="فقط فیلدهای فرستاده‌شده تغییر می‌کنند: عنوان‌ها، مقدمه‌ها، `active`، `trigger`، `delay_days`، "
    "`throttle_days` و `anonymous` (این یکی فقط تا وقتی کسی پاسخ نداده). پرسش‌ها اینجا تغییر نمی‌کنند. "
    "خطای ۴۲۲ نام فیلد را می‌گوید، مثلاً «عنوان (فارسی): عنوانی بنویسید.»",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "turn_on": {
                            "summary": "روشن کردن و تغییر عنوان",
                            "value": {"title_fa": "نظر شما دربارهٔ پشتیبانی ما", "active": True},
                        },
                        "relationship": {
                            "summary": "نظرسنجی دوره‌ای هر ۹۰ روز",
                            "value": {"trigger": "relationship", "delay_days": 90},
                        },
                    }
                }
            }
        }
    },
)
def survey_change(request: HttpRequest, survey_id: ObjectId, payload: SurveyPatchIn) -> Any:
    acting = require(request, Perm.SURVEYS_MANAGE)
    survey = _survey(request, survey_id)
    authoring.survey_update(acting=acting, survey=survey, via="api", **payload.changes())
    return _survey(request, survey_id)


@router.get(
    "/surveys/{survey_id}/invitations",
    response={200: list[InvitationOut], **error_responses(403, 404, 422)},
    tags=[SURVEYS],
    summary="دعوت‌نامه‌های یک نظرسنجی، تازه‌ترین اول",
)
@paginate(KeysetPagination, ordering=("-created_at", "-id"))
def invitation_list(request: HttpRequest, survey_id: ObjectId) -> Any:
    require(request, Perm.SURVEYS_MANAGE)
    survey = _survey(request, survey_id)
    return Invitation.objects.filter(workspace_id=survey.workspace_id, survey=survey)


@router.post(
    "/surveys/{survey_id}/invitations",
    response={201: InvitationOut, **error_responses(403, 404, 422)},
    tags=[SURVEYS],
    summary="فرستادن نظرسنجی به یک مشتری",
    description="همان قاعده‌ها: حداکثر یک دعوت در هر دوره برای هر مشتری، رضایت مشتری و ساعت سکوت "
    "(در این ساعت‌ها دعوت برای بعد زمان‌بندی می‌شود). اگر نشود، خطای ۴۲۲ روی `customer_id` دلیلش را می‌گوید.",
)
def invitation_send(request: HttpRequest, survey_id: ObjectId, payload: InvitationIn) -> Any:
    acting = require(request, Perm.SURVEYS_MANAGE)
    survey = _survey(request, survey_id)
    customer = Customer.objects.filter(
        workspace_id=survey.workspace_id, pk=payload.customer_id, merged_into=None, erased_at=None
    ).first()
    if customer is None:
        raise ValidationError({"customer_id": _("There is no such customer in this workspace.")})
    try:
        invitation = invitation_create(survey=survey, customer=customer, origin=Origin.MANUAL, acting=acting)
    except SurveySkipped as skipped:
        raise ValidationError(
            {
                "customer_id": ValidationError(
                    _("Not sent: %(reason)s.") % {"reason": skipped.label}, code=skipped.reason
                )
            }
        ) from None
    return Status(201, invitation)


@router.get(
    "/surveys/{survey_id}/responses",
    response={200: list[ResponseOut], **error_responses(403, 404, 422)},
    tags=[SURVEYS],
    summary="پاسخ‌های یک نظرسنجی با پاسخ هر پرسش، تازه‌ترین اول",
)
@paginate(KeysetPagination, ordering=("-created_at", "-id"))
def response_list(request: HttpRequest, survey_id: ObjectId) -> Any:
    require(request, Perm.REPORTS_VIEW)
    survey = _survey(request, survey_id)
    if survey.kind == SurveyKind.ENPS:
        # staff answers are shown only in aggregate, above the minimum group (docs/enps.md), never one by one
        raise PermissionDenied
    return Response.objects.filter(workspace_id=survey.workspace_id, survey=survey).prefetch_related(
        Prefetch("answers", queryset=Answer.objects.order_by("question__position", "question_id"))
    )


@router.post(
    "/surveys/{survey_id}/responses/import",
    response={200: ResponsesImportOut, **error_responses(403, 404, 422)},
    tags=[SURVEYS],
    summary="ورود پاسخ‌های قدیمی (تا ۱۰۰۰ مورد)",
    description="همه یا هیچ: اگر حتی یک مورد نادرست باشد چیزی ذخیره نمی‌شود و خطای ۴۲۲ همهٔ موردهای نادرست "
    "را با شماره و فیلدشان می‌گوید (`items.3.answered_at`، `items.5.answers.0.value`). `external_id` در هر "
    "نظرسنجی یک بار ذخیره می‌شود؛ دوباره فرستادنش چیزی تازه نمی‌نویسد و «موجود» گزارش می‌شود. تاریخ شمسی "
    "(`۱۴۰۳/۰۷/۱۵ ۱۰:۳۰` به وقت تهران) یا ISO. مشتری با `customer_id` یا با `identities` پیدا یا ساخته "
    "می‌شود؛ نظرسنجی بی‌نام مشتری نمی‌گیرد. برای پاسخ‌های قدیمی دعوت‌نامه و کار پیگیری ساخته نمی‌شود. "
    "سرآیند `Idempotency-Key` هم پذیرفته است.",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "nps": {
                            "summary": "دو پاسخ NPS از سامانهٔ قبلی",
                            "value": {
                                "items": [
                                    {
                                        "external_id": "old-crm-1403-0042",
                                        "answered_at": "۱۴۰۳/۰۷/۱۵ ۱۰:۳۰",
                                        "identities": [{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}],
                                        "channel": "sms",
                                        "answers": [
                                            {"position": 0, "value": 9},
                                            {"position": 2, "text": "پشتیبانی خیلی سریع جواب داد"},
                                        ],
                                    },
                                    {
                                        "external_id": "old-crm-1403-0043",
                                        "answered_at": "2024-10-07T08:15:00Z",
                                        "customer_id": 42,
                                        "answers": [
                                            {"position": 0, "value": "۳"},
                                            {"position": 1, "text": "بسته دیر رسید"},
                                        ],
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
def response_import(request: HttpRequest, survey_id: ObjectId, payload: ResponsesImportIn) -> Any:
    acting = require(request, Perm.SURVEYS_MANAGE)
    survey = _survey(request, survey_id)
    result = imports.responses_import(acting=acting, survey=survey, items=payload.service_items(), via="api")
    return {
        "created": result.created_count,
        "existing": result.existing_count,
        "items": [
            {"index": i.index, "id": i.response_id, "customer_id": i.customer_id, "created": i.created}
            for i in result.items
        ],
    }
