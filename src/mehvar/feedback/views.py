"""The agents' feedback page, /w/<slug>/feedback/: the model that answers and how well the workspace's own
model does, the workspace's analysed texts (survey comments, inbound messages, imported reviews) with a
correction form each (HTMX, plain forms without JavaScript), and a box to try a text.

Thin views: the feed and the model's state are read by ``selectors``, corrections are written by
``services.feedback_correction_record`` (which checks them), texts are analysed by ``feedback_analyze``.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mehvar.core.roles import Perm, role_has
from mehvar.core.tenancy import workspace_view
from mehvar.feedback import selectors
from mehvar.feedback.analysis import MAX_TEXT_LENGTH, MODEL_RULES, feedback_analyze
from mehvar.feedback.forms import CorrectionForm, FeedFilterForm, TryForm
from mehvar.feedback.services import feedback_correction_record
from mehvar.feedback.topics import topics_of


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _card(
    item: selectors.FeedItem, topics: list[str], form: CorrectionForm | None = None, **extra: Any
) -> dict[str, Any]:
    return {"item": item, "form": form or CorrectionForm(item=item, topics=topics), **extra}


@workspace_view(Perm.FEEDBACK_CORRECT)
@require_GET
def feedback_page(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    filters = FeedFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    page = selectors.feed_page(
        workspace=workspace,
        source=chosen.get("source", ""),
        sentiment=chosen.get("sentiment", ""),
        cursor=request.GET.get("cursor", "")[:500],
    )
    topics = topics_of(workspace=workspace)
    query = request.GET.copy()
    query.pop("cursor", None)
    following = query.copy()
    if page.next:
        following["cursor"] = page.next
    member = request.membership  # type: ignore[attr-defined]
    return render(
        request,
        "feedback/page.html",
        {
            "state": selectors.model_state(workspace=workspace),
            "filters": filters,
            "cards": [_card(item, topics) for item in page.items],
            "query_string": query.urlencode(),
            "next_url": "?" + following.urlencode() if page.next else "",
            "is_later_page": bool(request.GET.get("cursor")),
            "may_try": role_has(member.role, Perm.FEEDBACK_ANALYZE),
            "may_import_reviews": role_has(member.role, Perm.CUSTOMERS_EDIT),
            "try_form": TryForm(),
        },
    )


@workspace_view(Perm.FEEDBACK_CORRECT)
@require_POST
def feedback_correct(request: HttpRequest, source: str, pk: int) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    item = selectors.feed_item_get(workspace=workspace, source=source, pk=pk)
    if item is None:
        raise Http404
    topics = topics_of(workspace=workspace)
    form = CorrectionForm(request.POST, item=item, topics=topics)
    saved = False
    if form.is_valid():
        try:
            feedback_correction_record(
                acting=request.membership,  # type: ignore[attr-defined]
                text=item.text[:MAX_TEXT_LENGTH],
                via="web",
                **form.changes(),
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            saved = True
    if saved and not _htmx(request):
        messages.success(request, _("Saved; the workspace model retrains in the background."))
        return redirect(reverse("feedback:page", args=[workspace.slug]))
    if saved:
        item = selectors.feed_item_get(workspace=workspace, source=source, pk=pk) or item
        form = None  # a fresh form from the item
    card = _card(item, topics, form, saved=saved)
    if _htmx(request):  # htmx swaps only 2xx answers: errors come back as 200 with the form marked
        return render(request, "feedback/_item.html", {"card": card})
    return render(request, "feedback/item_page.html", {"card": card}, status=422)


@workspace_view(Perm.FEEDBACK_ANALYZE)
@require_POST
def feedback_try(request: HttpRequest) -> HttpResponse:
    form = TryForm(request.POST)
    result = None
    warning = ""
    if form.is_valid():
        [result] = feedback_analyze(texts=[form.cleaned_data["text"]], workspace=request.workspace)  # type: ignore[attr-defined]
        warning = selectors.rules_warning() if result.model == MODEL_RULES else ""
    context = {"try_form": form, "result": result, "warning": warning}
    if _htmx(request):
        return render(request, "feedback/_try.html", context)
    return render(request, "feedback/item_page.html", context, status=200 if result else 422)
