"""Thin views of the ops app: the health check, a workspace's failed tasks, and the operators' mail page."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from mehvar.core.roles import Perm
from mehvar.core.tenancy import workspace_view
from mehvar.ops import mailbox
from mehvar.ops.health import health_report
from mehvar.ops.selectors import failed_task_from_result, failed_task_results

PAGE_SIZE = 25


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@workspace_view(Perm.TASKS_VIEW_FAILED)
def failed_tasks(request: HttpRequest) -> HttpResponse:
    page = Paginator(failed_task_results(workspace=request.workspace), PAGE_SIZE).get_page(  # type: ignore[attr-defined]
        request.GET.get("page")
    )
    tasks = [failed_task_from_result(result) for result in page.object_list]
    return render(request, "ops/failed_tasks.html", {"page": page, "tasks": tasks})


def operator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Operators (is_staff) only; a signed-in user who is not one sees 404, as if the page did not exist."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@operator_only
def mail_list(request: HttpRequest) -> HttpResponse:
    if not mailbox.uses_file_backend():
        return render(request, "ops/mail_list.html", {"file_backend": False})
    page = Paginator(mailbox.mail_file_names(), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = []  # (file name, position in the file, mail), newest first
    for name in page.object_list:
        try:
            mails = mailbox.mail_file_read(name)
        except FileNotFoundError:  # removed since the directory was listed
            continue
        entries.extend(reversed([(name, position, mail) for position, mail in enumerate(mails, start=1)]))
    return render(
        request,
        "ops/mail_list.html",
        {"file_backend": True, "page": page, "entries": entries, "directory": mailbox.mail_directory()},
    )


@operator_only
def mail_detail(request: HttpRequest, name: str) -> HttpResponse:
    if not mailbox.uses_file_backend():
        raise Http404
    try:
        mails = mailbox.mail_file_read(name)
    except FileNotFoundError:
        raise Http404 from None
    return render(request, "ops/mail_detail.html", {"name": name, "mails": mails})
