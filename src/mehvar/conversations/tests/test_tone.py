"""The tone check before an agent's reply: insults, profanity, threats and dismissive phrases, in Persian,
through letter variants, ZWNJ, kashida, presentation forms, spaced, dotted and repeated letters."""

import pytest
from django.utils import translation

from mehvar.conversations.tone import (
    DISMISSIVE,
    RUDE_PHRASES_PATH,
    SOURCE_PHRASES,
    SOURCE_WORD_LIST,
    abuse_findings,
    merged_spans,
    reply_tone_check,
    rude_phrases,
)

CLEAN = [
    "سلام، سفارش شما فردا ارسال می‌شود.",
    "ببخشید بابت تأخیر؛ کد پیگیری ۱۲۳۴۵ است.",
    "تخم مرغ و هویج موجود است.",
    "هر کس سفارش داده باشد پیامک می‌گیرد.",
    "زباله‌های بسته‌بندی را جدا کنید.",
    "متوجه نشدم، نفهمیدم کدام سفارش را می‌گویید؟",
    "Thank you, your class starts at 9.",
    "",
]


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_replies_pass(text):
    assert reply_tone_check(text) == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("تو واقعا بی‌شعوری", "insult"),  # ZWNJ and a suffix
        ("بيشعور", "insult"),  # Arabic yeh
        ("بی شعور", "insult"),  # a space instead of the ZWNJ
        ("ب ی ش ع و ر", "insult"),  # spaced letters
        ("احمـــق", "insult"),  # kashida
        ("احمقققق", "insult"),  # a held key
        ("اﺣﻤﻖ", "insult"),  # presentation forms copied from a PDF
        ("آدم نفهم", "insult"),
        ("خفه‌شو", "harassment"),  # a phrase written with a ZWNJ
        ("خفه شو", "harassment"),
        ("برو گمشو دیگه", "harassment"),
        ("ك.ی.ر", "sexual"),  # Arabic kaf and dots
        ("مشکل خودته", DISMISSIVE),
        ("مشکل‌خودته", DISMISSIVE),
        ("به من چه، برو شکایت کن", DISMISSIVE),
        ("مگه كوري؟", DISMISSIVE),
    ],
)
def test_rude_replies_are_found(text, category):
    problems = reply_tone_check(text)
    assert problems, text
    assert problems[0].category == category
    found = problems[0]
    assert text[found.start : found.end] == found.excerpt


def test_a_problem_says_what_and_where_in_words():
    text = "سلام. به من چه که دیر رسیده، احمق!"
    with translation.override("en"):
        problems = reply_tone_check(text)
        assert [(p.category, p.excerpt, p.source) for p in problems] == [
            (DISMISSIVE, "به من چه", SOURCE_PHRASES),
            ("insult", "احمق", SOURCE_PHRASES),
        ]
        assert problems[0].label == "Dismissive or rude phrase" and problems[1].label == "Insult"
    bundled = reply_tone_check("kos nanat")
    assert bundled[0].source == SOURCE_WORD_LIST and bundled[0].evasion == ("splitWord",)


def test_every_entry_of_the_rude_phrases_list_is_found():
    words = rude_phrases()
    assert len(words) > 100
    assert RUDE_PHRASES_PATH.read_text(encoding="utf-8").startswith("#")
    for word in words:
        problems = reply_tone_check(f"سلام {word.text} خداحافظ")
        assert problems, word.text
        joined = "".join(word.text.split())
        assert reply_tone_check(joined), joined


def test_abuse_screening_leaves_dismissive_phrases_to_the_tone_check():
    assert abuse_findings("به من چه، مشکل خودتونه") == []
    assert [f.category for f in abuse_findings("خفه شو احمق")] == ["harassment", "insult"]


def test_only_text_is_read():
    with pytest.raises(TypeError):
        reply_tone_check(b"bytes")  # type: ignore[arg-type]
    assert reply_tone_check(None) == []


def test_spans_merge_for_masking():
    assert merged_spans([(5, 8), (0, 2), (7, 10), (10, 12)]) == [(0, 2), (5, 12)]
