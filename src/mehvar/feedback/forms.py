"""Forms of the agents' feedback page: filtering the feed, correcting one item, trying a text.

The correction form only collects what the agent changed; the corrections service
(``services.feedback_correction_record``) checks the labels and its errors are put back on the fields.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mehvar.feedback.analysis import MAX_TEXT_LENGTH
from mehvar.feedback.models import Sentiment, Urgency
from mehvar.feedback.selectors import SOURCES, FeedItem
from mehvar.feedback.topics import topic_label


class FeedFilterForm(forms.Form):
    source = forms.ChoiceField(
        label=_("Where from"), required=False, choices=[("", _("Everywhere")), *SOURCES.items()]
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), required=False, choices=[("", _("Any sentiment")), *Sentiment.choices]
    )


class CorrectionForm(forms.Form):
    """The labels of one item as the agent says they should be. ``changes()`` gives the labels that differ
    from what the analysis said: only those are recorded as corrections."""

    sentiment = forms.CharField(label=_("Sentiment"), required=False, widget=forms.Select)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    new_topic = forms.CharField(
        label=_("Another topic of this workspace"),
        required=False,
        max_length=40,
        help_text=_("Lowercase Latin letters, digits and “_”, such as parking."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"}),
    )
    urgency = forms.CharField(label=_("Urgency"), required=False, widget=forms.Select)
    abusive = forms.BooleanField(label=_("Abusive"), required=False)

    def __init__(self, *args: Any, item: FeedItem, topics: list[str], **kwargs: Any) -> None:
        self.item = item
        self.current = item.labels  # what the agent sees: the analysis, or the latest correction of it
        kwargs.setdefault("prefix", item.key)
        kwargs.setdefault("initial", self.current)
        super().__init__(*args, **kwargs)
        keys = list(dict.fromkeys([*topics, *self.current["topics"]]))
        self.fields["topics"].choices = [(key, topic_label(key)) for key in keys]
        self.fields["sentiment"].widget.choices = [("", _("Not known")), *Sentiment.choices]
        self.fields["urgency"].widget.choices = [("", _("Not known")), *Urgency.choices]

    def clean_topics(self) -> list[str]:
        return list(self.cleaned_data.get("topics") or [])

    def changes(self) -> dict[str, Any]:
        """The labels the agent changed (call after ``is_valid()``), as the corrections service takes them."""
        data, current = self.cleaned_data, self.current
        changed: dict[str, Any] = {}
        if data["sentiment"] and data["sentiment"] != current["sentiment"]:
            changed["sentiment"] = data["sentiment"]
        topics = list(data["topics"])
        new_topic = data["new_topic"].strip()
        if new_topic:
            topics.append(new_topic)
        if new_topic or set(topics) != set(current["topics"]):
            changed["topics"] = topics
        if data["urgency"] and data["urgency"] != current["urgency"]:
            changed["urgency"] = data["urgency"]
        if data["abusive"] != bool(current["abusive"]):
            changed["abusive"] = data["abusive"]
        return changed

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's ValidationError on the form, by field; a bad new topic is named on its own field."""
        for field, messages in getattr(error, "message_dict", {"__all__": error.messages}).items():
            name = field
            if field == "topics" and (self.cleaned_data.get("new_topic") or "").strip():
                name = "new_topic"
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class TryForm(forms.Form):
    text = forms.CharField(
        label=_("A customer's text"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("For example: the food arrived cold and late")}
        ),
    )
