"""Signing in and out, password reset, the user's profile and language, and accepting an invitation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from mehvar.accounts.forms import InvitationSignupForm, LanguageForm, LoginForm, ProfileForm
from mehvar.accounts.selectors import user_with_email_exists
from mehvar.accounts.services import (
    LoginThrottled,
    client_ip,
    login_check,
    login_failures_clear,
    user_create_from_invitation,
    user_set_language,
    user_update_profile,
)
from mehvar.core.services import invitation_accept as join_workspace
from mehvar.core.services import invitation_find
from mehvar.core.text import localize_digits

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365


def safe_next(request: HttpRequest, value: str | None) -> str:
    """``value`` when it points back into this site, else ""."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _digits(value: int) -> str:
    return localize_digits(value, "fa" if (translation.get_language() or "fa").startswith("fa") else "en")


# --- Signing in and out ----------------------------------------------------------------------------------


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = LoginForm(request.POST if request.method == "POST" else None)
    status, retry_after = 200, 0
    if form.is_valid():
        try:
            user = login_check(
                request=request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except LoginThrottled as throttled:
            minutes, retry_after = throttled.minutes, throttled.retry_after
            message = ngettext(
                "Too many sign-in attempts. Try again in %(minutes)s minute.",
                "Too many sign-in attempts. Try again in %(minutes)s minutes.",
                minutes,
            ) % {"minutes": _digits(minutes)}
            form.add_error(None, message)
            status = 429
        else:
            if user is not None:
                auth_login(request, user, backend=MODEL_BACKEND)
                return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
            form.add_error(None, _("The e-mail address or the password is not correct."))
    response = render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET); back to the sign-in page."""


# --- Password reset (Django's views, our templates; links use SITE_URL, never the request's Host) -------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form(self, form_class=None):  # type: ignore[no-untyped-def]
        form = super().get_form(form_class)
        form.fields["email"].label = _("E-mail")
        form.fields["email"].widget.attrs["dir"] = "ltr"
        return form

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        # A new password ends a lock-out caused by someone guessing the old one.
        login_failures_clear(email=form.user.email, ip_address=client_ip(self.request))
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- The user's own settings -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm.for_user(request.user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        user_update_profile(user=request.user, **form.cleaned_data)
        with translation.override(form.cleaned_data["language"]):
            messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: saved on the user when signed in, in a cookie in any case."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a valid language."))
    code = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=code)
    target = safe_next(request, form.cleaned_data["next"]) or resolve_url("web:home")
    response = redirect(target)
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204, headers={"HX-Redirect": target})
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


# --- Invitations -----------------------------------------------------------------------------------------


def _invitation_gone(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/invitation_invalid.html", status=410)


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """One link, three people: the invited user signed in, someone signed in as another user, a newcomer."""
    invitation = invitation_find(secret=token)
    if invitation is None:
        return _invitation_gone(request)
    context: dict = {"invitation": invitation, "workspace": invitation.workspace}
    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            return render(request, "accounts/invitation_wrong_account.html", context, status=403)
        if request.method == "POST":
            try:
                join_workspace(invitation=invitation, user=user)
            except ValidationError:
                return _invitation_gone(request)
            messages.success(
                request, _("Welcome to %(workspace)s.") % {"workspace": invitation.workspace.name}
            )
            return redirect("web:workspace_home", slug=invitation.workspace.slug)
        return render(request, "accounts/invitation.html", {**context, "mode": "join"})
    if user_with_email_exists(email=invitation.email):
        login_url = reverse("accounts:login") + "?" + urlencode({"next": request.path})
        return render(
            request, "accounts/invitation.html", {**context, "mode": "sign_in", "login_url": login_url}
        )
    form = InvitationSignupForm(request.POST if request.method == "POST" else None, email=invitation.email)
    if form.is_valid():
        try:
            membership = user_create_from_invitation(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        except ValidationError:
            return _invitation_gone(request)
        auth_login(request, membership.user, backend=MODEL_BACKEND)
        messages.success(request, _("Welcome to %(workspace)s.") % {"workspace": invitation.workspace.name})
        return redirect("web:workspace_home", slug=invitation.workspace.slug)
    return render(request, "accounts/invitation.html", {**context, "mode": "sign_up", "form": form})
