"""Writing surveys and the workspace's survey settings.

``survey_create`` and ``survey_update`` check everything before writing and raise
``ValidationError({field: message})``; each message names the field in the active language (Persian by
default). Both need ``surveys.manage`` and leave an audit entry.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record, changed, snapshot
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm
from mehvar.core.text import normalize_text
from mehvar.surveys.models import Survey, SurveyKind, SurveySettings, Trigger
from mehvar.surveys.questions import (
    QuestionSpec,
    default_questions,
    invalid,
    question_clean,
    questions_of,
    questions_store,
    require,
)

A = AuditEntry.Action
SURVEY_FIELDS = (
    "kind",
    "trigger",
    "title_fa",
    "title_en",
    "intro_fa",
    "intro_en",
    "active",
    "anonymous",
    "throttle_days",
    "delay_days",
)
SETTINGS_FIELDS = (
    "throttle_days",
    "quiet_start",
    "quiet_end",
    "expiry_days",
    "reminder_after_days",
    "recovery_deadline_hours",
    "recovery_team",
    "resurvey_after_days",
)
# Triggers that fire on one event each: two active surveys on one of them would both ask the same customer.
SINGLE_SURVEY_TRIGGERS = frozenset(
    {Trigger.CONVERSATION_RESOLVED, Trigger.DELIVERY, Trigger.FIRST_PURCHASE, Trigger.RELATIONSHIP}
)


def survey_settings(workspace: Workspace) -> SurveySettings:
    """The workspace's survey settings (created with the defaults on first use)."""
    return SurveySettings.objects.get_or_create(workspace=workspace)[0]


def _field_labels() -> dict[str, str]:
    return {
        "kind": _("Kind"),
        "trigger": _("When to send"),
        "title_fa": _("Title (Persian)"),
        "title_en": _("Title (English)"),
        "intro_fa": _("Introduction (Persian)"),
        "intro_en": _("Introduction (English)"),
        "throttle_days": _("Do not ask the same customer again within (days)"),
        "delay_days": _("Days after the event, or between relationship surveys"),
        "active": _("Active"),
    }


def _clean_fields(values: Mapping[str, Any], *, survey: Survey | None) -> dict[str, Any]:
    """The survey fields in ``values``, checked; every problem is reported at once, by field."""
    labels = _field_labels()
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, Any] = {}

    def fail(name: str, message: str, code: str = "invalid") -> None:
        errors.setdefault(name, []).append(ValidationError(message, code=code))

    for name, value in values.items():
        if name not in SURVEY_FIELDS:
            fail("__all__", _("“%(name)s” is not a survey field.") % {"name": str(name)[:40]})
        elif name == "kind":
            if value not in SurveyKind.values:
                fail(name, _("%(field)s: choose one of the kinds.") % {"field": labels[name]})
            cleaned[name] = value
        elif name == "trigger":
            if value not in Trigger.values:
                fail(name, _("%(field)s: choose one of the triggers.") % {"field": labels[name]})
            cleaned[name] = value
        elif name in ("title_fa", "title_en", "intro_fa", "intro_en"):
            text = normalize_text("" if value is None else str(value), multiline=name.startswith("intro"))
            limit = 200 if name.startswith("title") else 1000
            if name == "title_fa" and not text:
                fail(name, _("%(field)s: write a title.") % {"field": labels[name]}, "required")
            elif len(text) > limit:
                fail(
                    name, _("%(field)s: at most %(max)d characters.") % {"field": labels[name], "max": limit}
                )
            cleaned[name] = text
        elif name in ("active", "anonymous"):
            cleaned[name] = bool(value)
        else:  # throttle_days, delay_days
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = -1
            if not 0 <= number <= 730:
                fail(name, _("%(field)s: a whole number from 0 to 730.") % {"field": labels[name]})
            cleaned[name] = number
    if errors:
        raise ValidationError(errors)
    merged = {name: getattr(survey, name) for name in SURVEY_FIELDS} if survey else {}
    merged.update(cleaned)
    _check_together(merged, labels)
    return cleaned


