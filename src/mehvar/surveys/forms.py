"""Staff forms: a survey's fields, one question, the survey settings, closing a recovery task.

Forms only read input; the services check it (and their errors are put back on the form's fields)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mehvar.core.forms import PersianIntegerField
from mehvar.core.text import to_ascii_digits
from mehvar.surveys.models import ConditionOp, Question, QuestionType, SurveyKind, Trigger


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field (unknown fields on the form itself)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        for item in errors:
            for message in item.messages:
                form.add_error(field if field in form.fields else None, message)


class SurveyForm(forms.Form):
    title_fa = forms.CharField(label=_("Title (Persian)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    intro_fa = forms.CharField(
        label=_("Introduction (Persian)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    intro_en = forms.CharField(
        label=_("Introduction (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyKind.choices)
    trigger = forms.ChoiceField(label=_("When to send"), choices=Trigger.choices)
    delay_days = PersianIntegerField(
        label=_("Days after the event, or between relationship surveys"),
        min_value=0,
        max_value=730,
        initial=0,
    )
    throttle_days = PersianIntegerField(
        label=_("Do not ask the same customer again within (days)"), min_value=0, max_value=730, initial=0
    )
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["active"]  # a new survey starts off; its questions are reviewed first
        else:
            del self.fields["kind"]


CHOICE_HELP = _("One choice a line; the English label after a vertical bar: دیر رسید | It was late")


class QuestionForm(forms.Form):
    type = forms.ChoiceField(label=_("Question type"), choices=QuestionType.choices)
    text_fa = forms.CharField(label=_("Question (Persian)"), max_length=500)
    text_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    choices = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=CHOICE_HELP
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    show_if_question = forms.ChoiceField(label=_("Show only if the answer to"), required=False)
    show_if_op = forms.ChoiceField(label=_("is"), required=False, choices=[("", "—"), *ConditionOp.choices])
    show_if_value = forms.CharField(
        label=_("Value"),
        required=False,
        max_length=200,
        help_text=_("A number, or several separated by commas."),
    )

    def __init__(self, *args: Any, earlier: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["show_if_question"].choices = [("", _("(always show)"))] + [
            (str(q.pk), f"{position}. {q.text_fa[:60]}") for position, q in enumerate(earlier, start=1)
        ]

    @classmethod
    def initial_for(cls, question: Question) -> dict[str, Any]:
        value = question.show_if_value
        return {
            "type": question.type,
            "text_fa": question.text_fa,
            "text_en": question.text_en,
            "choices": "\n".join(
                f"{c.get('fa', '')} | {c.get('en', '')}" if c.get("en") else c.get("fa", "")
                for c in question.choices
            ),
            "required": question.required,
            "show_if_question": str(question.show_if_question_id or ""),
            "show_if_op": question.show_if_op,
            "show_if_value": ", ".join(str(v) for v in value)
            if isinstance(value, list)
            else (value if value is not None else ""),
        }

    def data_for_service(self, keys: dict[str, str] | None = None) -> dict[str, Any]:
        """The question as the services take it: choices as a list, the condition as ``show_if``.
        ``keys`` maps a choice's Persian label to its existing key, so that answers keep their meaning."""
        data = self.cleaned_data
        choices = []
        for line in (data.get("choices") or "").splitlines():
            fa, _bar, en = line.partition("|")
            if fa.strip():
                item = {"fa": fa.strip(), "en": en.strip()}
                if keys and fa.strip() in keys:
                    item["key"] = keys[fa.strip()]
                choices.append(item)
        if keys:  # new choices get keys that do not collide with the kept ones
            used = {c["key"] for c in choices if "key" in c}
            counter = 1
            for item in choices:
                while "key" not in item:
                    candidate = f"c{counter}"
                    counter += 1
                    if candidate not in used:
                        item["key"] = candidate
                        used.add(candidate)
        show_if = None
        if data.get("show_if_question"):
            raw = to_ascii_digits(data.get("show_if_value") or "")
            values = [v.strip() for v in raw.split(",") if v.strip()]
            value: Any = (
                values
                if data.get("show_if_op") == ConditionOp.IN or len(values) > 1
                else (values[0] if values else None)
            )
            show_if = {
                "question": data["show_if_question"],
                "op": data.get("show_if_op") or "",
                "value": value,
            }
        return {
            "type": data["type"],
            "text_fa": data["text_fa"],
            "text_en": data.get("text_en") or "",
            "choices": choices,
            "required": data.get("required", False),
            "show_if": show_if,
        }


class TimeText(forms.CharField):
    """HH:MM, Persian digits accepted."""

    def to_python(self, value: Any) -> Any:
        import datetime as dt

        text = to_ascii_digits(super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            return dt.time.fromisoformat(text if len(text) > 2 else f"{text}:00")
        except ValueError:
            raise ValidationError(_("Give a time such as 22:00."), code="invalid") from None


class SurveySettingsForm(forms.Form):
    throttle_days = PersianIntegerField(
        label=_("At most one invitation per customer every (days)"), min_value=0, max_value=365
    )
    quiet_start = TimeText(
        label=_("Quiet hours start"), help_text=_("Nothing is sent between these times (Tehran).")
    )
    quiet_end = TimeText(label=_("Quiet hours end"))
    expiry_days = PersianIntegerField(label=_("Invitations expire after (days)"), min_value=1, max_value=90)
    reminder_after_days = PersianIntegerField(
        label=_("Remind once after (days; 0: never)"), min_value=0, max_value=60
    )
    recovery_deadline_hours = PersianIntegerField(
        label=_("Recovery deadline (business hours)"), min_value=1, max_value=720
    )
    recovery_team = forms.ChoiceField(label=_("Team for recovery tasks without an owner"), required=False)
    resurvey_after_days = PersianIntegerField(
        label=_("Ask again after a recovery (days)"), min_value=0, max_value=180
    )

    def __init__(self, *args: Any, teams: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = {str(t.pk): t for t in teams}
        self.fields["recovery_team"].choices = [("", "—")] + [(str(t.pk), t.name) for t in teams]

    def chosen_team(self) -> Any:
        return self.teams.get(self.cleaned_data.get("recovery_team") or "")


class RecoveryCloseForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    customer_message = forms.CharField(
        label=_("Message to the customer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Sent on the customer's channel when the task is closed. Leave it empty to send nothing."
        ),
    )
    resurvey = forms.BooleanField(label=_("Ask the customer again later"), required=False, initial=True)
