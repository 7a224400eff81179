"""SMS part counts: GSM 7-bit 160/153, UCS-2 (any Persian text) 70/67, escapes and surrogates not split."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mehvar.channels.sms.segments import GSM_BASIC, sms_size


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "gsm7", 0, 0),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # an extension character takes two septets
        ("€" * 81, "gsm7", 162, 2),
        ("a" * 152 + "€" + "a" * 152, "gsm7", 306, 3),  # the escape pair is not split: 152 | 2+151 | 1
        ("س" * 70, "ucs2", 70, 1),
        ("س" * 71, "ucs2", 71, 2),
        ("س" * 134, "ucs2", 134, 2),
        ("س" * 135, "ucs2", 135, 3),
        ("سلام، سفارش ۱۲۳ شما ارسال شد.", "ucs2", 29, 1),
        ("Order 123 shipped" + "ی", "ucs2", 18, 1),  # one Persian letter makes the whole text UCS-2
        ("😀" * 35, "ucs2", 70, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, "ucs2", 72, 2),
        ("a" * 66 + "😀", "ucs2", 68, 1),  # an emoji makes the text UCS-2
    ],
)
def test_sizes(text, encoding, units, parts):
    size = sms_size(text)
    assert (size.encoding, size.units, size.parts) == (encoding, units, parts)


def test_the_last_part_of_a_split_pair_starts_a_new_part():
    # 66 units, then a pair: 66 + 2 > 67, so the pair starts part two
    assert sms_size("a" * 66 + "😀" + "b" * 66).parts == 3  # 66 | 2 + 65 | 1


@given(st.text(alphabet=sorted(GSM_BASIC), min_size=1, max_size=2000))
def test_plain_gsm_texts_follow_the_formula(text):
    size = sms_size(text)
    assert size.encoding == "gsm7" and size.units == len(text)
    assert size.parts == (1 if len(text) <= 160 else math.ceil(len(text) / 153))


@given(st.text(alphabet="ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی ۰۱۲۳۴۵۶۷۸۹،؟", min_size=1, max_size=2000))
def test_persian_texts_follow_the_formula(text):
    text = "س" + text
    size = sms_size(text)
    assert size.encoding == "ucs2" and size.units == len(text)
    assert size.parts == (1 if len(text) <= 70 else math.ceil(len(text) / 67))
