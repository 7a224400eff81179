import re

from django import forms

from mehvar.web.widgets import PlainSelect

CHOICES = [("", "—"), ("none", "هیچ‌کس"), ("7", "<b>علی</b> & رضا"), ("12", "سارا")]


def _options(html: str) -> list[tuple[str, bool, str]]:
    found = re.findall(r'<option value="([^"]*)"( selected)?>(.*?)</option>', html)
    return [(value, bool(selected), label) for value, selected, label in found]


def test_plain_select_renders_what_djangos_select_renders():
    attrs = {"id": "id_assignee", "aria-invalid": "true"}
    ours = PlainSelect(choices=CHOICES).render("assignee", "7", attrs)
    django = forms.Select(choices=CHOICES).render("assignee", "7", attrs)
    assert _options(ours) == _options(django)
    assert ("7", True, "&lt;b&gt;علی&lt;/b&gt; &amp; رضا") in _options(ours)  # labels escaped
    assert ours.startswith('<select aria-invalid="true" id="id_assignee" name="assignee">')


def test_plain_select_in_a_bound_form_keeps_the_choice_and_marks_errors():
    class Form(forms.Form):
        who = forms.ChoiceField(choices=CHOICES, widget=PlainSelect)

    bound = Form({"who": "12"})
    assert bound.is_valid()
    assert [v for v, selected, _label in _options(str(bound["who"])) if selected] == ["12"]
    wrong = Form({"who": "99"})
    assert not wrong.is_valid()
    assert 'aria-invalid="true"' in str(wrong["who"])
