"""Forms of the customer pages: the list's filters, bulk actions and saved views, the 360 page's quick actions
(note, call, profile, tag), and the merge choices of the duplicates queue.

Fields accept what people type (Persian or Arabic digits, Jalali dates, phones in any usual shape); the
services check everything again, and their ValidationError lands on the field it names.
"""

import contextlib
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mehvar.core.forms import JalaliDateField, PersianIntegerField, PhoneField
from mehvar.core.models import Membership, Workspace
from mehvar.customers.models import ConsentChannel, Customer, CustomField, Lifecycle
from mehvar.customers.notes import CallDirection, CallOutcome

CUSTOM_PREFIX = "custom."  # the list's query: ?custom.<key>=value (as the export reads it)
LIST_ORDERINGS = {
    "-id": ("-id",),
    "-created_at": ("-created_at", "-id"),
    "display_name": ("display_name", "-id"),
    "-lifetime_value": ("-lifetime_value", "-id"),
}


def member_choices(members: list[Membership]) -> list[tuple[str, str]]:
    return [(str(m.pk), m.user.get_full_name() or m.user.email) for m in members]


def _yes_no() -> list[tuple[str, Any]]:
    return [("", "—"), ("true", _("Yes")), ("false", _("No"))]


class FilterForm(forms.Form):
    """The list's search box and filter builder, read from the query string (so a view can be saved and
    the export link reproduces it)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.SearchInput(
            attrs={"placeholder": _("Name, phone, e-mail or username"), "autocomplete": "off"}
        ),
    )
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    province = forms.CharField(label=_("Province"), required=False, max_length=100)
    lifecycle = forms.MultipleChoiceField(
        label=_("Lifecycle stage"),
        required=False,
        choices=Lifecycle.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    owner_id = forms.ChoiceField(label=_("Account manager"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    consent = forms.ChoiceField(
        label=_("Consented to"), required=False, choices=[("", "—"), *ConsentChannel.choices]
    )
    last_contact_from = JalaliDateField(label=_("Last contact from"), required=False)
    last_contact_to = JalaliDateField(label=_("Last contact until"), required=False)
    spend_min = PersianIntegerField(label=_("Spent at least (rials)"), required=False, min_value=0)
    spend_max = PersianIntegerField(label=_("Spent at most (rials)"), required=False, min_value=0)
    order = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-id", _("Newest first")),
            ("display_name", _("By name")),
            ("-lifetime_value", _("Highest lifetime value")),
            ("-created_at", _("Recently created")),
        ],
    )

    def __init__(
        self, *args: Any, members: list[Membership], custom_fields: list[CustomField], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [("", "—"), ("none", _("Nobody")), *member_choices(members)]
        self.custom_names: list[str] = []
        for definition in custom_fields:
            name = CUSTOM_PREFIX + definition.key
            self.fields[name] = custom_form_field(definition, for_filter=True)
            self.custom_names.append(name)

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.custom_names]

    def main_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("city", "province", "owner_id", "tag", "consent")]

    def ordering(self) -> tuple[str, ...]:
        order = self.cleaned_data.get("order") if hasattr(self, "cleaned_data") else None
        return LIST_ORDERINGS.get(order or "-id", LIST_ORDERINGS["-id"])

    def is_filtered(self) -> bool:
        return any(
            value not in (None, "", [])
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in ("order",)
        )


def custom_form_field(definition: CustomField, *, for_filter: bool = False) -> forms.Field:
    """A form field for one custom field definition (values are checked again by the service)."""
    label = definition.label
    kind = definition.type
    if kind == CustomField.Type.DATE:
        return JalaliDateField(label=label, required=False)
    if kind == CustomField.Type.CHOICE:
        return forms.ChoiceField(
            label=label, required=False, choices=[("", "—"), *((c, c) for c in definition.choices)]
        )
    if kind == CustomField.Type.BOOLEAN:
        return forms.ChoiceField(label=label, required=False, choices=_yes_no())
    if kind == CustomField.Type.NUMBER:
        return forms.CharField(
            label=label,
            required=False,
            max_length=40,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}),
        )
    return forms.CharField(label=label, required=False, max_length=500)


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=100)
    shared = forms.BooleanField(label=_("Share with the workspace"), required=False)
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)


class BulkForm(forms.Form):
    """A bulk action on the selected rows, or on every customer the current filter finds."""

    ACTIONS = [("tag", _("Add a tag")), ("owner", _("Assign an account manager"))]
    SCOPES = [("selected", _("Selected rows")), ("all", _("Everyone in this list"))]

    action = forms.ChoiceField(label=_("What to do"), choices=ACTIONS)
    scope = forms.ChoiceField(label=_("Apply to"), choices=SCOPES, initial="selected")
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    owner = forms.ChoiceField(label=_("Account manager"), required=False)
    ids = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=forms.MultipleHiddenInput)
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Nobody")), *member_choices(members)]
        # Any id may be posted; the service keeps only those in the workspace's filtered list.
        self.fields["ids"].choices = [(v, v) for v in (self.data.getlist("ids") if self.is_bound else [])]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "tag" and not (data.get("tag") or "").strip():
            self.add_error("tag", _("Write the tag to add."))
        if data.get("scope") == "selected" and not data.get("ids"):
            self.add_error("scope", _("Select at least one customer, or apply to everyone in the list."))
        return data


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("What should colleagues know?")}),
    )


class CallForm(forms.Form):
    direction = forms.ChoiceField(label=_("Direction"), choices=CallDirection.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    minutes = PersianIntegerField(label=_("Minutes"), required=False, min_value=0, max_value=1440)
    seconds = PersianIntegerField(label=_("Seconds"), required=False, min_value=0, max_value=59)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def duration_seconds(self) -> int:
        return (self.cleaned_data.get("minutes") or 0) * 60 + (self.cleaned_data.get("seconds") or 0)


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag"), max_length=60)


PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "display_name",
    "first_name_latin",
    "last_name_latin",
    "phone",
    "email",
    "birthday",
    "city",
    "province",
    "company",
    "job_title",
    "lifecycle",
    "owner",
    "contact_policy",
)


class ProfileForm(forms.Form):
    """The profile's fields and the workspace's custom fields (named ``custom.<key>``)."""

    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    display_name = forms.CharField(label=_("Name shown"), required=False, max_length=200)
    first_name_latin = forms.CharField(
        label=_("First name (Latin)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    last_name_latin = forms.CharField(
        label=_("Last name (Latin)"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    phone = PhoneField(label=_("Mobile phone"), required=False)
    email = forms.EmailField(
        label=_("E-mail"), required=False, max_length=254, widget=forms.EmailInput(attrs={"dir": "ltr"})
    )
    birthday = JalaliDateField(label=_("Birthday"), required=False)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    province = forms.CharField(label=_("Province"), required=False, max_length=100)
    company = forms.CharField(label=_("Company"), required=False, max_length=200)
    job_title = forms.CharField(label=_("Role at the company"), required=False, max_length=120)
    lifecycle = forms.ChoiceField(label=_("Lifecycle stage"), choices=Lifecycle.choices)
    owner = forms.ChoiceField(label=_("Account manager"), required=False)
    contact_policy = forms.CharField(
        label=_("Contact policy"),
        required=False,
        max_length=2000,
        help_text=_("How to deal with this customer; every agent sees it at the top of the page."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        members: list[Membership],
        custom_fields: list[CustomField],
        customer: Customer | None = None,
        **kwargs: Any,
    ) -> None:
        if customer is not None and "initial" not in kwargs:
            kwargs["initial"] = profile_initial(customer, custom_fields)
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—"), *member_choices(members)]
        self.custom_names: list[str] = []
        for definition in custom_fields:
            name = CUSTOM_PREFIX + definition.key
            self.fields[name] = custom_form_field(definition)
            self.custom_names.append(name)
        self.definitions = {CUSTOM_PREFIX + d.key: d for d in custom_fields}

    def profile_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PROFILE_FIELDS]

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.custom_names]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as ``customer_update`` / ``customer_create`` take them."""
        data = self.cleaned_data
        fields: dict[str, Any] = {name: data.get(name) for name in PROFILE_FIELDS if name != "owner"}
        fields["owner_id"] = int(data["owner"]) if data.get("owner") else None
        custom: dict[str, Any] = {}
        for name, definition in self.definitions.items():
            value = data.get(name)
            if definition.type == CustomField.Type.BOOLEAN:
                value = {"true": True, "false": False}.get(value or "")
            custom[definition.key] = None if value in ("", None) else value
        fields["custom_fields"] = custom
        return fields

    def add_service_errors(self, error_dict: dict[str, list[Any]]) -> None:
        """Put a service's errors on the matching fields (``custom_fields.<key>`` → ``custom.<key>``)."""
        for field, errors in error_dict.items():
            name = field
            if field.startswith("custom_fields."):
                name = CUSTOM_PREFIX + field.removeprefix("custom_fields.")
            elif field == "owner_id":
                name = "owner"
            self.add_error(name if name in self.fields else None, errors)


