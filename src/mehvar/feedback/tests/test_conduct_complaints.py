"""A complaint about staff's conduct («پیک بی‌ادب بود») is not abuse by the rules; the same words said to
someone («تو بی‌ادبی») are (the inbox's list, read through ``abuse.guard_hits``)."""

import pytest

from mehvar.feedback.abuse import abuse_hits, guard_hits
from mehvar.feedback.analysis import feedback_analyze
from mehvar.feedback.storage import base_model_path

COMPLAINTS = [
    "پیک بی‌ادب بود",
    "کارمندتون خیلی بی ادب بود",
    "برخورد راننده بی‌تربیت بود",
    "کارمندتون بی‌سواد بود",
]


@pytest.mark.parametrize("text", COMPLAINTS)
def test_a_complaint_about_conduct_has_no_rule_hit(text):
    assert guard_hits(text) == []
    assert abuse_hits(text) == []


def test_the_rules_mark_only_the_conduct_word_said_to_someone():
    base_model_path().unlink()  # no model: the analysis answers by the rules alone
    texts = [*COMPLAINTS, "تو بی‌ادبی", "ای بی‌تربیت"]
    results = feedback_analyze(texts=texts)
    assert {r.model for r in results} == {"rules"}
    assert [r.abusive for r in results] == [False] * len(COMPLAINTS) + [True, True]
