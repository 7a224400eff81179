"""Abuse in a customer's text: the profanity lexicon, persian-text-guard, and (in ``analysis``) the model.

Two rule sources are read here; the analyzer adds the model's ``abusive`` head on top (any of the three
flags a text):

* ``lexicon``: the persian_swear_words lexicon (Apache-2.0, ``data/persian_swear_words``, see NOTICE.txt),
  read through Mehvar's ``data/abuse_context.txt``: entries that are ordinary words are ignored, animal
  names and the like count only in an insulting frame, and phrases such as «گوشت گاو» or «سطل آشغال» are
  allowed. Matching is by normalised whole words and phrases, never substrings, so «کسب», «کسی» and
  «پشتیبانی» are never hits. A word may carry the spoken plural or person endings («احمقا», «بی‌شعورید») when
  it is at least four letters long. Disguises are read through: ZWNJ or kashida inside a word («اح‌مق»),
  letters held down («احمققق»), letters separated by dots, dashes or stars («ا.ح.م.ق») or by spaces
  («ب ی ش ع و ر»), Arabic ي/ك and diacritics.
* ``guard``: persian-text-guard with the inbox's customer-service list, through
  ``mehvar.conversations.tone.abuse_findings`` (reused as it is: obfuscation-aware, Finglish, look-alike
  letters). It misses common insults such as «احمق» in some spellings, which the lexicon has; hence both.

``abuse_hits`` is the shared detector other modules may call; it never raises on odd input.
"""

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from mehvar.core.text import normalize_text
from mehvar.feedback.word_lists import read_sections

DATA_DIR = Path(__file__).parent / "data"
LEXICON_PATH = DATA_DIR / "persian_swear_words" / "data.json"
CONTEXT_PATH = DATA_DIR / "abuse_context.txt"

SOURCE_LEXICON = "lexicon"
SOURCE_GUARD = "guard"
SOURCE_MODEL = "model"

# Endings a lexicon word may carry when it is at least MIN_STEM letters long: plural, spoken plural,
# "you are", "is", possessives.
SUFFIXES = ("هایی", "های", "ها", "ای", "ا", "ید", "ین", "یه", "ی", "ه", "تون", "تان", "شون", "ت", "ش")
MIN_STEM = 4
# Endings that make a [context] word an insult by themselves: the spoken plural and "you are" (plural).
CONTEXT_SUFFIXES = ("ا", "ای", "ید", "ین")
FRAME_WORDS = frozenset({"ای", "مثل", "عین", "مشت"})
POSSESSIVE = ("هاتون", "اتون", "تون", "تان", "شون", "های", "ای", "ی", "ت", "ش")

_FOLDS = str.maketrans(
    {"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0626": "\u06cc", "\u0629": "\u0647"}
    | {"\u06c0": "\u0647", "\u0624": "\u0648", "\u200c": ""}
)
_SEPARATED = re.compile(r"(?<![^\W\d_])[^\W\d_](?:[.\-_*•·/]+[^\W\d_])+(?![^\W\d_])")
_WORD = re.compile(r"[^\W\d_]+")
_HELD = re.compile(r"(\w)\1{2,}")


@dataclass(frozen=True)
class AbuseHit:
    """One reason a text is abusive: which source found it, and the words."""

    source: str
    term: str


@dataclass(frozen=True)
class Lexicon:
    forms: dict[str, str]  # every word form that is a hit wherever it stands (with its endings) → entry
    phrases: frozenset[str]  # strong entries that may be written as several words, joined
    phrase_starts: frozenset[str]  # every beginning of those, to try a phrase only where one may start
    context_forms: dict[str, str]  # [context] entries with the endings that make them insults → entry
    context: frozenset[str]
    allow: tuple[tuple[str, ...], ...]  # phrases as word keys
    persons: frozenset[str]
    longest: int  # most words in an entry


def _key(word: str) -> str:
    return normalize_text(word).casefold().translate(_FOLDS)


