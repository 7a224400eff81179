"""Forms of the inbox settings pages: teams, agents' profiles and presence, SLA policies, automation rules and
the inbox settings. (A channel's settings form is generated from its adapter's schema: ``channel_forms``.)

Forms only read what people type (Persian digits accepted, Persian separators in lists); the services in
``setup_services`` and ``automation_rules`` decide what is valid and name the field when it is not.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mehvar.channels.models import ChannelKind
from mehvar.conversations.automation_rules import ACTIONS, EVENTS, FIELDS, LIST_OPS, OPS
from mehvar.conversations.forms import TAG_SEPARATORS, member_label
from mehvar.conversations.models import AgentProfile, Priority
from mehvar.core.forms import PersianIntegerField
from mehvar.core.models import Membership
from mehvar.core.text import normalize_text, to_ascii_digits

# Weekdays as AgentProfile.shift counts them: 0 = Saturday.
WEEKDAYS = (
    _("Saturday"),
    _("Sunday"),
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
)
CONDITION_ROWS = 4
ACTION_ROWS = 4


def split_words(text: str) -> list[str]:
    """«فروش، مرجوعی; vip» → ["فروش", "مرجوعی", "vip"]."""
    raw = (text or "").translate(TAG_SEPARATORS)
    return [word for word in (normalize_text(part) for part in raw.split(",")) if word]


class TimeOfDayField(forms.CharField):
    """A wall-clock time HH:MM typed with any digits (۰۸:۳۰, 8:30); cleans to "08:30" or ""."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"dir": "ltr", "placeholder": "08:30", "size": 5, "inputmode": "numeric"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = to_ascii_digits(normalize_text(super().to_python(value) or "")).replace("：", ":")
        if not text:
            return ""
        hours, _sep, minutes = text.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
            raise forms.ValidationError(_("Write a time like 08:30."), code="invalid")
        if not (0 <= int(hours) <= 24 and 0 <= int(minutes) < 60) or (int(hours) == 24 and int(minutes)):
            raise forms.ValidationError(_("Write a time between 00:00 and 24:00."), code="invalid")
        return f"{int(hours):02d}:{minutes}"


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    members = forms.MultipleChoiceField(
        label=_("Members"), required=False, widget=forms.CheckboxSelectMultiple
    )
    supervisor = forms.ChoiceField(label=_("Supervisor"), required=False)

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._members = {str(m.pk): m for m in members}
        choices = [(k, member_label(m)) for k, m in self._members.items()]
        self.fields["members"].choices = choices
        self.fields["supervisor"].choices = [("", "—"), *choices]

    def chosen_members(self) -> list[Membership]:
        return [self._members[k] for k in self.cleaned_data.get("members") or []]

    def chosen_supervisor(self) -> Membership | None:
        return self._members.get(self.cleaned_data.get("supervisor") or "")


class AgentProfileForm(forms.Form):
    capacity = PersianIntegerField(
        label=_("Capacity"), min_value=1, max_value=200, help_text=_("How many open conversations at once.")
    )
    skills = forms.CharField(
        label=_("Categories (skills)"),
        required=False,
        max_length=2000,
        help_text=_("Separate them with commas. Empty: any category."),
    )
    languages = forms.CharField(
        label=_("Languages"),
        required=False,
        max_length=300,
        help_text=_("Language codes such as fa, en, ar, separated by commas. Empty: any language."),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        required=False,
        choices=ChannelKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every channel."),
    )
    senior = forms.BooleanField(label=_("Senior (takes VIP customers)"), required=False)

    def __init__(self, *args: Any, profile: AgentProfile | None = None, **kwargs: Any) -> None:
        if profile is not None:
            initial = {
                "capacity": profile.capacity,
                "skills": "، ".join(profile.skills or []),
                "languages": ", ".join(profile.languages or []),
                "channels": profile.channels or [],
                "senior": profile.senior,
            }
            shift = profile.shift if isinstance(profile.shift, dict) else {}
            for day in range(7):
                hours = shift.get(str(day)) or ["", ""]
                initial[f"shift_{day}_start"], initial[f"shift_{day}_end"] = hours[0], hours[1]
            kwargs.setdefault("initial", initial)
        else:
            kwargs.setdefault("initial", {"capacity": 8})
        super().__init__(*args, **kwargs)
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"shift_{day}_start"] = TimeOfDayField(label=name)
            self.fields[f"shift_{day}_end"] = TimeOfDayField(label=name)

    def shift_rows(self) -> list[tuple[Any, Any, Any, int]]:
        return [
            (WEEKDAYS[day], self[f"shift_{day}_start"], self[f"shift_{day}_end"], day) for day in range(7)
        ]

    def shift(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        return {
            str(day): [data.get(f"shift_{day}_start") or "", data.get(f"shift_{day}_end") or ""]
            for day in range(7)
        }


class PresenceForm(forms.Form):
    presence = forms.ChoiceField(label=_("Presence"), choices=AgentProfile.Presence.choices)


class SlaPolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any")), *Priority.choices]
    )
    channel_kind = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any")), *ChannelKind.choices]
    )
    customer_tag = forms.CharField(
        label=_("Customer tag"), required=False, max_length=60, help_text=_("Empty: any customer.")
    )
    first_response_minutes = PersianIntegerField(
        label=_("First response (business minutes)"),
        required=False,
        help_text=_("Counted in the workspace's business hours; 60 = one hour, 480 = an 8-hour day."),
    )
    next_response_minutes = PersianIntegerField(label=_("Next response (business minutes)"), required=False)
    resolution_minutes = PersianIntegerField(label=_("Resolution (business minutes)"), required=False)
    warn_percent = PersianIntegerField(
        label=_("Warn at (percent of the target)"),
        initial=80,
        help_text=_("Agents are warned when this share of the time has passed."),
    )

    NAMES = (
        "name",
        "enabled",
        "priority",
        "channel_kind",
        "customer_tag",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "warn_percent",
    )

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {name: getattr(instance, name) for name in self.NAMES})
        super().__init__(*args, **kwargs)


