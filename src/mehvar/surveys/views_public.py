"""The customer's pages, no sign-in: the survey at ``/s/<key>/``, one-tap answers, the thank-you page.

The unguessable key in the URL is the credential, so these pages carry no session and no CSRF cookie is
needed: forms post without a token (``csrf_exempt``), which also keeps them working in messengers' in-app
browsers that drop cookies. A bad, tampered or expired link gets a page that says so (404, 400, 410),
never a 500. Follow-up questions appear as the customer answers (HTMX fetches them), and without
JavaScript the form asks them on a second step before anything is stored.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from mehvar.core.text import localize_digits
from mehvar.surveys import links, responses, scales
from mehvar.surveys.models import Invitation, Question, Response
from mehvar.surveys.questions import questions_cached


def _language(request: HttpRequest, invitation: Invitation | None) -> str:
    asked = request.GET.get("lang", "")
    if asked in ("fa", "en"):
        return asked
    return invitation.language if invitation is not None else "fa"


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, language: str, status: int = 200
) -> HttpResponse:
    with translation.override(language):
        response = render(
            request,
            template,
            {
                **context,
                "language": language,
                "direction": "ltr" if language == "en" else "rtl",
                "other_language": "en" if language == "fa" else "fa",
            },
            status=status,
        )
    response["Content-Language"] = language
    response["X-Robots-Tag"] = "noindex"
    return response


def _problem(request: HttpRequest, kind: str, invitation: Invitation | None = None) -> HttpResponse:
    """The clear page for a link that cannot be used: unknown (404), tampered (400) or expired (410)."""
    status = {"unknown": 404, "tampered": 400, "expired": 410}[kind]
    return _render(
        request,
        "surveys/public/problem.html",
        {"kind": kind, "invitation": invitation},
        language=_language(request, invitation),
        status=status,
    )


def _item(
    question: Question,
    *,
    language: str,
    values: dict[int, Any],
    kept: dict[int, Any],
    errors: dict[str, str],
    children: dict[int, list[Question]],
) -> dict[str, Any]:
    """What the template needs to draw one question and, inside it, the follow-ups that apply now."""
    value = kept.get(question.pk, values.get(question.pk))
    chosen = {str(c) for c in (value if isinstance(value, list) else ([] if value is None else [value]))}
    given = {**values, **kept}
    name, locked = f"q{question.pk}", question.pk in kept
    low_label, high_label = _scale_ends(question.type)
    return {
        "question": question,
        "name": name,
        "text": question.text(language),
        "type": question.type,
        "scale": scales.is_scale(question.type),
        "choices": bool(question.choices) and question.type in scales.CHOICE_TYPES,
        "options": _options(question, name=name, chosen=chosen, locked=locked, language=language),
        "low_label": low_label,
        "high_label": high_label,
        "text_value": value if isinstance(value, str) and question.type == "text" else "",
        "locked": locked,
        "error": errors.get(f"q{question.pk}", ""),
        "has_follow_ups": question.pk in children,
        "follow_ups": [
            _item(child, language=language, values=values, kept=kept, errors=errors, children=children)
            for child in children.get(question.pk, [])
            if scales.condition_met(child, given)
        ],
    }


def _options(question: Question, *, name: str, chosen: set[str], locked: bool, language: str) -> SafeString:
    """A scale's buttons or a choice question's boxes, drawn in Python: eleven options through the template
    language were a fifth of the page's time. A scale holds only numbers; choice keys and labels (the
    survey author's text) are escaped."""
    disabled = " disabled" if locked else ""
    if scales.is_scale(question.type):
        digits = "fa" if language == "fa" else "en"
        parts = [
            f'<label class="survey-scale-option"><input type="radio" name="{name}" value="{v}"'
            f'{" checked" if str(v) in chosen else ""}{disabled} data-testid="scale-{v}">'
            f"<span>{localize_digits(v, digits)}</span></label>"
            for v in scales.scale_values(question.type)
        ]
    elif question.type in scales.CHOICE_TYPES:
        kind = "checkbox" if question.type == "multiple" else "radio"
        parts = [
            f'<label class="survey-choice"><input type="{kind}" name="{name}" value="{escape(c["key"])}"'
            f"{' checked' if c['key'] in chosen else ''}{disabled}>"
            f"<span>{escape(question.choice_label(c['key'], language))}</span></label>"
            for c in question.choices or []
        ]
    else:
        parts = []
    return mark_safe("".join(parts))  # noqa: S308 - numbers we formatted, and the author's text escaped


