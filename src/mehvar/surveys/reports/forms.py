"""The reports' filter form: the period (Jalali months), a survey, and one segment (channel, team or agent).

Bad values never break a report: the form says what is wrong, by field, and the report uses the defaults.
Persian digits in the query string are read as digits.
"""

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mehvar.core.jalali import month_name
from mehvar.core.models import Workspace
from mehvar.core.text import localize_digits, to_ascii_digits
from mehvar.surveys.reports import rollups
from mehvar.surveys.reports.selectors import (
    Filters,
    Segment,
    default_filters,
    report_surveys,
    segment_choices,
)
from mehvar.web.widgets import PlainSelect

MONTHS_OFFERED = 36
MAX_SPAN = 36  # months in one report


def month_choices(*, now: Any = None) -> list[tuple[str, str]]:
    """The last MONTHS_OFFERED Jalali months, newest first: ("140409", "آذر ۱۴۰۴")."""
    month = rollups.current_month(now)
    choices = []
    for _step in range(MONTHS_OFFERED):
        year = localize_digits(month // 100, "fa" if (get_language() or "fa").startswith("fa") else "en")
        choices.append((str(month), f"{month_name(month % 100)} {year}"))
        month = rollups.month_previous(month)
    return choices


def _month(value: str) -> int | None:
    text = to_ascii_digits(value or "").strip()
    if len(text) != 6 or not text.isdigit() or not 1 <= int(text[4:]) <= 12:
        return None
    return int(text)


class ReportFilterForm(forms.Form):
    start = forms.CharField(label=_("From"), required=False)
    end = forms.CharField(label=_("To"), required=False)
    survey = forms.TypedChoiceField(label=_("Survey"), required=False, coerce=int, empty_value=None)
    segment = forms.ChoiceField(label=_("Segment"), required=False)

    def __init__(
        self, data: QueryDict, *, workspace: Workspace, labels: dict[tuple[str, str], str] | None = None
    ) -> None:
        self.defaults = default_filters()
        values = {key: to_ascii_digits(value) for key, value in data.items() if key in self.base_fields}
        values.setdefault("start", str(self.defaults.first))
        values.setdefault("end", str(self.defaults.last))
        super().__init__(values)
        self.months = month_choices()
        for name in ("start", "end"):
            self.fields[name].widget = PlainSelect(choices=self.months)
        self.fields["survey"].widget = PlainSelect()
        self.surveys = report_surveys(workspace=workspace)
        self.fields["survey"].choices = [("", _("Every survey of the kind"))] + [
            (str(s.pk), f"{s.title_fa} ({s.get_kind_display()})") for s in self.surveys
        ]
        self.segments = segment_choices(workspace=workspace, labels=labels)
        titles = {"channel": _("Channel"), "team": _("Team"), "agent": _("Agent")}
        self.fields["segment"].choices = [("", _("Everyone"))] + [
            (titles[dimension], options) for dimension, options in self.segments if options
        ]

    def clean_start(self) -> int:
        return self._month_field("start", self.defaults.first)

    def clean_end(self) -> int:
        return self._month_field("end", self.defaults.last)

    def _month_field(self, name: str, default: int) -> int:
        raw = self.data.get(name, "")
        if not raw:
            return default
        month = _month(raw)
        if month is None:
            raise forms.ValidationError(_("Choose a month from the list (for example 140401)."))
        return month

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The last month must come after the first."))
            elif len(rollups.months_between(start, end)) > MAX_SPAN:
                self.add_error("end", _("A report covers at most 36 months."))
        return cleaned

    def filters(self) -> Filters:
        """The filters to use: what was chosen where valid, the defaults elsewhere."""
        if not self.is_valid():
            valid = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
            if "end" in self.errors or "start" in self.errors:
                valid.pop("start", None)
                valid.pop("end", None)
        else:
            valid = self.cleaned_data
        try:
            segment = Segment.parse(valid.get("segment") or "")
        except ValueError:
            segment = Segment()
        return Filters(
            first=valid.get("start") or self.defaults.first,
            last=valid.get("end") or self.defaults.last,
            survey_id=valid.get("survey"),
            segment=segment,
        )
