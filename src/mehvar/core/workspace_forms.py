"""Forms for the workspace pages: members and invitations, API tokens, the audit filter, settings."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mehvar.core.forms import JalaliDateField
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm, Role, role_has
from mehvar.core.selectors import AuditCursor
from mehvar.core.text import localize_digits, to_ascii_digits

# The Iranian week, as shown: Saturday first. Keys are ISO weekdays, as BusinessHours.week stores them.
WEEK_ORDER = [
    ("6", _("Saturday")),
    ("7", _("Sunday")),
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
]


def assignable_roles(acting: Membership) -> list[tuple[str, str]]:
    """The roles this member may give: only owners hand out the owner role."""
    return [
        (value, label)
        for value, label in Role.choices
        if value != Role.OWNER or role_has(acting.role, Perm.OWNERS_MANAGE)
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), initial=Role.AGENT)

    def __init__(self, *args: Any, acting: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(acting)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args: Any, acting: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = assignable_roles(acting)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the token is used, for example “accounting sync”."),
    )


class AuditFilterForm(forms.Form):
    """Filters and the keyset cursor of the audit page; an unknown cursor starts from the newest entry."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Record type"), required=False)
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, object_types: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *AuditEntry.Action.choices]
        self.fields["object_type"].choices = [("", _("All records")), *object_types]

    def clean_after(self) -> AuditCursor | None:
        value = self.cleaned_data.get("after") or ""
        if not value:
            return None
        try:
            return AuditCursor.decode(value)
        except ValueError:
            raise forms.ValidationError(_("This page of the log no longer exists."), code="invalid") from None


class WorkspaceForm(forms.Form):
    name = forms.CharField(label=_("Workspace name"), max_length=120)
    persian_digits = forms.BooleanField(label=_("Show numbers with Persian digits"), required=False)


class PersianTimeField(forms.TimeField):
    """A time of day typed with any digits (08:30, ۰۸:۳۰), shown in the reader's digits, 24-hour.

    A plain text input: the browser's ``type=time`` picker shows AM/PM in the browser's locale and refuses
    Persian digits.
    """

    widget = forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric", "size": 5, "placeholder": "08:00"})

    def to_python(self, value: Any) -> dt.time | None:
        if isinstance(value, str):
            value = to_ascii_digits(value).strip()
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.time):
            value = value.strftime("%H:%M")
        if isinstance(value, str):
            return localize_digits(value, "fa" if translation.get_language() == "fa" else "en")
        return value


class BusinessHoursForm(forms.Form):
    """One row a weekday (open, from, to), Saturday first, plus whether official holidays are off."""

    observe_official_holidays = forms.BooleanField(label=_("Official holidays are days off"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in WEEK_ORDER:
            self.fields[f"open_{day}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"start_{day}"] = PersianTimeField(label=_("Opens at"), required=False)
            self.fields[f"end_{day}"] = PersianTimeField(label=_("Closes at"), required=False)

    @classmethod
    def initial_from(cls, week: dict[str, list[str]], observe_official_holidays: bool) -> dict[str, Any]:
        initial: dict[str, Any] = {"observe_official_holidays": observe_official_holidays}
        for day, _label in WEEK_ORDER:
            span = week.get(day) or []
            initial[f"open_{day}"] = bool(span)
            initial[f"start_{day}"] = span[0] if span else "08:00"
            initial[f"end_{day}"] = span[1] if span else "17:00"
        return initial

    def days(self) -> list[dict[str, Any]]:
        """The rows for the template: label and the three bound fields of each weekday."""
        return [
            {
                "label": label,
                "open": self[f"open_{day}"],
                "start": self[f"start_{day}"],
                "end": self[f"end_{day}"],
            }
            for day, label in WEEK_ORDER
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        week: dict[str, list[str]] = {}
        for day, _label in WEEK_ORDER:
            if not cleaned.get(f"open_{day}"):
                continue
            start, end = cleaned.get(f"start_{day}"), cleaned.get(f"end_{day}")
            if start is None and f"start_{day}" not in self.errors:
                self.add_error(f"start_{day}", _("Enter the opening time."))
            if end is None and f"end_{day}" not in self.errors:
                self.add_error(f"end_{day}", _("Enter the closing time."))
            if start is not None and end is not None:
                if start >= end:
                    self.add_error(f"end_{day}", _("The closing time must come after the opening time."))
                week[day] = [start.strftime("%H:%M"), end.strftime("%H:%M")]
        cleaned["week"] = week
        return cleaned


class DayOffForm(forms.Form):
    date = JalaliDateField(label=_("Date"))
    title = forms.CharField(label=_("Title"), max_length=120)
