"""Rude words and phrases in a text, found through the usual disguises: the tone check and abuse screening.

Three lists are read together:

* persian-text-guard's bundled Persian/Finglish/English list without its "mild" part (profanity, sexual
  words, insults, slurs, harassment). Its mild words are left out on purpose: «هویج», «زباله», «میکروب»
  are ordinary words in a shop's conversations.
* Mehvar's customer-service list, ``data/rude_phrases_fa.txt``: insults and threats people write to each
  other in support conversations, and dismissive phrases («به من چه», «مشکل خودته») that an agent must not
  write to a customer (category "mild" in the file, "dismissive" here).
* Words for someone's conduct, ``data/conduct_words_fa.txt`` («بی‌ادب», «بی‌تربیت», «بی‌سواد»...): customers
  report bad service with them («پیک بی‌ادب بود»), so in a customer's message they count only when said to
  someone, in the forms ``ADDRESSED_FORMS`` makes of each («ای بی‌ادب», «تو بی‌ادبی», «شما بی‌سوادید»); in an
  agent's reply they are insults in any form. The addressed forms are phrases of the list like any other,
  read through the same disguises.

persian-text-guard normalises before matching (Arabic ي/ك, ZWNJ, digits, diacritics, kashida) and reads
through spaced, dotted and repeated letters and look-alike characters, so «ب ی ش ع و ر», «بیییشعور» and
«بيشعور» are all found. A phrase written with spaces («خفه شو») is also found written together or with a
ZWNJ («خفه‌شو»): each multi-word entry gets its joined form when the filters are built.

``reply_tone_check`` (agents' replies, before sending) uses every category and the conduct words as they
stand; ``abuse_findings`` (customers' messages, ``conversations.abuse``) leaves the dismissive phrases out (an
upset customer may say «به من چه») and reads the conduct words only in their addressed forms.
The filters are built once per process (about 35 ms) and are safe to share between threads.

Plain Persian text is read without look-alike folding. Folding reads digits, symbols, Cyrillic and accented
letters as the Latin letters they imitate and lets a symbol inside a word stand for a letter; it is about
a third of a scan. On text made only of Persian letters, spaces, numbers standing on their own and
punctuation between words («خیلی خوب بود، ممنون!» has none of what it reads) folding changes nothing: the
folded reading is the text itself and no word has a symbol inside it. ``plain_persian`` tells such text
(a conservative test: anything else gets the full reading), and ``test_tone.py`` checks on every entry of
the lists, disguised every way, and on the feedback corpus that the two readings find the same.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from persian_text_guard import (
    BannedWord,
    ProfanityFilter,
    ProfanityFilterOptions,
    ProfanityMatch,
    WordCategory,
    WordList,
    WordMatchMode,
)

RUDE_PHRASES_PATH = Path(__file__).parent / "data" / "rude_phrases_fa.txt"
CONDUCT_WORDS_PATH = Path(__file__).parent / "data" / "conduct_words_fa.txt"

# A conduct word said to someone ("{}" is the word): only these forms are abuse in a customer's message.
# Calling someone it, «تو» before it, "you are" after it. «شما» alone is not a frame: «پیک شما بی‌ادب بود».
ADDRESSED_FORMS = (
    "ای {}",
    "آدم {}",
    "تو {}",
    "تو {}ی",
    "تو خیلی {}ی",
    "تو واقعا {}ی",
    "{}ید",
    "{}ین",
    "{} هستی",
    "{} هستید",
    "{} هستین",
)

DISMISSIVE = "dismissive"
CATEGORY_LABELS = {
    "profanity": _("Profanity"),
    "sexual": _("Sexual language"),
    "insult": _("Insult"),
    "slur": _("Slur"),
    "harassment": _("Threat or harassment"),
    DISMISSIVE: _("Dismissive or rude phrase"),
    "uncategorized": _("Inappropriate word"),
}
# Most serious first: when two entries cover the same words, the finding keeps the more serious category.
SEVERITY = ("slur", "harassment", "insult", "sexual", "profanity", DISMISSIVE, "uncategorized")

SOURCE_WORD_LIST = "word_list"  # persian-text-guard's bundled list
SOURCE_PHRASES = "rude_phrases"  # Mehvar's lists: data/rude_phrases_fa.txt, data/conduct_words_fa.txt


@dataclass(frozen=True)
class Finding:
    """One rude word or phrase in a text: ``text[start:start + length]`` is what was written."""

    category: str
    source: str
    start: int
    length: int
    excerpt: str
    evasion: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, CATEGORY_LABELS["uncategorized"]))

    @property
    def end(self) -> int:
        return self.start + self.length


def _category(word: BannedWord) -> str:
    return DISMISSIVE if word.category == WordCategory.MILD else word.category.value


def _with_joined_forms(words: tuple[BannedWord, ...]) -> list[BannedWord]:
    """Each entry, plus its spaces-removed form for phrases (what a ZWNJ or no space between words gives)."""
    out = list(words)
    known = {w.text for w in words}
    for word in words:
        joined = "".join(word.text.split())
        if joined != word.text and joined not in known:
            known.add(joined)
            out.append(BannedWord(joined, word.mode, word.category))
    return out


@functools.cache
def rude_phrases() -> tuple[BannedWord, ...]:
    """The customer-service list (``data/rude_phrases_fa.txt``) as persian-text-guard entries."""
    return WordList.load(RUDE_PHRASES_PATH)


@functools.cache
def conduct_words() -> tuple[BannedWord, ...]:
    """Words for someone's conduct (``data/conduct_words_fa.txt``), as they stand: for agents' replies."""
    return WordList.load(CONDUCT_WORDS_PATH)


@functools.cache
def addressed_conduct() -> tuple[BannedWord, ...]:
    """Each conduct word in each of ``ADDRESSED_FORMS``, spelled apart and together, as insults."""
    texts: dict[str, None] = {}
    for word in conduct_words():
        for spelling in (word.text, "".join(word.text.split())):
            # After a final «ه» the "you are" endings take an alef: «بی عرضه» + «ید» is «بی عرضه‌اید».
            stem = spelling + "ا" if spelling.endswith("ه") else spelling
            for form in ADDRESSED_FORMS:
                texts[form.replace("{}ی", stem + "ی").replace("{}", spelling)] = None
    return tuple(BannedWord(text, WordMatchMode.WHOLE_WORD, WordCategory.INSULT) for text in texts)


_LETTERS = "\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc"
_DIGITS = "0-9\u0660-\u0669\u06f0-\u06f9"
# Punctuation the library reads as the end of a word. «!» is also read as the letter "i": beside Persian
# letters or digits that makes no entry of either list (tested); «@», «$», «|» are left to the full reading.
_BREAKS = "!.,\u060c\u061b:\u061f?()\u00ab\u00bb\"'\\-"
_PLAIN_CHARACTERS = re.compile(f"[{_LETTERS}{_DIGITS}{_BREAKS} \t\n\r\u200c]*")
# A digit touching a letter may be read as one («ک1ر»); punctuation inside a word may stand for one («ک.ر»).
_INSIDE_A_WORD = re.compile(
    f"[{_LETTERS}][{_DIGITS}]|[{_DIGITS}][{_LETTERS}]|[{_LETTERS}{_DIGITS}][{_BREAKS}]+[{_LETTERS}{_DIGITS}]"
)


def plain_persian(text: str) -> bool:
    """Whether look-alike folding cannot change what is found in ``text`` (see the module docstring)."""
    if _PLAIN_CHARACTERS.fullmatch(text) is None:
        return False
    return _INSIDE_A_WORD.search(text.replace("\u200c", "")) is None


@functools.cache
def _filter(*, dismissive: bool, fold: bool = True) -> tuple[ProfanityFilter, frozenset[int]]:
    """The filter, and the ids of the entries that came from our own lists (to tell the source).

    ``dismissive`` is the agents' reading: dismissive phrases, and conduct words in any form.
    """
    conduct = (*conduct_words(), *addressed_conduct()) if dismissive else addressed_conduct()
    ours = [w for w in _with_joined_forms(rude_phrases()) if dismissive or w.category != WordCategory.MILD]
    ours += _with_joined_forms(conduct)
    bundled = _with_joined_forms(WordList.persian_default())
    options = ProfanityFilterOptions(fold_lookalike_characters=fold)
    return ProfanityFilter([*bundled, *ours], options), frozenset(id(w) for w in ours)


def _findings(text: str, *, dismissive: bool, fold: bool | None = None) -> list[Finding]:
    if not text:
        return []
    guard, ours = _filter(dismissive=dismissive, fold=not plain_persian(text) if fold is None else fold)
    by_span: dict[tuple[int, int], Finding] = {}
    match: ProfanityMatch
    for match in guard.find_matches(text):
        finding = Finding(
            category=_category(match.word),
            source=SOURCE_PHRASES if id(match.word) in ours else SOURCE_WORD_LIST,
            start=match.index,
            length=match.length,
            excerpt=text[match.index : match.index + match.length],
            evasion=tuple(e.value for e in match.evasion),
        )
        span = (finding.start, finding.length)
        kept = by_span.get(span)
        if kept is None or _rank(finding.category) < _rank(kept.category):
            by_span[span] = finding
    return sorted(by_span.values(), key=lambda f: (f.start, -f.length))


def _rank(category: str) -> int:
    return SEVERITY.index(category) if category in SEVERITY else len(SEVERITY)


def reply_tone_check(text: str | None) -> list[Finding]:
    """Problems in an agent's reply before it is sent: insults, profanity, threats, dismissive phrases.

    Empty when the reply is fine. The inbox shows each problem (``label``, ``excerpt``) and lets the agent
    edit or send anyway; nothing here blocks sending.
    """
    if text is not None and not isinstance(text, str):
        raise TypeError("the tone check reads text")
    return _findings(text or "", dismissive=True)


def abuse_findings(text: str | None) -> list[Finding]:
    """Abuse in a customer's message: what the tone check finds, except the dismissive phrases and the
    conduct words that are not said to someone («پیک بی‌ادب بود» is a complaint, «تو بی‌ادبی» is not)."""
    if text is not None and not isinstance(text, str):
        raise TypeError("abuse screening reads text")
    return _findings(text or "", dismissive=False)


def merged_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) spans sorted and merged where they overlap or touch, for masking."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
