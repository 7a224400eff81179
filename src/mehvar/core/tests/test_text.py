import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mehvar.core.text import (
    ZWNJ,
    localize_digits,
    normalize_text,
    search_key,
    to_ascii_digits,
    to_persian_digits,
)

LRM, RLM, ZWJ, BOM, NBSP, KASHIDA = "\u200e", "\u200f", "\u200d", "\ufeff", "\u00a0", "\u0640"

NORMALIZE_CASES = [
    # letters
    ("علي", "علی"),
    ("مصطفى", "مصطفی"),
    ("كتاب", "کتاب"),
    ("ڪتاب", "کتاب"),
    ("ھمه", "همه"),
    ("ﻛﺘﺎﺏ", "کتاب"),  # Arabic presentation forms (copied from a PDF)
    ("ﻻ", "لا"),
    # kept spellings: ۀ ئ ة أ آ ؤ
    ("خانۀ ما", "خانۀ ما"),
    ("خانه\u0654 ما", "خانۀ ما"),  # heh + combining hamza → ۀ
    ("ي\u0654", "ئ"),  # Arabic yeh + hamza (NFC) → ئ
    ("ی\u0654", "ئ"),  # Persian yeh + hamza → ئ
    ("ا\u0653ب", "آب"),  # alef + madda → آ
    ("رئیس", "رئیس"),
    ("مسأله", "مسأله"),
    ("فاطمة", "فاطمة"),
    ("مؤمن", "مؤمن"),
    # digits
    ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
    ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
    ("۱۲٫۵", "12.5"),
    ("۱٬۲۳۴", "1,234"),
    # diacritics
    ("مُحَمَّد", "محمد"),
    ("كِتَابٌ", "کتاب"),
    ("شُكْرًا", "شکرا"),
    ("رحمٰن", "رحمن"),  # superscript alef
    ("صلى الله عليه وسلم\u0610", "صلی الله علیه وسلم"),
    # kashida
    ("ســـلام", "سلام"),
    ("سلام" + KASHIDA, "سلام"),
    # bidi and format marks
    (LRM + "سلام" + RLM, "سلام"),
    ("\u202bسلام\u202c", "سلام"),
    ("\u202aabc\u202c \u202ddef\u202e", "abc def"),
    ("\u2066۰۹۱۲\u2069", "0912"),
    ("\u2067x\u2069\u2068y\u2069", "xy"),
    ("سل" + ZWJ + "ام", "سلام"),
    (BOM + "سلام", "سلام"),
    ("\u061cسلام", "سلام"),
    ("a\u200bb", "ab"),
    ("soft\u00adhyphen", "softhyphen"),
    # ZWNJ
    ("می" + ZWNJ + "روم", "می" + ZWNJ + "روم"),
    ("می" + ZWNJ * 3 + "روم", "می" + ZWNJ + "روم"),
    (ZWNJ + "سلام" + ZWNJ, "سلام"),
    ("سلام" + ZWNJ + " دنیا", "سلام دنیا"),
    ("سلام " + ZWNJ + "دنیا", "سلام دنیا"),
    ("سلام" + ZWNJ + "!", "سلام!"),
    ("۱۲" + ZWNJ + "۳", "123"),
    ("کتاب" + ZWNJ + KASHIDA + ZWNJ + "ها", "کتاب" + ZWNJ + "ها"),
    # spaces
    ("  سلام   دنیا  ", "سلام دنیا"),
    ("سلام" + NBSP + "دنیا", "سلام دنیا"),
    ("a\u2009b\u202fc\u3000d\u2003e", "a b c d e"),
    ("a\tb\nc\r\nd", "a b c d"),
    # mixed, empty
    ("", ""),
    ("   ", ""),
    (LRM + ZWNJ + KASHIDA, ""),
    ("Hello World", "Hello World"),
    ("café", "café"),
    ("cafe\u0301", "café"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def test_normalize_none():
    assert normalize_text(None) == ""


def test_multiline_keeps_paragraphs():
    raw = "سلام\u00a0 دوست\u200c\r\n\r\n\r\n\r\nخداحافظ  \n"
    assert normalize_text(raw, multiline=True) == "سلام دوست\n\nخداحافظ"


def test_multiline_single_newline_kept():
    assert normalize_text("یک\nدو", multiline=True) == "یک\nدو"
    assert normalize_text("یک\nدو") == "یک دو"


SEARCH_CASES = [
    ("علي رضائي", "علی رضایی"),
    ("علی‌رضایی", "علی رضایی"),
    ("علی" + ZWNJ + "رضا", "علیرضا"),
    ("مسئله", "مسیله"),
    ("مسأله", "مساله"),
    ("آرش", "ارش"),
    ("إبراهيم", "ابراهیم"),
    ("مؤمن", "مومن"),
    ("فاطمة", "فاطمه"),
    ("خانۀ", "خانه"),
    ("كتابخانه", "کتاب خانه"),
    ("مُحَمَّد", "محمد"),
    ("ســـارا", "سارا"),
    ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "09123456789"),
    ("٠٩١٢", "0912"),
    ("Ali REZAEI", "ali rezaei"),
    ("ＡＢＣ", "abc"),  # full-width Latin (NFKC)
    ("Straße", "strasse"),
    (LRM + "نام" + RLM, "نام"),
]


@pytest.mark.parametrize(("a", "b"), SEARCH_CASES)
def test_search_key_equates_variants(a, b):
    assert search_key(a) == search_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("علی", "علا"),
        ("رضا", "رضی"),
        ("کتاب", "کباب"),
        ("ali@example.com", "ali.example.com"),
        ("0912", "0913"),
        ("café", "cafe"),
    ],
)
def test_search_key_keeps_real_differences(a, b):
    assert search_key(a) != search_key(b)


