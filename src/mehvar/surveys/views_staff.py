"""The staff's pages under /w/<slug>/surveys/: the survey list, creating and editing a survey and its
questions, the survey settings, and the recovery tasks with their close action (HTMX, plain forms without
JavaScript). Every page goes through ``workspace_view``; objects are fetched inside the workspace."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mehvar.core.models import Membership
from mehvar.core.roles import Perm, role_has
from mehvar.core.tenancy import get_in_workspace, workspace_view
from mehvar.surveys import authoring, questions, recovery, selectors
from mehvar.surveys.forms import QuestionForm, RecoveryCloseForm, SurveyForm, SurveySettingsForm, apply_errors
from mehvar.surveys.models import Question, RecoveryStatus

EDITABLE = (
    "title_fa",
    "title_en",
    "intro_fa",
    "intro_en",
    "trigger",
    "delay_days",
    "throttle_days",
    "anonymous",
)


def _acting(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _edit_url(request: HttpRequest, survey_id: int) -> str:
    return reverse("surveys:edit", args=[request.workspace.slug, survey_id])  # type: ignore[attr-defined]


@workspace_view(Perm.SURVEYS_MANAGE)
def survey_list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    since = timezone.now() - dt.timedelta(days=90)
    return render(
        request,
        "surveys/staff/list.html",
        {
            "surveys": list(selectors.surveys_of(workspace=workspace)),
            "loop": selectors.recovery_loop_figures(workspace=workspace, since=since),
        },
    )


@workspace_view(Perm.SURVEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(
        request.POST or None, creating=True, initial={"kind": "nps", "trigger": "conversation_resolved"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            survey = authoring.survey_create(acting=_acting(request), **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The survey was created. Check its questions, then turn it on."))
            return redirect(_edit_url(request, survey.pk))
    return render(request, "surveys/staff/create.html", {"form": form})


def _question_forms(items: list[Question]) -> list[tuple[Question, QuestionForm]]:
    return [
        (q, QuestionForm(initial=QuestionForm.initial_for(q), earlier=items[:i], prefix=f"q{q.pk}"))
        for i, q in enumerate(items)
    ]


def _edit_context(request: HttpRequest, survey: Any, **extra: Any) -> dict[str, Any]:
    items = questions.questions_of(survey)
    initial = {name: getattr(survey, name) for name in (*EDITABLE, "active")}
    return {
        "survey": survey,
        "form": extra.pop("form", None) or SurveyForm(initial=initial),
        "question_forms": extra.pop("question_forms", None) or _question_forms(items),
        "add_form": extra.pop("add_form", None) or QuestionForm(earlier=items, prefix="new"),
        # eNPS figures are shown only on the pulse page, under its minimum group rule (docs/enps.md)
        "figures": None if survey.kind == "enps" else selectors.survey_figures(survey=survey),
        **extra,
    }


@workspace_view(Perm.SURVEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get(workspace=request.workspace, pk=survey_id)  # type: ignore[attr-defined]
    if request.method == "GET":
        return render(request, "surveys/staff/edit.html", _edit_context(request, survey))
    form = SurveyForm(request.POST)
    if form.is_valid():
        try:
            authoring.survey_update(acting=_acting(request), survey=survey, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The survey was saved."))
            return redirect(_edit_url(request, survey.pk))
    return render(request, "surveys/staff/edit.html", _edit_context(request, survey, form=form), status=422)


def _question(request: HttpRequest, survey_id: int, question_id: int) -> Question:
    return get_in_workspace(
        Question.objects.select_related("survey").filter(survey_id=survey_id, removed_at__isnull=True),
        request.workspace,  # type: ignore[attr-defined]
        pk=question_id,
    )


@workspace_view(Perm.SURVEYS_MANAGE)
@require_POST
def question_add(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = selectors.survey_get(workspace=request.workspace, pk=survey_id)  # type: ignore[attr-defined]
    form = QuestionForm(request.POST, earlier=questions.questions_of(survey), prefix="new")
    if form.is_valid():
        try:
            questions.question_add(acting=_acting(request), survey=survey, data=form.data_for_service())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The question was added."))
            return redirect(_edit_url(request, survey.pk) + "#questions")
    return render(
        request, "surveys/staff/edit.html", _edit_context(request, survey, add_form=form), status=422
    )


@workspace_view(Perm.SURVEYS_MANAGE)
@require_POST
def question_edit(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    question = _question(request, survey_id, question_id)
    items = questions.questions_of(question.survey)
    earlier = [q for q in items if (q.position, q.pk) < (question.position, question.pk)]
    form = QuestionForm(request.POST, earlier=earlier, prefix=f"q{question.pk}")
    if form.is_valid():
        keys = {c.get("fa", ""): c.get("key", "") for c in question.choices or []}
        try:
            questions.question_update(
                acting=_acting(request), question=question, data=form.data_for_service(keys)
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The question was saved."))
            return redirect(_edit_url(request, survey_id) + "#questions")
    pairs = [(q, form if q.pk == question.pk else f) for q, f in _question_forms(items)]
    return render(
        request,
        "surveys/staff/edit.html",
        _edit_context(request, question.survey, question_forms=pairs),
        status=422,
    )


@workspace_view(Perm.SURVEYS_MANAGE)
@require_POST
def question_remove(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    question = _question(request, survey_id, question_id)
    questions.question_remove(acting=_acting(request), question=question)
    messages.success(request, _("The question was removed."))
    return redirect(_edit_url(request, survey_id) + "#questions")


@workspace_view(Perm.SURVEYS_MANAGE)
@require_POST
def question_move(request: HttpRequest, survey_id: int, question_id: int) -> HttpResponse:
    question = _question(request, survey_id, question_id)
    try:
        questions.question_move(
            acting=_acting(request), question=question, up=request.POST.get("direction") == "up"
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(_edit_url(request, survey_id) + "#questions")


@workspace_view(Perm.SURVEYS_MANAGE)
@require_http_methods(["GET", "POST"])
def survey_settings(request: HttpRequest) -> HttpResponse:
    from mehvar.conversations.models import Team

    workspace = request.workspace  # type: ignore[attr-defined]
    current = authoring.survey_settings(workspace)
    teams = list(Team.objects.filter(workspace=workspace).order_by("name"))
    initial = {
        name: getattr(current, name)
        for name in authoring.SETTINGS_FIELDS
        if name not in ("recovery_team", "quiet_start", "quiet_end")
    }
    initial.update(
        quiet_start=current.quiet_start.strftime("%H:%M"),
        quiet_end=current.quiet_end.strftime("%H:%M"),
        recovery_team=str(current.recovery_team_id or ""),
    )
    form = SurveySettingsForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {**form.cleaned_data, "recovery_team": form.chosen_team()}
        try:
            authoring.survey_settings_update(acting=_acting(request), **values)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The survey settings were saved."))
            return redirect(reverse("surveys:settings", args=[workspace.slug]))
    return render(request, "surveys/staff/settings.html", {"form": form}, status=422 if form.errors else 200)


def _scope(request: HttpRequest) -> str:
    scope = request.GET.get("scope", "mine")
    manager = role_has(_acting(request).role, Perm.SURVEYS_MANAGE)
    if scope not in selectors.RECOVERY_SCOPES or (scope in ("open", "overdue", "done") and not manager):
        return "mine"
    return scope


@workspace_view(Perm.RECOVERY_WORK)
def recovery_list(request: HttpRequest) -> HttpResponse:
    member = _acting(request)
    scope = _scope(request)
    tasks = list(selectors.recovery_tasks_for(member=member, scope=scope)[:100])
    return render(
        request,
        "surveys/staff/recovery.html",
        {
            "scope": scope,
            "counts": selectors.recovery_counts(member=member),
            "manager": role_has(member.role, Perm.SURVEYS_MANAGE),
            "cards": [_card(member, task) for task in tasks],
            "now": timezone.now(),
        },
    )


def _card(member: Membership, task: Any, form: RecoveryCloseForm | None = None) -> dict[str, Any]:
    can_close = task.status == RecoveryStatus.OPEN and recovery.may_close(member, task)
    if form is None and can_close:
        form = RecoveryCloseForm(
            initial={"customer_message": task.apology, "resurvey": True}, prefix=f"t{task.pk}"
        )
    return {"task": task, "form": form, "can_close": can_close}


@workspace_view(Perm.RECOVERY_WORK)
@require_POST
def recovery_close(request: HttpRequest, task_id: int) -> HttpResponse:
    member = _acting(request)
    task = selectors.recovery_task_get(workspace=request.workspace, pk=task_id)  # type: ignore[attr-defined]
    form = RecoveryCloseForm(request.POST, prefix=f"t{task.pk}")
    status = 200
    if form.is_valid():
        try:
            recovery.recovery_close(task=task, acting=member, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
            status = 422
        else:
            task = selectors.recovery_task_get(workspace=request.workspace, pk=task_id)  # type: ignore[attr-defined]
            if not _htmx(request):
                messages.success(request, _("The recovery task was closed."))
                return redirect(reverse("surveys:recovery", args=[request.workspace.slug]))  # type: ignore[attr-defined]
            form = None
    else:
        status = 422
    card = _card(member, task, form)
    if _htmx(request):  # htmx swaps only 2xx answers: errors come back as 200 with the form marked
        return render(request, "surveys/staff/_recovery_card.html", {"card": card, "now": timezone.now()})
    return render(
        request,
        "surveys/staff/recovery.html",
        {
            "scope": "mine",
            "counts": selectors.recovery_counts(member=member),
            "manager": role_has(member.role, Perm.SURVEYS_MANAGE),
            "cards": [card],
            "now": timezone.now(),
        },
        status=status,
    )