def _check_together(merged: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    if merged.get("kind") == SurveyKind.ENPS and merged.get("trigger", Trigger.MANUAL) != Trigger.MANUAL:
        raise invalid(
            "trigger",
            _("%(field)s: staff surveys (eNPS) are sent by hand.") % {"field": labels["trigger"]},
        )
    trigger = merged.get("trigger")
    if trigger == Trigger.RELATIONSHIP and int(merged.get("delay_days") or 0) < 7:
        raise invalid(
            "delay_days",
            _("%(field)s: a relationship survey repeats every 7 days at the most often.")
            % {"field": labels["delay_days"]},
        )
    if trigger == Trigger.FIRST_PURCHASE and int(merged.get("delay_days") or 0) < 1:
        raise invalid(
            "delay_days",
            _("%(field)s: say how many days after the first purchase to ask.")
            % {"field": labels["delay_days"]},
        )


def _check_single_active(workspace_id: int, trigger: str, active: bool, survey: Survey | None) -> None:
    if not active or trigger not in SINGLE_SURVEY_TRIGGERS:
        return
    others = Survey.objects.filter(workspace_id=workspace_id, trigger=trigger, active=True)
    if survey is not None:
        others = others.exclude(pk=survey.pk)
    other = others.first()
    if other is not None:
        raise invalid(
            "active",
            _("Another active survey, “%(title)s”, already has this trigger; turn it off first.")
            % {"title": other.title_fa},
            "trigger_taken",
        )


@transaction.atomic
def survey_create(
    *,
    acting: Membership,
    kind: str,
    title_fa: str,
    questions: Sequence[Mapping[str, Any]] | None = None,
    via: str = "web",
    **fields: Any,
) -> Survey:
    """A new survey. Without ``questions`` it starts with the kind's default questions (NPS: the 0-10
    question and follow-ups for low and high scores). An eNPS survey is always anonymous."""
    require(acting, Perm.SURVEYS_MANAGE, acting.workspace_id)
    values = {"kind": kind, "title_fa": title_fa, **fields}
    values.setdefault("trigger", Trigger.MANUAL)
    cleaned = _clean_fields(values, survey=None)
    if cleaned["kind"] == SurveyKind.ENPS:
        cleaned["anonymous"] = True
    raw_questions = list(questions) if questions is not None else default_questions(cleaned["kind"])
    specs: list[QuestionSpec] = []
    for number, raw in enumerate(raw_questions, start=1):
        specs.append(question_clean(raw, earlier=specs, number=number))
    if cleaned.get("active") and not specs:
        raise invalid("active", _("Add a question before turning the survey on."), "no_questions")
    _check_single_active(acting.workspace_id, cleaned["trigger"], bool(cleaned.get("active")), None)
    now = timezone.now()
    survey = Survey.objects.create(
        workspace_id=acting.workspace_id, created_by=acting, created_at=now, updated_at=now, **cleaned
    )
    questions_store(survey, specs)
    audit_record(
        workspace=acting.workspace,
        actor=acting.user,
        action=A.CREATE,
        obj=survey,
        after={**snapshot(survey, SURVEY_FIELDS), "questions": len(specs)},
        via=via,
    )
    return survey


@transaction.atomic
def survey_update(*, acting: Membership, survey: Survey, via: str = "web", **fields: Any) -> Survey:
    """Change a survey's fields (questions have their own services in ``questions``)."""
    require(acting, Perm.SURVEYS_MANAGE, survey.workspace_id)
    cleaned = _clean_fields(fields, survey=survey)
    if cleaned.get("kind", survey.kind) == SurveyKind.ENPS:
        cleaned["anonymous"] = True
    elif "anonymous" in cleaned and cleaned["anonymous"] != survey.anonymous and survey.responses.exists():
        raise invalid(
            "anonymous",
            _("People have answered this survey already; whether it is anonymous cannot change now."),
        )
    active = cleaned.get("active", survey.active)
    if active and not survey.active and not questions_of(survey):
        raise invalid("active", _("Add a question before turning the survey on."), "no_questions")
    _check_single_active(survey.workspace_id, cleaned.get("trigger", survey.trigger), active, survey)
    before = snapshot(survey, SURVEY_FIELDS)
    for name, value in cleaned.items():
        setattr(survey, name, value)
    if (
        survey.active
        and not before["active"]
        and survey.trigger in (Trigger.DELIVERY, Trigger.FIRST_PURCHASE)
    ):
        survey.scanned_until = None  # scanning starts from now, not from the last time it was on
    survey.updated_at = timezone.now()
    survey.save()
    old, new = changed(before, snapshot(survey, SURVEY_FIELDS))
    if new:
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=survey,
            before=old,
            after=new,
            via=via,
        )
    return survey


@transaction.atomic
def survey_settings_update(*, acting: Membership, via: str = "web", **fields: Any) -> SurveySettings:
    """Change the workspace's survey settings (throttle, quiet hours, expiry, reminder, recovery)."""
    require(acting, Perm.SURVEYS_MANAGE, acting.workspace_id)
    settings = survey_settings(acting.workspace)
    before = snapshot(settings, SETTINGS_FIELDS)
    for name, value in fields.items():
        if name not in SETTINGS_FIELDS:
            raise invalid("__all__", _("“%(name)s” is not a survey setting.") % {"name": str(name)[:40]})
        if name == "recovery_team" and value is not None and value.workspace_id != acting.workspace_id:
            raise invalid(name, _("This team is not in this workspace."))
        if name in ("quiet_start", "quiet_end") and not isinstance(value, dt.time):
            raise invalid(name, _("Give a time such as 22:00."))
        setattr(settings, name, value)
    try:
        settings.full_clean(exclude=["workspace"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    settings.save()
    old, new = changed(before, snapshot(settings, SETTINGS_FIELDS))
    if new:
        audit_record(
            workspace=acting.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=settings,
            object_label=_("Survey settings"),
            before=old,
            after=new,
            via=via,
        )
    return settings
