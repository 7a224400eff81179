"""eNPS pulse pages: the member's anonymous survey at ``/s/p/<key>/`` (no sign-in, the key is the credential,
as on the customer's pages) and the results with the send form at ``/w/<slug>/surveys/<id>/pulse/`` (owners
and admins). The member's page looks like the customer's: it extends its base and draws the questions with
its partial; follow-ups arrive over HTMX from ``/s/p/<key>/follow-ups/<question>/``."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mehvar.core.models import Membership
from mehvar.core.roles import Perm
from mehvar.core.tenancy import get_in_workspace, workspace_view
from mehvar.core.text import to_ascii_digits
from mehvar.surveys import pulses
from mehvar.surveys.authoring import survey_settings
from mehvar.surveys.models import PulseInvitation, Survey, SurveyKind
from mehvar.surveys.questions import questions_of
from mehvar.surveys.views_public import _render, _tree, _values_from

# --- The member's pages -----------------------------------------------------------------------------------


def _language(request: HttpRequest, pulse: PulseInvitation | None) -> str:
    asked = request.POST.get("lang") or request.GET.get("lang", "")
    if asked in ("fa", "en"):
        return asked
    return pulse.language if pulse is not None and pulse.language in ("fa", "en") else "fa"


def _problem(request: HttpRequest, kind: str, pulse: PulseInvitation | None = None) -> HttpResponse:
    """Unknown link (404), closed round (410) or a link already used (410): a page that says so."""
    status = {"unknown": 404, "expired": 410, "used": 410}[kind]
    return _render(
        request,
        "surveys/pulse/problem.html",
        {"kind": kind, "invitation": pulse},
        language=_language(request, pulse),
        status=status,
    )


def _pulse_items(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The customer page's question tree, with its follow-up fetching moved to the pulse's own route: the
    shared partial then draws the question alone and ``pulse/_question.html`` wraps it."""
    for node in nodes:
        node["pulse_follow_ups"], node["has_follow_ups"] = node["has_follow_ups"], False
        _pulse_items(node["follow_ups"])
    return nodes


