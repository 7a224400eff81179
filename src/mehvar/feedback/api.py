"""API of the feedback analysis: analyse texts, correct a result, see the workspace's model.

Thin handlers: check the permission, call one selector or service inside the token's workspace.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from mehvar.api.permissions import require, workspace_of
from mehvar.api.schemas import error_responses
from mehvar.core.roles import Perm
from mehvar.feedback.analysis import MODEL_RULES, feedback_analyze, feedback_model_for, feedback_model_warning
from mehvar.feedback.models import WorkspaceModel
from mehvar.feedback.schemas import AnalyzeIn, AnalyzeOut, CorrectionIn, CorrectionOut, WorkspaceModelOut

router = Router()

FEEDBACK = "تحلیل بازخورد"

WARNINGS = {
    "missing": lambda: _("The analysis model has not been built yet; keyword rules answered."),
    "stale": lambda: _("The analysis model is out of date and is being rebuilt; keyword rules answered."),
    "corrupt": lambda: _("The analysis model file is damaged; keyword rules answered until it is rebuilt."),
}


def rules_warning() -> str:
    reason = feedback_model_warning()
    return str(WARNINGS.get(reason, WARNINGS["missing"])())


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
