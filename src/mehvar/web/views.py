"""The entry pages: the root redirect, the workspace home and the page for someone with no workspace."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static

from mehvar.core.roles import Perm
from mehvar.core.tenancy import workspace_view
from mehvar.web.home import panels_for
from mehvar.web.selectors import first_workspace_slug


def home(request: HttpRequest) -> HttpResponse:
    """Signed out: the login page. Signed in: the first workspace's home, or the no-workspace page."""
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    slug = first_workspace_slug(user=request.user)
    if slug is None:
        return redirect("web:no_workspace")
    return redirect("web:workspace_home", slug=slug)


@login_required
def no_workspace(request: HttpRequest) -> HttpResponse:
    if (slug := first_workspace_slug(user=request.user)) is not None:
        return redirect("web:workspace_home", slug=slug)
    return render(request, "web/no_workspace.html")


@workspace_view(Perm.WORKSPACE_VIEW)
def workspace_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/workspace_home.html", {"panels": panels_for(request)})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's); resolved per request."""
    return HttpResponsePermanentRedirect(static("web/img/favicon.svg"))
