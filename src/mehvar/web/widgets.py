"""Widgets shared by the pages' forms."""

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class PlainSelect(forms.Select):
    """A ``<select>`` of flat choices rendered in Python.

    Django renders every ``<option>`` through a template; on a page that must answer in a few milliseconds
    (the inbox queue, whose filters list every agent) that is most of the form's cost. Same markup, same
    attributes (id, aria-invalid, aria-describedby from the bound field); no option groups.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> str:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            "<option value=\"{}\"{}>{}</option>",
            (
                (str(key), mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)