def _page(
    request: HttpRequest,
    pulse: PulseInvitation,
    *,
    language: str,
    values: dict[int, Any],
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    survey = pulse.survey
    items = _tree(questions_of(survey), language=language, values=values, kept={}, errors=errors or {})
    return _render(
        request,
        "surveys/pulse/page.html",
        {
            "invitation": pulse,
            "key": pulses.pulse_key(pulse),
            "title": survey.title(language),
            "intro": survey.intro(language),
            "business": pulse.workspace.name,
            "team": pulse.team.name if pulse.team else "",
            "min_group": survey_settings(pulse.workspace).enps_min_group,
            "items": _pulse_items(items),
            "errors": errors or {},
            "notice": notice,
        },
        language=language,
        status=status,
    )


def _thanks_url(key: str, language: str, again: bool = False) -> str:
    url = reverse("survey_public:pulse_thanks", args=[key]) + f"?lang={language}"
    return url + ("&again=1" if again else "")


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def pulse_page(request: HttpRequest, key: str) -> HttpResponse:
    pulse = pulses.pulse_by_key(key)
    if pulse is None:
        return _problem(request, "unknown")
    language = _language(request, pulse)
    if pulse.answered_at is not None:
        if request.method == "POST":  # a double submit: the first one was stored
            return redirect(_thanks_url(key, language, again=True))
        return _problem(request, "used", pulse)
    if pulse.expires_at <= timezone.now():
        return _problem(request, "expired", pulse)
    questions = questions_of(pulse.survey)
    if request.method == "GET":
        return _page(request, pulse, language=language, values=_values_from(request.GET, questions))
    data = {
        q.pk: request.POST.getlist(f"q{q.pk}") if q.type == "multiple" else request.POST.get(f"q{q.pk}")
        for q in questions
    }
    shown = {int(v) for v in request.POST.getlist("shown") if v.isdigit()}
    values = _values_from(request.POST, questions)
    try:
        outcome = pulses.pulse_answer(key=key, answers=data, shown=shown, language=language)
    except ValidationError as error:
        errors = {name: " ".join(str(m) for m in items) for name, items in error.message_dict.items()}
        return _page(request, pulse, language=language, values=values, errors=errors, status=422)
    if outcome.status in ("expired", "unknown"):
        return _problem(request, outcome.status, pulse)
    if outcome.status == "more":
        return _page(request, pulse, language=language, values=values, notice="more")
    return redirect(_thanks_url(key, language, again=outcome.status == "duplicate"))


@never_cache
@require_GET
def pulse_follow_ups(request: HttpRequest, key: str, question_id: int) -> HttpResponse:
    """HTMX: the follow-ups of one question for the answer just chosen (nothing is stored)."""
    pulse = pulses.pulse_by_key(key)
    if pulse is None:
        return _problem(request, "unknown")
    if pulse.answered_at is not None or pulse.expires_at <= timezone.now():
        return _problem(request, "used" if pulse.answered_at else "expired", pulse)
    language = _language(request, pulse)
    questions = questions_of(pulse.survey)
    values = _values_from(request.GET, questions)
    items = _pulse_items(_tree(questions, language=language, values=values, kept={}, errors={}))

    def find(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
        for node in nodes:
            if node["question"].pk == question_id:
                return node
            found = find(node["follow_ups"])
            if found is not None:
                return found
        return None

    item = find(items) or {"question": None, "follow_ups": []}
    return _render(request, "surveys/pulse/_follow_ups.html", {"item": item, "key": key}, language=language)


@never_cache
@require_GET
def pulse_thanks(request: HttpRequest, key: str) -> HttpResponse:
    pulse = pulses.pulse_by_key(key)
    if pulse is None:
        return _problem(request, "unknown")
    language = _language(request, pulse)
    return _render(
        request,
        "surveys/pulse/thanks.html",
        {
            "invitation": pulse,
            "business": pulse.workspace.name,
            "min_group": survey_settings(pulse.workspace).enps_min_group,
            "again": request.GET.get("again") == "1",
        },
        language=language,
    )


# --- The results, for owners and admins -------------------------------------------------------------------


def _survey(request: HttpRequest, survey_id: int) -> Survey:
    return get_in_workspace(Survey.objects.filter(kind=SurveyKind.ENPS), request.workspace, pk=survey_id)  # type: ignore[attr-defined]


def _number(raw: str | None) -> int | None:
    text = to_ascii_digits(raw or "").strip()
    return int(text) if text.isdigit() and len(text) < 6 else None


def _results_context(
    request: HttpRequest, survey: Survey, round_number: int | None, **extra: Any
) -> dict[str, Any]:
    from mehvar.conversations.models import Team

    results = pulses.pulse_results(
        survey=survey, round_number=round_number, language=translation.get_language() or "fa"
    )
    return {
        "survey": survey,
        "results": results,
        "teams": list(Team.objects.filter(workspace=request.workspace).order_by("name")),  # type: ignore[attr-defined]
        "chosen_teams": extra.pop("chosen_teams", []),
        "errors": extra.pop("errors", {}),
        "sent": extra.pop("sent", None),
        **extra,
    }


@workspace_view(Perm.ENPS_RESULTS)
@require_GET
def pulse_results(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(request, survey_id)
    context = _results_context(request, survey, _number(request.GET.get("round")))
    return render(request, "surveys/pulse/results.html", context)


@workspace_view(Perm.ENPS_RESULTS)
@require_POST
def pulse_send(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Send a round (HTMX swaps the results section; without JavaScript a redirect with a message)."""
    survey = _survey(request, survey_id)
    member: Membership = request.membership  # type: ignore[attr-defined]
    chosen = request.POST.getlist("teams")
    try:
        sent = pulses.pulse_send(
            survey=survey, by=member, teams=chosen, expected_round=_number(request.POST.get("round"))
        )
    except ValidationError as error:
        errors = {name: " ".join(str(m) for m in items) for name, items in error.message_dict.items()}
        if not getattr(request, "htmx", False):
            for message in errors.values():
                messages.error(request, message)
            return redirect(reverse("surveys:pulse", args=[request.workspace.slug, survey.pk]))  # type: ignore[attr-defined]
        context = _results_context(request, survey, None, errors=errors, chosen_teams=chosen)
        return render(request, "surveys/pulse/_results.html", context)
    if not getattr(request, "htmx", False):
        messages.success(
            request,
            _("Round %(n)d was sent to %(count)d members.") % {"n": sent.number, "count": sent.sent},
        )
        return redirect(reverse("surveys:pulse", args=[request.workspace.slug, survey.pk]))  # type: ignore[attr-defined]
    return render(request, "surveys/pulse/_results.html", _results_context(request, survey, None, sent=sent))


@workspace_view(Perm.ENPS_RESULTS)
@require_POST
def pulse_close(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Close the open round now so that its results show (HTMX swaps the results section)."""
    survey = _survey(request, survey_id)
    member: Membership = request.membership  # type: ignore[attr-defined]
    errors: dict[str, str] = {}
    try:
        pulses.pulse_close(survey=survey, by=member)
    except ValidationError as error:
        errors = {name: " ".join(str(m) for m in items) for name, items in error.message_dict.items()}
    if not getattr(request, "htmx", False):
        for message in errors.values():
            messages.error(request, message)
        if not errors:
            messages.success(request, _("The round is closed: its results are shown."))
        return redirect(reverse("surveys:pulse", args=[request.workspace.slug, survey.pk]))  # type: ignore[attr-defined]
    context = _results_context(request, survey, None, errors=errors, closed=not errors)
    return render(request, "surveys/pulse/_results.html", context)