class InboxSettingsForm(forms.Form):
    reopen_days = PersianIntegerField(
        label=_("Reopen window (days)"),
        help_text=_("A resolved conversation reopens when the customer writes again within this many days."),
    )
    auto_assign = forms.BooleanField(label=_("Assign new conversations automatically"), required=False)
    attachment_max_mb = PersianIntegerField(label=_("Largest attachment (MB)"))
    notify_on_resolve = forms.BooleanField(
        label=_("Tell the customer when their case is resolved"), required=False
    )


def _condition_field_choices(custom_keys: list[str]) -> list[tuple[str, Any]]:
    return [
        ("", "—"),
        *((name, spec.label) for name, spec in FIELDS.items()),
        *((f"customer.custom.{key}", key) for key in custom_keys),
    ]


class AutomationRuleForm(forms.Form):
    """A rule with a fixed number of condition and action rows; empty rows are ignored."""

    name = forms.CharField(label=_("Name"), max_length=120, required=False)  # the service names it
    event = forms.ChoiceField(label=_("When"), choices=list(EVENTS.items()))
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    position = PersianIntegerField(
        label=_("Position"), required=False, initial=0, min_value=0, max_value=32767
    )

    def __init__(self, *args: Any, custom_keys: list[str], rule: Any = None, **kwargs: Any) -> None:
        if rule is not None:
            initial: dict[str, Any] = {
                "name": rule.name,
                "event": rule.event,
                "enabled": rule.enabled,
                "position": rule.position,
            }
            for i, condition in enumerate((rule.conditions or [])[:CONDITION_ROWS]):
                value = condition.get("value")
                initial[f"c{i}_field"], initial[f"c{i}_op"] = condition.get("field"), condition.get("op")
                initial[f"c{i}_value"] = (
                    "، ".join(map(str, value)) if isinstance(value, list) else value or ""
                )
            for i, action in enumerate((rule.actions or [])[:ACTION_ROWS]):
                value = action.get("value")
                initial[f"a{i}_type"] = action.get("type")
                initial[f"a{i}_value"] = ", ".join(map(str, value)) if isinstance(value, list) else value
                initial[f"a{i}_message"] = action.get("message", "")
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        fields = _condition_field_choices(custom_keys)
        for i in range(CONDITION_ROWS):
            self.fields[f"c{i}_field"] = forms.ChoiceField(label=_("Field"), required=False, choices=fields)
            self.fields[f"c{i}_op"] = forms.ChoiceField(
                label=_("Operator"), required=False, choices=[("", "—"), *OPS.items()]
            )
            self.fields[f"c{i}_value"] = forms.CharField(label=_("Value"), required=False, max_length=2000)
        for i in range(ACTION_ROWS):
            self.fields[f"a{i}_type"] = forms.ChoiceField(
                label=_("Action"), required=False, choices=[("", "—"), *ACTIONS.items()]
            )
            self.fields[f"a{i}_value"] = forms.CharField(label=_("Value"), required=False, max_length=500)
            self.fields[f"a{i}_message"] = forms.CharField(
                label=_("Message (for notify)"), required=False, max_length=500
            )

    def condition_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"c{i}_field"], self[f"c{i}_op"], self[f"c{i}_value"]) for i in range(CONDITION_ROWS)]

    def action_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"a{i}_type"], self[f"a{i}_value"], self[f"a{i}_message"]) for i in range(ACTION_ROWS)]

    def conditions(self) -> list[dict[str, Any]]:
        data, items = self.cleaned_data, []
        for i in range(CONDITION_ROWS):
            field, op, value = data.get(f"c{i}_field"), data.get(f"c{i}_op"), data.get(f"c{i}_value") or ""
            if not (field or op or value.strip()):
                continue
            words = split_words(value)
            many = op in LIST_OPS or len(words) > 1
            items.append({"field": field, "op": op, "value": words if many else (words[0] if words else "")})
        return items

    def actions(self) -> list[dict[str, Any]]:
        data, items = self.cleaned_data, []
        for i in range(ACTION_ROWS):
            kind, value = data.get(f"a{i}_type"), to_ascii_digits(data.get(f"a{i}_value") or "").strip()
            message = data.get(f"a{i}_message") or ""
            if not (kind or value):
                continue
            item: dict[str, Any] = {"type": kind, "value": value}
            if kind == "notify":
                words = split_words(value)
                if words and all(w.isdigit() for w in words):
                    item["value"] = [int(w) for w in words]
                item["message"] = message
            items.append(item)
        return items