def test_search_key_values():
    assert search_key("  علي رضائي  ") == "علیرضایی"
    assert search_key("Ali Rezaei") == "alirezaei"
    assert search_key(None) == ""
    assert search_key("") == ""


DIGIT_CASES = [
    ("۱۲۳", "123", "۱۲۳"),
    ("١٢٣", "123", "۱۲۳"),
    ("123", "123", "۱۲۳"),
    ("a1b۲c٣", "a1b2c3", "a۱b۲c۳"),
    ("", "", ""),
    ("بدون عدد", "بدون عدد", "بدون عدد"),
]


@pytest.mark.parametrize(("raw", "ascii_", "persian"), DIGIT_CASES)
def test_digit_converters(raw, ascii_, persian):
    assert to_ascii_digits(raw) == ascii_
    assert to_persian_digits(raw) == persian


def test_digit_converters_take_numbers():
    assert to_persian_digits(2025) == "۲۰۲۵"
    assert to_ascii_digits(7) == "7"
    assert localize_digits(12, "fa") == "۱۲"
    assert localize_digits("۱۲", "en") == "12"


# --- properties ----------------------------------------------------------------------------------------

PERSIAN_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآئ"
MARKS = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670"]
NOISE = [ZWNJ, KASHIDA, *MARKS]

persian_word = st.text(alphabet=PERSIAN_LETTERS, min_size=1, max_size=12)
anything = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            PERSIAN_LETTERS
            + "يىكةۀأإؤ٠١٢۳۴0123456789abcXYZ .,!؟،-"
            + "".join(NOISE)
            + LRM
            + RLM
            + ZWJ
            + BOM
            + NBSP
            + "\u0654\u0653\u0301\t\n\u2009"
        ),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(anything)
def test_normalize_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert normalize_text(once, multiline=True) == normalize_text(
        normalize_text(once, multiline=True), multiline=True
    )


@settings(max_examples=300, deadline=None)
@given(anything)
def test_search_key_is_idempotent_and_spaceless(text):
    key = search_key(text)
    assert search_key(key) == key
    assert " " not in key and ZWNJ not in key


@settings(max_examples=300, deadline=None)
@given(anything)
def test_normalized_text_has_no_noise(text):
    out = normalize_text(text)
    assert not any(ch in out for ch in (LRM, RLM, ZWJ, BOM, KASHIDA, NBSP, "\u0640", "\u064b", "\u0651"))
    assert not any("\u06f0" <= ch <= "\u06f9" or "\u0660" <= ch <= "\u0669" for ch in out)
    assert "ي" not in out and "ك" not in out
    assert out == out.strip()
    assert "  " not in out
    assert unicodedata.is_normalized("NFC", out)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(persian_word, min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(NOISE)), max_size=6),
)
def test_search_key_ignores_inserted_noise(words, insertions):
    clean = " ".join(words)
    noisy = list(clean)
    for position, mark in insertions:
        noisy.insert(position % (len(noisy) + 1), mark)
    assert search_key("".join(noisy)) == search_key(clean)


@settings(max_examples=200, deadline=None)
@given(st.lists(persian_word, min_size=1, max_size=4), st.sampled_from([" ", ZWNJ, "", "  ", NBSP]))
def test_search_key_ignores_how_words_are_joined(words, joiner):
    assert search_key(joiner.join(words)) == search_key("".join(words))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_digits_round_trip(number):
    assert to_ascii_digits(to_persian_digits(number)) == str(number)
    assert search_key(to_persian_digits(number)) == str(number)