def profile_initial(customer: Customer, custom_fields: list[CustomField]) -> dict[str, Any]:
    import datetime as dt

    initial: dict[str, Any] = {name: getattr(customer, name) for name in PROFILE_FIELDS if name != "owner"}
    initial["owner"] = str(customer.owner_id or "")
    for definition in custom_fields:
        value = customer.custom_fields.get(definition.key)
        if definition.type == CustomField.Type.DATE and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value)
        elif definition.type == CustomField.Type.BOOLEAN and isinstance(value, bool):
            value = "true" if value else "false"
        initial[CUSTOM_PREFIX + definition.key] = value
    return initial


class MergeForm(forms.Form):
    """Which customer's value to keep, for each field where the two differ (radio: A's or B's)."""

    def __init__(self, *args: Any, conflicts: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conflicts = conflicts
        for conflict in conflicts:
            self.fields[conflict["name"]] = forms.ChoiceField(
                label=conflict["label"],
                choices=[("a", conflict["a_text"]), ("b", conflict["b_text"])],
                initial="a",
                required=False,  # no choice keeps A's value
                widget=forms.RadioSelect,
            )


def workspace_custom_fields(workspace: Workspace) -> list[CustomField]:
    return list(CustomField.objects.filter(workspace=workspace).order_by("position", "pk"))


class TimelineFilterForm(forms.Form):
    """The timeline's filters on the 360 page: a kind, a channel and a Jalali date range."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("Until"), required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]
        self.fields["channel"].choices = [("", _("All channels")), *ConsentChannel.choices]
