"""API of surveys: surveys (list, create, read), a survey's invitations (list, send by hand) and responses.

Thin handlers: check the permission, look the survey up inside the token's workspace (404 otherwise), call one
service or selector. Services raise ValidationError (422, naming the field) and PermissionDenied (403).
"""

from typing import Any

from django.core.exceptions import ValidationError
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
from mehvar.surveys import authoring
from mehvar.surveys.eligibility import SurveySkipped
from mehvar.surveys.invitations import invitation_create
from mehvar.surveys.models import Answer, Invitation, Origin, Question, Response, Survey
from mehvar.surveys.schemas import InvitationIn, InvitationOut, ResponseOut, SurveyIn, SurveyOut

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
    return Response.objects.filter(workspace_id=survey.workspace_id, survey=survey).prefetch_related(
        Prefetch("answers", queryset=Answer.objects.order_by("question__position", "question_id"))
    )