def _scale_ends(question_type: str) -> tuple[str, str]:
    from django.utils.translation import gettext as _

    if question_type == "nps":
        return _("Not at all likely"), _("Extremely likely")
    if question_type == "csat":
        return _("Very unsatisfied"), _("Very satisfied")
    if question_type == "ces":
        return _("Very hard"), _("Very easy")
    if question_type == "rating":
        return _("Poor"), _("Excellent")
    return "", ""


def _tree(
    questions: list[Question],
    *,
    language: str,
    values: dict[int, Any],
    kept: dict[int, Any],
    errors: dict[str, str],
) -> list[dict[str, Any]]:
    children: dict[int, list[Question]] = {}
    for question in questions:
        if question.show_if_question_id is not None:
            children.setdefault(question.show_if_question_id, []).append(question)
    with translation.override(language):
        return [
            _item(q, language=language, values=values, kept=kept, errors=errors, children=children)
            for q in questions
            if q.show_if_question_id is None
        ]


def _values_from(data: Any, questions: list[Question]) -> dict[int, Any]:
    """Question id → what the form (or a pre-filling query) holds, parsed where it parses."""
    values: dict[int, Any] = {}
    for question in questions:
        raw = data.getlist(f"q{question.pk}") if question.type == "multiple" else data.get(f"q{question.pk}")
        if raw in (None, "", []):
            continue
        if question.type == "text":
            values[question.pk] = str(raw)[: scales.TEXT_MAX]
            continue
        try:
            parsed = responses.answer_parse(question, raw)
        except ValueError:
            continue
        if parsed is not None:
            values[question.pk] = parsed.condition_value
    return values


def _response(invitation: Invitation) -> Response | None:
    """The invitation's response, read only when there can be one: every answer marks the invitation
    answered in the transaction that stores it, and anonymous responses point at no invitation."""
    if invitation.survey.anonymous or invitation.answered_at is None:
        return None
    return responses.response_of(invitation)


def _kept(invitation: Invitation, response: Response | None = None) -> dict[int, Any]:
    """The answers stored already (question id → value): shown locked on the page. ``response`` is the one
    the view read; read again only when the invitation was answered since (by a tap racing the form)."""
    if response is None:
        response = _response(invitation)
    return {qid: scales.answer_value(a) for qid, a in responses.stored_answers(response).items()}


def _page(
    request: HttpRequest,
    invitation: Invitation,
    *,
    questions: list[Question],
    response: Response | None,
    language: str,
    values: dict[int, Any],
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    kept = _kept(invitation, response)
    return _render(
        request,
        "surveys/public/survey.html",
        {
            "invitation": invitation,
            "survey": invitation.survey,
            "key": links.invitation_key(invitation),
            "title": invitation.survey.title(language),
            "intro": invitation.survey.intro(language),
            "business": invitation.workspace.name,
            "items": _tree(questions, language=language, values=values, kept=kept, errors=errors or {}),
            "errors": errors or {},
            "notice": notice,
        },
        language=language,
        status=status,
    )


def _thanks_url(invitation: Invitation, language: str, again: bool = False) -> str:
    url = reverse("survey_public:thanks", args=[links.invitation_key(invitation)]) + f"?lang={language}"
    return url + ("&again=1" if again else "")


def _usable(request: HttpRequest, key: str) -> tuple[Invitation | None, HttpResponse | None]:
    invitation = links.invitation_by_key(key)
    if invitation is None:
        return None, _problem(request, "unknown")
    if invitation.expires_at <= timezone.now():
        return None, _problem(request, "expired", invitation)
    return invitation, None


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, key: str) -> HttpResponse:
    invitation, problem = _usable(request, key)
    if problem is not None or invitation is None:
        return problem  # type: ignore[return-value]
    language = request.POST.get("lang") or _language(request, invitation)
    language = language if language in ("fa", "en") else "fa"
    response = _response(invitation)
    done = (response is not None and response.submitted_at is not None) or (
        invitation.survey.anonymous and invitation.answered_at is not None
    )
    if done:
        return redirect(_thanks_url(invitation, language, again=True))
    questions = questions_cached(invitation.survey)
    page = {"questions": questions, "response": response, "language": language}
    if request.method == "GET":
        responses.invitation_open(invitation=invitation)
        notice = ""
        if request.GET.get("tapped"):
            notice = "tapped"
        elif request.GET.get("already"):
            notice = "already"
        return _page(request, invitation, **page, values=_values_from(request.GET, questions), notice=notice)
    data = {
        q.pk: request.POST.getlist(f"q{q.pk}") if q.type == "multiple" else request.POST.get(f"q{q.pk}")
        for q in questions
    }
    shown = {int(v) for v in request.POST.getlist("shown") if v.isdigit()}
    values = _values_from(request.POST, questions)
    try:
        outcome = responses.response_submit(
            invitation=invitation, data=data, shown=shown, language=language, questions=questions
        )
    except ValidationError as error:
        messages = {field: " ".join(str(m) for m in items) for field, items in error.message_dict.items()}
        return _page(request, invitation, **page, values=values, errors=messages, status=422)
    if outcome.status == "expired":
        return _problem(request, "expired", invitation)
    if outcome.status == "more":
        return _page(request, invitation, **page, values=values, notice="more")
    return redirect(_thanks_url(invitation, language, again=outcome.status == "duplicate"))