@functools.cache
def lexicon() -> Lexicon:
    """The lexicon as Mehvar reads it (built once per process, about 5 ms)."""
    entries = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))["word"]
    sections = read_sections(CONTEXT_PATH)
    ignore = {"".join(_key(e).split()) for e in sections.get("ignore", [])}
    context = {"".join(_key(e).split()) for e in sections.get("context", [])}
    forms: dict[str, str] = {}
    phrases: set[str] = set()
    longest = 1
    for entry in [*entries, *sections.get("extra", [])]:
        words = _key(entry).split()
        joined = "".join(words)
        longest = max(longest, len(words))
        if not joined or joined in ignore or joined in context:
            continue
        forms.setdefault(joined, joined)
        if len(joined) >= MIN_STEM:
            for suffix in SUFFIXES:
                forms.setdefault(joined + suffix, joined)
        if len(words) > 1 or len(joined) >= 5:
            phrases.add(joined)
    context_forms: dict[str, str] = {}
    for entry in context:
        for suffix in CONTEXT_SUFFIXES:
            if len(entry) >= MIN_STEM or suffix == "ا":  # «خرا», but never «خر» + «ید» (= «خرید»)
                context_forms[entry + suffix] = entry
    for form in list(context_forms):  # a form that is itself a lexicon word keeps that reading
        if form in forms:
            del context_forms[form]
    for word in sections.get("ordinary", []):
        forms.pop("".join(_key(word).split()), None)
        context_forms.pop("".join(_key(word).split()), None)
    return Lexicon(
        forms=forms,
        phrases=frozenset(phrases),
        phrase_starts=frozenset(p[:n] for p in phrases for n in range(1, len(p))),
        context_forms=context_forms,
        context=frozenset(context),
        allow=tuple(tuple(_key(p).split()) for p in sections.get("allow", [])),
        persons=frozenset(_key(p) for p in sections.get("person", [])),
        longest=longest,
    )


def _words(normal: str) -> list[str]:
    """Word keys of normalised text with the disguises undone (see the module docstring)."""
    text = normal.casefold().translate(_FOLDS)
    text = _SEPARATED.sub(lambda m: re.sub(r"[.\-_*•·/]+", "", m.group()), text)
    words = [_HELD.sub(r"\1", w) for w in _WORD.findall(text)]
    if not any(len(w) == 1 for w in words):
        return words
    joined: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:  # three or more single letters in a row are one spaced-out word
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) >= 3:
            joined.append("".join(run))
        else:
            joined.extend(run)
        run = []
        if word:
            joined.append(word)
    return joined


def _is_person(word: str, persons: frozenset[str]) -> bool:
    if word in persons:
        return True
    return any(word.endswith(s) and word[: -len(s)] in persons for s in POSSESSIVE)


def _allowed(words: list[str], index: int, allow: tuple[tuple[str, ...], ...]) -> bool:
    """Whether the word at ``index`` is part of an allowed phrase."""
    for phrase in allow:
        for offset in range(len(phrase)):
            start = index - offset
            if start >= 0 and tuple(words[start : start + len(phrase)]) == phrase:
                return True
    return False


def _phrase_at(words: list[str], i: int, lex: Lexicon) -> str:
    if words[i] not in lex.phrase_starts:
        return ""
    for size in range(min(lex.longest, len(words) - i), 1, -1):
        joined = "".join(words[i : i + size])
        if joined in lex.phrases:
            return joined
    return ""


def lexicon_hits(text: str | None, *, normalized: bool = False) -> list[str]:
    """The lexicon entries found in ``text`` (as normalised keys), in order of appearance.

    ``normalized=True`` says ``text`` has been through ``normalize_text`` already.
    """
    if not text or not isinstance(text, str):
        return []
    lex = lexicon()
    words = _words(text if normalized else normalize_text(text))
    found: list[str] = []
    for i, word in enumerate(words):
        hit = _phrase_at(words, i, lex) or lex.forms.get(word, "")
        if not hit:
            hit = lex.context_forms.get(word, "")
            if not hit and word in lex.context and i > 0:
                before = words[i - 1]
                if before in FRAME_WORDS or _is_person(before, lex.persons):
                    hit = word
        if hit and not _allowed(words, i, lex.allow):
            found.append(hit)
    return found


def guard_hits(text: str | None) -> list[str]:
    """What persian-text-guard and the inbox's list find (the inbox's own abuse screening)."""
    if not text or not isinstance(text, str):
        return []
    from mehvar.conversations.tone import abuse_findings

    return [finding.excerpt for finding in abuse_findings(text)]


def abuse_hits(text: str | None) -> list[AbuseHit]:
    """Every rule-based reason ``text`` is abusive; empty when it is clean."""
    hits = [AbuseHit(SOURCE_LEXICON, term) for term in lexicon_hits(text)]
    hits += [AbuseHit(SOURCE_GUARD, term) for term in guard_hits(text)]
    return hits
