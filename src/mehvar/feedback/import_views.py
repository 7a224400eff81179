"""Importing customer reviews from a spreadsheet: /w/<slug>/feedback/reviews/import/ (upload, every problem
by row and column, or how many were created) and its template CSV. ``customers.edit``, as the reviews API:
an import creates customers and timeline entries.

Thin views over ``core.spreadsheet_uploads`` with ``review_sheet.ReviewsSheet`` as the target."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from mehvar.core import spreadsheet_uploads
from mehvar.core.roles import Perm, role_has
from mehvar.core.tenancy import workspace_view
from mehvar.feedback import review_sheet


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_http_methods(["GET", "POST"])
def reviews_import(request: HttpRequest) -> HttpResponse:
    sheet = review_sheet.ReviewsSheet(acting=request.membership)  # type: ignore[attr-defined]
    return spreadsheet_uploads.upload_page(
        request,
        sheet,
        "feedback/reviews_import.html",
        {
            "guide": review_sheet.column_guide(),
            "may_see_feedback": role_has(request.membership.role, Perm.FEEDBACK_CORRECT),  # type: ignore[attr-defined]
        },
    )


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_GET
def reviews_import_template(request: HttpRequest) -> HttpResponse:
    """The reviews spreadsheet with its header row only (UTF-8 with a byte-order mark, for Excel)."""
    response = HttpResponse(
        spreadsheet_uploads.template_csv(review_sheet.COLUMNS), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="reviews.csv"'
    return response
