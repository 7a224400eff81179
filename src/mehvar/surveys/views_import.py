"""Importing a survey's historic responses from a spreadsheet: /w/<slug>/surveys/<id>/import/ (upload, every
problem by row and column, or how many were created) and its template CSV. ``surveys.manage``, as the API's
import; not for eNPS surveys, whose answers are staff's and come only through pulses (docs/enps.md).

Thin views over ``core.spreadsheet_uploads`` with ``import_sheet.ResponsesSheet`` as the target."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from mehvar.core import spreadsheet_uploads
from mehvar.core.roles import Perm
from mehvar.core.tenancy import workspace_view
from mehvar.surveys import import_sheet, selectors
from mehvar.surveys.models import Survey, SurveyKind

TEMPLATE = "surveys/staff/import.html"


def _survey(request: HttpRequest, survey_id: int) -> Survey:
    return selectors.survey_get(workspace=request.workspace, pk=survey_id)  # type: ignore[attr-defined]


def _refused(request: HttpRequest, survey: Survey) -> HttpResponse:
    return render(request, TEMPLATE, {"survey": survey, "refused": True}, status=403)


@workspace_view(Perm.SURVEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def responses_import(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    if survey.kind == SurveyKind.ENPS:
        return _refused(request, survey)
    sheet = import_sheet.ResponsesSheet(acting=request.membership, survey=survey)  # type: ignore[attr-defined]
    return spreadsheet_uploads.upload_page(
        request, sheet, TEMPLATE, {"survey": survey, "guide": import_sheet.column_guide(sheet)}
    )


@workspace_view(Perm.SURVEYS_MANAGE)
@require_GET
def responses_import_template(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey's spreadsheet with its header row only (UTF-8 with a byte-order mark, for Excel)."""
    survey = _survey(request, survey_id)
    if survey.kind == SurveyKind.ENPS:
        return _refused(request, survey)
    sheet = import_sheet.ResponsesSheet(acting=request.membership, survey=survey)  # type: ignore[attr-defined]
    response = HttpResponse(
        spreadsheet_uploads.template_csv(sheet.template_columns()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-responses.csv"'
    return response