@never_cache
@require_GET
def follow_ups(request: HttpRequest, key: str, question_id: int) -> HttpResponse:
    """HTMX: the follow-ups of one question for the answer just chosen (nothing is stored)."""
    invitation, problem = _usable(request, key)
    if problem is not None or invitation is None:
        return problem  # type: ignore[return-value]
    language = _language(request, invitation)
    questions = questions_cached(invitation.survey)
    values = _values_from(request.GET, questions)
    items = _tree(questions, language=language, values=values, kept=_kept(invitation), errors={})

    def find(nodes: list[dict[str, Any]]) -> dict[str, Any] | None:
        for node in nodes:
            if node["question"].pk == question_id:
                return node
            found = find(node["follow_ups"])
            if found is not None:
                return found
        return None

    item = find(items) or {"question": None, "follow_ups": []}
    return _render(request, "surveys/public/_follow_ups.html", {"item": item}, language=language)


@never_cache
@require_GET
def one_tap(request: HttpRequest, key: str, question_id: int, value: str, signature: str) -> HttpResponse:
    """A one-tap answer from an e-mail or SMS: checked, stored once, then the rest of the survey."""
    invitation = links.invitation_by_key(key)
    if invitation is None:
        return _problem(request, "unknown")
    check = links.one_tap_check(key=key, question_id=question_id, value=value, signature=signature)
    if check != "ok":
        return _problem(request, check, invitation)
    questions = questions_cached(invitation.survey)
    # Only a current question of the invitation's survey (a removed one is refused as tampered, as the
    # service refuses it).
    question = next((q for q in questions if q.pk == question_id), None)
    if question is None:
        return _problem(request, "tampered", invitation)
    outcome = responses.answer_one_tap(
        invitation=invitation, question=question, raw_value=value, questions=questions
    )
    if outcome.status in ("expired", "invalid"):
        return _problem(request, "expired" if outcome.status == "expired" else "tampered", invitation)
    page = reverse("survey_public:page", args=[key])
    language = _language(request, invitation)
    if outcome.status == "prefill":
        return redirect(f"{page}?lang={language}&q{question.pk}={value}")
    if outcome.response is not None and outcome.response.submitted_at is not None:
        return redirect(_thanks_url(invitation, language, again=True))
    flag = "tapped" if outcome.status == "recorded" else "already"
    return redirect(f"{page}?lang={language}&{flag}={question.pk}")


@never_cache
@require_GET
def thanks(request: HttpRequest, key: str) -> HttpResponse:
    invitation = links.invitation_by_key(key)
    if invitation is None:
        return _problem(request, "unknown")
    language = _language(request, invitation)
    return _render(
        request,
        "surveys/public/thanks.html",
        {
            "invitation": invitation,
            "business": invitation.workspace.name,
            "title": invitation.survey.title(language),
            "again": request.GET.get("again") == "1",
        },
        language=language,
    )
