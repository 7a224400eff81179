"""Forms of the inbox pages: the queue's filters and search, the conversation's actions (reply, note, status,
priority, category, tags, assignment), the canned replies library and the backlog's bulk reassignment.

Choices that name workspace objects (channels, teams, members) are built from lists the view reads once, so
that a form never queries by itself and a foreign id is simply "not one of the choices" (a field error).
Fields accept Persian and Arabic digits. The services check everything again; their ValidationError lands on
the field it names.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mehvar.channels.models import Channel
from mehvar.conversations.models import CannedReply, Priority, Status, Team
from mehvar.conversations.selectors import QUERY_MAX_LENGTH, QUEUES
from mehvar.conversations.services import TEXT_MAX_LENGTH
from mehvar.core.models import Membership
from mehvar.core.text import normalize_text, to_ascii_digits
from mehvar.web.widgets import PlainSelect

TAG_SEPARATORS = str.maketrans({"،": ",", "؛": ",", ";": ",", "\n": ","})


def member_label(member: Membership) -> str:
    return member.user.get_full_name() or member.user.email


class _AsciiChoiceField(forms.ChoiceField):
    """A choice whose value may be typed with Persian digits (ids in a query string)."""

    def to_python(self, value: Any) -> str:
        return to_ascii_digits(super().to_python(value)).strip()


class QueueForm(forms.Form):
    """The queue, search box and filters, read from the query string."""

    queue = forms.ChoiceField(label=_("Queue"), required=False, choices=list(QUEUES.items()))
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        widget=forms.SearchInput(
            attrs={
                "placeholder": _("Customer name, phone, e-mail, subject or #number"),
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Not resolved")), ("any", _("Any status")), *Status.choices],
        widget=PlainSelect,
    )
    channel = _AsciiChoiceField(label=_("Channel"), required=False, widget=PlainSelect)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", "—"), *Priority.choices], widget=PlainSelect
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=60)
    assignee = _AsciiChoiceField(label=_("Assignee"), required=False, widget=PlainSelect)
    team = _AsciiChoiceField(label=_("Team"), required=False, widget=PlainSelect)
    category = forms.CharField(label=_("Category"), required=False, max_length=60)
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    FILTERS = ("status", "channel", "priority", "tag", "assignee", "team", "category")

    def __init__(
        self,
        *args: Any,
        channels: list[Channel],
        members: list[Membership],
        teams: list[Team],
        default_queue: str = "mine",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.default_queue = default_queue
        self._channels = {str(c.pk): c for c in channels}
        self._members = {str(m.pk): m for m in members}
        self._teams = {str(t.pk): t for t in teams}
        self.fields["channel"].choices = [("", "—"), *((k, c.name) for k, c in self._channels.items())]
        self.fields["assignee"].choices = [
            ("", "—"),
            ("none", _("Nobody")),
            *((k, member_label(m)) for k, m in self._members.items()),
        ]
        self.fields["team"].choices = [("", "—"), *((k, t.name) for k, t in self._teams.items())]

    def clean_queue(self) -> str:
        return self.cleaned_data.get("queue") or self.default_queue

    def clean_q(self) -> str:
        return normalize_text(self.cleaned_data.get("q") or "")

    def filters(self) -> dict[str, Any]:
        """The cleaned filters with workspace objects in place of their ids."""
        data = self.cleaned_data
        assignee = data.get("assignee") or ""
        return {
            "status": data.get("status") or "",
            "channel": self._channels.get(data.get("channel") or ""),
            "priority": data.get("priority") or "",
            "tag": normalize_text(data.get("tag") or ""),
            "assignee": "none" if assignee == "none" else self._members.get(assignee),
            "team": self._teams.get(data.get("team") or ""),
            "category": normalize_text(data.get("category") or ""),
        }

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.FILTERS)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Write to the customer…")}),
    )
    template = forms.IntegerField(required=False, widget=forms.HiddenInput)
    then = forms.ChoiceField(
        label=_("Then"),
        required=False,
        choices=[
            ("", _("Keep the status")),
            (Status.WAITING, _("Wait for the customer")),
            (Status.RESOLVED, _("Resolve")),
        ],
    )
    send_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)
    key = forms.RegexField(regex=r"^[0-9a-f]{32}$", required=False, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": _("Only your colleagues see this. Type @ and a name to mention someone."),
            }
        ),
    )
    mentions = forms.MultipleChoiceField(
        label=_("Mention"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, members: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._members = {str(m.pk): m for m in members}
        self.fields["mentions"].choices = [(k, member_label(m)) for k, m in self._members.items()]

    def mentioned(self) -> list[Membership]:
        """The members ticked, plus those named in the text as @Full Name or @mailbox-name."""
        chosen = {key: self._members[key] for key in self.cleaned_data.get("mentions") or []}
        text = self.cleaned_data.get("text") or ""
        for key, member in self._members.items():
            names = [member.user.get_full_name(), member.user.email.split("@")[0]]
            if any(name and f"@{name}" in text for name in names):
                chosen.setdefault(key, member)
        return list(chosen.values())


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class CategoryForm(forms.Form):
    category = forms.CharField(label=_("Category"), required=False, max_length=60)


class TagsForm(forms.Form):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate tags with commas."),
    )

    def names(self) -> list[str]:
        raw = (self.cleaned_data.get("tags") or "").translate(TAG_SEPARATORS)
        return [name for name in (normalize_text(part) for part in raw.split(",")) if name]


class AssignForm(forms.Form):
    """Who answers: a member (or nobody), the team (or none, or unchanged) and why."""

    assignee = _AsciiChoiceField(label=_("Assignee"), required=False, widget=PlainSelect)
    team = _AsciiChoiceField(label=_("Team"), required=False, widget=PlainSelect)
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)

    KEEP = "keep"

    def __init__(self, *args: Any, members: list[Membership], teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._members = {str(m.pk): m for m in members}
        self._teams = {str(t.pk): t for t in teams}
        self.fields["assignee"].choices = [
            ("", _("Nobody")),
            *((k, member_label(m)) for k, m in self._members.items()),
        ]
        self.fields["team"].choices = [
            (self.KEEP, _("Keep the team")),
            ("", _("No team")),
            *((k, t.name) for k, t in self._teams.items()),
        ]

    def chosen_assignee(self) -> Membership | None:
        return self._members.get(self.cleaned_data.get("assignee") or "")

    def chosen_team(self) -> Team | bool | None:
        """False: leave the team as it is (the service's convention)."""
        value = self.cleaned_data.get("team")
        if value in (None, self.KEEP):
            return False
        return self._teams.get(value) if value else None


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    shortcut = forms.CharField(
        label=_("Shortcut"), required=False, max_length=40, help_text=_("A short word to find it by.")
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=CannedReply.Purpose.choices)
    body = forms.CharField(
        label=_("Text"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Variables are written like {{ first_name }}; see the list beside the form."),
    )

    def __init__(self, *args: Any, instance: CannedReply | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(instance, name) for name in ("title", "shortcut", "purpose", "body")},
            )
        super().__init__(*args, **kwargs)


class BacklogForm(forms.Form):
    """The backlog list's filters: an ageing bucket, a team, an agent."""

    bucket = forms.ChoiceField(label=_("Age"), required=False)
    team = _AsciiChoiceField(label=_("Team"), required=False)
    assignee = _AsciiChoiceField(label=_("Assignee"), required=False)
    cursor = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        buckets: list[tuple[str, Any]],
        members: list[Membership],
        teams: list[Team],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._members = {str(m.pk): m for m in members}
        self._teams = {str(t.pk): t for t in teams}
        self.fields["bucket"].choices = [("", _("Any age")), *buckets]
        self.fields["team"].choices = [
            ("", "—"),
            ("none", _("No team")),
            *((k, t.name) for k, t in self._teams.items()),
        ]
        self.fields["assignee"].choices = [
            ("", "—"),
            ("none", _("Nobody")),
            *((k, member_label(m)) for k, m in self._members.items()),
        ]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        team, assignee = data.get("team") or "", data.get("assignee") or ""
        return {
            "bucket": data.get("bucket") or "",
            "team": "none" if team == "none" else self._teams.get(team),
            "assignee": "none" if assignee == "none" else self._members.get(assignee),
        }


class IdListField(forms.Field):
    """Several ids (checkboxes named alike); Persian digits accepted."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one conversation."),
        "invalid": _("This is not a list of conversations."),
        "too_many": _("Select at most %(max)d conversations at once."),
    }
    MAX = 500

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = sorted({int(to_ascii_digits(str(v)).strip()) for v in values})
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if len(ids) > self.MAX:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": self.MAX}
            )
        return ids


class BulkReassignForm(forms.Form):
    """Give the selected conversations to an agent (or nobody) and/or a team, saying why."""

    ids = IdListField(label=_("Conversations"))
    assignee = _AsciiChoiceField(label=_("Give to"))
    team = _AsciiChoiceField(label=_("Team"), required=False)
    reason = forms.CharField(label=_("Why"), required=False, max_length=300)

    NOBODY = "none"

    def __init__(self, *args: Any, members: list[Membership], teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._members = {str(m.pk): m for m in members}
        self._teams = {str(t.pk): t for t in teams}
        self.fields["assignee"].choices = [
            ("", _("Choose…")),
            (self.NOBODY, _("Nobody (back to the unassigned queue)")),
            *((k, member_label(m)) for k, m in self._members.items()),
        ]
        self.fields["assignee"].error_messages["required"] = _("Choose who gets them.")
        self.fields["team"].initial = AssignForm.KEEP
        self.fields["team"].choices = [
            (AssignForm.KEEP, _("Keep the team")),
            ("", _("No team")),
            *((k, t.name) for k, t in self._teams.items()),
        ]

    def chosen_assignee(self) -> Membership | None:
        return self._members.get(self.cleaned_data.get("assignee") or "")

    def chosen_team(self) -> Team | bool | None:
        value = self.cleaned_data.get("team")
        if value in (None, AssignForm.KEEP):
            return False
        return self._teams.get(value) if value else None
