"""The import and export pages: upload, map columns with a preview, progress, errors, result; export links.

Thin views over mehvar.customers.importing and mehvar.customers.exporting. Imports need ``customers.edit``;
exporting the list needs ``data.export``. An import page can be left at any time: the task goes on, and the
import's page (listed on the upload page) shows where it stands.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from mehvar.core.roles import Perm
from mehvar.core.tenancy import get_in_workspace, workspace_view
from mehvar.customers import exporting, importing
from mehvar.customers.models import Import

RUNNING = {Import.Status.VALIDATING, Import.Status.APPLYING}
ERRORS_SHOWN = 1000


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Windows-1256) or XLSX, at most 20 MB and 200,000 rows. "
            "The first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )


class MappingForm(forms.Form):
    """One choice per column of the file: which customer field it fills (or none)."""

    def __init__(self, *args: Any, imp: Import, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.imp = imp
        choices = importing.field_choices(imp.workspace)
        for n, header in enumerate(imp.headers):
            self.fields[f"col_{n}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=imp.mapping.get(header, "")
            )

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data.get(f"col_{n}") or ""
            for n, header in enumerate(self.imp.headers)
            if self.cleaned_data.get(f"col_{n}")
        }

    def show_errors(self, error: ValidationError) -> None:
        columns = {header: f"col_{n}" for n, header in enumerate(self.imp.headers)}
        for key, messages in error.message_dict.items():
            self.add_error(columns.get(key), messages)


def _imports_of(request: HttpRequest) -> Any:
    return Import.objects.filter(workspace=request.workspace)  # type: ignore[attr-defined]


def _import(request: HttpRequest, import_id: int) -> Import:
    return get_in_workspace(_imports_of(request), request.workspace, pk=import_id)  # type: ignore[attr-defined]


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            imp = importing.import_create(
                acting=request.membership,  # type: ignore[attr-defined]
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error("file", error.message_dict.get("file", error.messages))
        else:
            return redirect("customers:import_detail", slug=request.workspace.slug, import_id=imp.pk)  # type: ignore[attr-defined]
    recent = _imports_of(request).select_related("created_by__user").order_by("-created_at")[:10]
    return render(
        request,
        "customers/imports/upload.html",
        {"form": form, "recent": recent, "max_rows": importing.MAX_ROWS},
        status=400 if form.errors else 200,
    )


def _detail_context(imp: Import, form: MappingForm | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"imp": imp, "running": imp.status in RUNNING}
    if imp.status in {Import.Status.UPLOADED, Import.Status.INVALID}:
        context["form"] = form = form or MappingForm(imp=imp)
        context["preview"] = _preview(imp)
        try:
            sample = importing.import_sample(imp)
        except ValidationError:
            sample = {}
        context["columns"] = [
            {"field": form[f"col_{n}"], "header": header, "example": sample.get(header, "")}
            for n, header in enumerate(imp.headers)
        ]
    if imp.status == Import.Status.INVALID:
        context["errors"] = imp.errors[:ERRORS_SHOWN]
        context["error_count"] = len(imp.errors)
        context["bad_rows"] = len({e.get("row") for e in imp.errors})
    return context


def _preview(imp: Import) -> dict[str, Any]:
    labels = dict(importing.field_choices(imp.workspace))
    fields = [f for f in imp.mapping.values() if f]
    try:
        rows = importing.import_preview(imp)
    except ValidationError as error:
        return {"error": " ".join(error.messages), "columns": [], "rows": []}
    return {
        "columns": [labels.get(f, f) for f in fields],
        "rows": [{"row": r["row"], "cells": [r["values"].get(f, "") for f in fields]} for r in rows],
    }


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_http_methods(["GET", "POST"])
@never_cache
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    imp = _import(request, import_id)
    form = None
    if request.method == "POST":
        if imp.status not in {Import.Status.UPLOADED, Import.Status.INVALID}:
            return redirect(request.path)
        form = MappingForm(request.POST, imp=imp)
        if form.is_valid():
            mapping = form.mapping()
            if request.POST.get("action") == "preview":
                imp.mapping = mapping  # shown, not stored
                return render(request, "customers/imports/detail.html", _detail_context(imp, form))
            try:
                importing.import_set_mapping(acting=request.membership, imp=imp, mapping=mapping)  # type: ignore[attr-defined]
                importing.import_start(acting=request.membership, imp=imp)  # type: ignore[attr-defined]
            except ValidationError as error:
                form.show_errors(error)
            else:
                return redirect(request.path)
        return render(request, "customers/imports/detail.html", _detail_context(imp, form), status=400)
    return render(request, "customers/imports/detail.html", _detail_context(imp))


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_http_methods(["POST"])
def import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    """The preview table for the mapping being chosen (HTMX, on every change of a column's field)."""
    imp = _import(request, import_id)
    form = MappingForm(request.POST, imp=imp)
    if form.is_valid():
        imp.mapping = form.mapping()
    return render(request, "customers/imports/detail.html#preview", {"imp": imp, "preview": _preview(imp)})


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_GET
@never_cache
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """The progress bar, polled every second while the task runs; when it has finished, the page reloads."""
    imp = _import(request, import_id)
    if imp.status not in RUNNING:
        return HttpResponse(headers={"HX-Refresh": "true"})
    return render(request, "customers/imports/detail.html#progress", {"imp": imp, "running": True})


@workspace_view(Perm.CUSTOMERS_EDIT)
@require_GET
def import_errors(request: HttpRequest, import_id: int) -> HttpResponse:
    """Every error as CSV (row, column, problem), UTF-8 with a byte-order mark for Excel."""
    imp = _import(request, import_id)
    response = HttpResponse(
        "\ufeff" + importing.error_report_csv(imp), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{imp.pk}-errors.csv"'
    return response


@workspace_view(Perm.DATA_EXPORT)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The customer list as filtered on the page (?q=…&city=…), as CSV (streamed) or XLSX."""
    file_format = request.GET.get("format", "csv")
    if file_format not in exporting.FORMATS:
        return HttpResponseBadRequest(_("Choose CSV or XLSX."))
    query = request.GET.copy()
    query.pop("format", None)
    q, filters = exporting.filters_from_query(query)
    try:
        prepared = exporting.customers_export(
            acting=request.membership,  # type: ignore[attr-defined]
            q=q,
            filters=filters,
            file_format=file_format,
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    if file_format == "csv":
        response = StreamingHttpResponse(
            exporting.csv_chunks(prepared), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{prepared.file_name}"'
        return response
    return FileResponse(
        exporting.write_xlsx(prepared),
        as_attachment=True,
        filename=prepared.file_name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
