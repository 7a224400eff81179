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
    addressed_conduct,
    conduct_words,
    merged_spans,
    plain_persian,
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


# Customers report bad service with words for conduct; from a customer they are abuse only said to someone.
CONDUCT_COMPLAINTS = [
    "پیک بی‌ادب بود",
    "کارمندتون خیلی بی ادب بود",
    "کارمندتون بی‌سواد بود",
    "برخورد راننده بی‌تربیت بود",
    "پیک شما بی‌ادب بود و بسته را پرت کرد",  # «شما» before it, but a complaint
    "پشتیبانی واقعا بی‌عرضه است",
    "مدیر فروشگاه بی‌لیاقت بود",
    "فروشنده خیلی بی‌شخصیت برخورد کرد",
    "رفتار پیک بيفرهنگ بود",  # Arabic yeh, written together
    "از بی‌لیاقتی مدیرتون خسته شدم",
]


@pytest.mark.parametrize("text", CONDUCT_COMPLAINTS)
def test_a_complaint_about_conduct_is_not_abuse(text):
    assert abuse_findings(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "ای بی‌ادب",
        "آدم بی‌تربیت!",
        "تو بی‌ادبی",
        "تو خیلی بی ادبی",
        "شما بی‌سوادید",
        "بی‌لیاقتین همتون",
        "شما بی‌عرضه‌اید",  # the ending after a final «ه»
        "بی‌شخصیت هستید",
        "تو بیییی‌ادبی",  # a held key
        "اي بي‌فرهنگ",  # Arabic yeh
    ],
)
def test_a_conduct_word_said_to_someone_is_abuse(text):
    found = abuse_findings(text)
    assert [f.category for f in found] == ["insult"], text
    assert found[0].source == SOURCE_PHRASES
    if text.startswith("تو "):
        assert found[0].excerpt.startswith("تو ")  # the frame is masked with the word


def test_agents_are_warned_of_conduct_words_in_any_form():
    words = conduct_words()
    assert len(words) >= 7 and len(addressed_conduct()) > 10 * len(words)
    for word in words:
        for spelling in (word.text, word.text.replace(" ", "\u200c"), word.text.replace(" ", "")):
            text = f"پیک {spelling} بود"
            assert abuse_findings(text) == [], text
            assert [f.category for f in reply_tone_check(text)] == ["insult"], text
    assert reply_tone_check("از بی‌لیاقتی مدیرتون خسته شدم")[0].category == DISMISSIVE


@pytest.mark.parametrize(
    "text", ["پیک بیشعور بود", "کارمندتون احمق بود", "اپراتور نفهم بود", "پشتیبان عوضی", "پیک الاغ بود"]
)
def test_strong_insults_are_abuse_in_every_frame(text):
    assert [f.category for f in abuse_findings(text)] == ["insult"]


def test_only_text_is_read():
    with pytest.raises(TypeError):
        reply_tone_check(b"bytes")  # type: ignore[arg-type]
    assert reply_tone_check(None) == []


def test_spans_merge_for_masking():
    assert merged_spans([(5, 8), (0, 2), (7, 10), (10, 12)]) == [(0, 2), (5, 12)]


# Plain Persian is read without look-alike folding (tone's module docstring): the same findings, less work.
PLAIN = [
    "خیلی خوب بود، ممنون!",
    "سفارش ۱۲۳۴۵ دیروز رسید (با تأخیر).",
    "«پیک» گفت: فردا - ساعت ۵",
    "کتاب‌ها رسیدند؟",
    "ب ی ش ع و ر",
    "احمقققق",
]
NOT_PLAIN = [
    "k0s",  # Latin
    "ک1ر",  # a digit inside a word
    "۵تا پیتزا",  # a digit touching a word
    "ج.نده",  # punctuation inside a word
    "ک*ر",  # a symbol
    "خوب 👍",  # an emoji
    "احمـــق",  # kashida
    "اﺣﻤﻖ",  # presentation forms
    "بَد",  # a diacritic
    "کирا",  # Cyrillic
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_persian_is_told(text):
    assert plain_persian(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_text_folding_could_change_gets_the_full_reading(text):
    assert not plain_persian(text)


def _disguises(entry: str) -> list[str]:
    """An entry as people write it: alone, with endings, in a sentence, spaced, held, split, with a ZWNJ."""
    joined = entry.replace(" ", "")
    middle = len(joined) // 2
    return [
        entry,
        f"{entry}ها",
        f"{entry}تون",
        f"تو واقعا {entry} هستی!",
        f"«{entry}»، گفتم.",
        " ".join(joined),
        joined[:middle] + joined[middle] * 3 + joined[middle + 1 :],
        f"{joined[:middle]} {joined[middle:]}",
        f"{joined[:middle]}\u200c{joined[middle:]}",
        f"{entry} ۱۲ بار!!",
    ]


def _entries() -> list[str]:
    from persian_text_guard import WordList

    ours = (*rude_phrases(), *conduct_words(), *addressed_conduct())
    return [w.text for w in (*WordList.persian_default(), *ours)]


def test_plain_persian_is_found_the_same_with_or_without_folding():
    from mehvar.conversations.tone import _findings
    from mehvar.feedback.corpus import corpus_examples

    texts = [form for entry in _entries() for form in _disguises(entry)]
    texts += [example.text for example in corpus_examples()]
    plain = [text for text in texts if plain_persian(text)]
    assert len(plain) > 10_000
    found = 0
    for text in plain:
        for dismissive in (True, False):
            folded = _findings(text, dismissive=dismissive, fold=True)
            assert _findings(text, dismissive=dismissive, fold=False) == folded, text
            found += bool(folded)
    assert found > 1_000  # the disguised entries are found: the comparison is not between two empty lists


def test_no_entry_could_match_the_letter_an_exclamation_mark_folds_to():
    # Folding reads «!» as "i": on plain text that only adds an "i" to Persian words or numbers, which no
    # entry of either list can match.
    import re

    from mehvar.conversations.tone import _filter

    state = _filter(dismissive=True)[0]._state
    keys = [*state.words, *(t for group in state.phrases.values() for p in group for t in p.tokens)]
    keys += [key.text for key in state.anywhere]
    assert keys
    assert [k for k in keys if "i" in k and re.fullmatch(r"[i\u0600-\u06ff0-9]+", k)] == []
