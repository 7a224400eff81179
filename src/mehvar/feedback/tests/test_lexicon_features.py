"""Mehvar's sentiment lexicon as model features: entries read like texts, longest first, negation nearby."""

import numpy as np
import pytest

from mehvar.feedback.features import feature_text
from mehvar.feedback.lexicon_features import LEXICON_PATH, lexicon_fingerprint, lexicon_load

LEXICON = """# test lexicon
[positive]
عالی
خوب
مشکلی نداره
[negative]
افتضاح
بد
دیر رسید
[negator]
اصلا
نه
نبود
نداره
[intensifier]
خیلی
[contrast]
ولی
اما
"""


def counts(lexicon, text):
    return lexicon.counts(feature_text(text))


@pytest.fixture
def lexicon_file(tmp_path):
    """The small lexicon above, as a file."""
    path = tmp_path / "lexicon.txt"
    path.write_text(LEXICON, encoding="utf-8")
    return path


def test_entries_count_by_polarity_and_the_longest_entry_wins(lexicon_file):
    lexicon = lexicon_load(1.0, lexicon_file)
    assert counts(lexicon, "غذا عالی بود ولی دیر رسید") == [1, 1, 0, 0, 0, 1]
    assert counts(lexicon, "گوشی مشکلی نداره، خوبه؟ نه خیلی") == [1, 0, 0, 0, 1, 0]  # «خوبه» is not «خوب»
    assert counts(lexicon, "عاليييي 👍") == [1, 0, 0, 0, 1, 0]  # read through feature_text (ي, held letters)
    assert counts(lexicon, "هیچ چیز خاصی نیست") == [0, 0, 0, 0, 0, 0]


def test_a_negator_just_before_or_right_after_a_word_turns_it_round(lexicon_file):
    lexicon = lexicon_load(1.0, lexicon_file)
    assert counts(lexicon, "اصلا خوب بود") == [0, 0, 1, 0, 0, 1]
    assert counts(lexicon, "نه بد بود نه عالی") == [0, 0, 1, 1, 1, 1]
    assert counts(lexicon, "اصلا غذاش هم خوب بود") == [1, 0, 0, 0, 1, 0]  # three tokens before: not negated
    assert counts(lexicon, "غذا خوب نبود") == [0, 0, 1, 0, 0, 1]  # the negated copula after the adjective
    assert counts(lexicon, "بد رفتار نداره") == [0, 1, 0, 0, 0, 1]  # two tokens after: not negated


def test_the_conclusion_is_what_follows_the_last_contrast_word(lexicon_file):
    lexicon = lexicon_load(1.0, lexicon_file)
    assert counts(lexicon, "بد بود ولی عالی شد") == [1, 1, 0, 0, 1, 0]
    assert counts(lexicon, "خوب بود اما دیر رسید، ولی در کل عالی") == [2, 1, 0, 0, 1, 0]
    assert counts(lexicon, "عالی بود اما افتضاح نبود") == [1, 0, 0, 1, 1, 0]  # «not awful» concludes well


def test_the_matrix_is_log_counts_times_the_weight(lexicon_file):
    lexicon = lexicon_load(0.5, lexicon_file)
    matrix = lexicon.matrix([feature_text("عالی عالی افتضاح"), ""]).toarray()
    assert matrix.shape == (2, 6)
    assert np.allclose(matrix[0], 0.5 * np.log([3, 2, 1, 1, 3, 2]))
    assert not matrix[1].any()


def test_the_shipped_lexicon_loads_and_its_edit_changes_the_fingerprint(tmp_path):
    shipped = lexicon_load(0.5)
    assert len(shipped.positive) > 500 and len(shipped.negative) > 800
    assert not shipped.positive & shipped.negative
    assert counts(shipped, "واقعا عالی بود، ممنون")[0] >= 1
    assert counts(shipped, "افتضاح بود، پشیمونم")[1] >= 1
    copy = tmp_path / "lexicon.txt"
    copy.write_bytes(LEXICON_PATH.read_bytes())
    before = lexicon_fingerprint(copy)
    copy.write_text(copy.read_text(encoding="utf-8") + "\n[positive]\nمحشره\n", encoding="utf-8")
    assert lexicon_fingerprint(copy) != before
