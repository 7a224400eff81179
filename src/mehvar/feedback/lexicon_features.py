"""Six features from Mehvar's own Persian sentiment lexicon, beside the model's n-grams.

``data/sentiment_lexicon.txt`` (CC0, written for Mehvar by its team without reading any evaluation set or
the training corpus) lists general evaluative Persian: about 1,300 positive and 1,800 negative words and
phrases in every register (formal, spoken, slang, common Finglish), the negators, the intensifiers and the
contrast words. The n-grams learn what one team's writing teaches; the lexicon says what a word means
wherever it is written, so it carries across registers better (the corpus's ``registers`` split: sentiment
macro-F1 0.709 without it, 0.736 with these six columns; docs/feedback-analysis.md).

Each entry is read through ``features.feature_text``, like the texts, so «عالی است», «عالیه» and «aalie»
meet in one spelling. In a text's tokens the longest entry starting at each token counts once. A one-word
entry with a negator among the two tokens before it («اصلا خوب») or right after it, where Persian puts the
negated copula or verb of a predicate («خوب نبود», «راضی نیستم», «مشکل نداره»), counts as negated. The
columns (``COLUMNS``): positive, negative, negated positive, negated negative, and the positive and negative
of the conclusion — the entries after the last contrast word («…، ولی …»; the whole text when there is
none), a negated one counted as its opposite — since a mixed comment is judged by what it ends on. Each is
``log(1 + count)`` times ``ModelSettings.lexicon_weight`` (chosen by cross-validation on the corpus).
Entries that would read the same as one of the other polarity are dropped. The lexicon travels inside the
model file, and its text is part of the model's fingerprint, so an edit rebuilds the model.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from mehvar.feedback.features import feature_text
from mehvar.feedback.word_lists import read_sections

LEXICON_PATH = Path(__file__).parent / "data" / "sentiment_lexicon.txt"
NEGATION_WINDOW = 2  # tokens before a one-word entry where a negator turns it round («اصلا خوب»)
NEGATION_AFTER = 1  # tokens after it: the negated copula or verb of a predicate («خوب نبود», «مشکل نداره»)
COLUMNS = (
    "positive",
    "negative",
    "negated_positive",
    "negated_negative",
    "final_positive",  # after the last contrast word («…، ولی …»), a negated entry counted as its opposite
    "final_negative",
)


@dataclass(frozen=True)
class SentimentLexicon:
    positive: frozenset[tuple[str, ...]]
    negative: frozenset[tuple[str, ...]]
    negators: frozenset[str]
    contrasts: frozenset[str]  # «ولی», «اما»…: what follows the last of them is the comment's conclusion
    starts: frozenset[str]  # every entry's first token: only there may an entry begin
    longest: int
    weight: float

    def counts(self, prepared: str) -> list[int]:
        """The ``COLUMNS`` counts of one ``feature_text``."""
        found = [0, 0, 0, 0, 0, 0]
        words = prepared.split()
        last_contrast = max((j for j, w in enumerate(words) if w in self.contrasts), default=-1)
        i = 0
        while i < len(words):
            if words[i] not in self.starts:
                i += 1
                continue
            kind, size = -1, 1
            for n in range(min(self.longest, len(words) - i), 0, -1):
                entry = tuple(words[i : i + n])
                if entry in self.positive:
                    kind, size = 0, n
                    break
                if entry in self.negative:
                    kind, size = 1, n
                    break
            if kind >= 0:
                near = words[max(0, i - NEGATION_WINDOW) : i] + words[i + 1 : i + 1 + NEGATION_AFTER]
                negated = size == 1 and any(w in self.negators for w in near)
                found[kind + (2 if negated else 0)] += 1
                if i > last_contrast:
                    found[4 + (1 - kind if negated else kind)] += 1
            i += size
        return found

    def matrix(self, prepared: list[str]) -> sparse.csr_matrix:
        values = np.array([self.counts(text) for text in prepared], dtype=np.float32)
        values = values.reshape(-1, len(COLUMNS))
        return sparse.csr_matrix(np.log1p(values) * np.float32(self.weight))


def _entries(lines: list[str]) -> set[tuple[str, ...]]:
    return {tokens for tokens in (tuple(feature_text(line).split()) for line in lines) if tokens}


def lexicon_load(weight: float, path: Path = LEXICON_PATH) -> SentimentLexicon:
    sections = read_sections(path)
    positive, negative = _entries(sections.get("positive", [])), _entries(sections.get("negative", []))
    clash = positive & negative
    positive, negative = positive - clash, negative - clash
    negators = {tokens[0] for tokens in _entries(sections.get("negator", [])) if len(tokens) == 1}
    contrasts = {tokens[0] for tokens in _entries(sections.get("contrast", [])) if len(tokens) == 1}
    every = positive | negative
    return SentimentLexicon(
        positive=frozenset(positive),
        negative=frozenset(negative),
        negators=frozenset(negators),
        contrasts=frozenset(contrasts),
        starts=frozenset(tokens[0] for tokens in every),
        longest=max((len(tokens) for tokens in every), default=1),
        weight=float(weight),
    )


_fingerprints: dict[tuple[str, int, int], str] = {}


def lexicon_fingerprint(path: Path = LEXICON_PATH) -> str:
    """The lexicon file's hash (kept while its size and modification time stay the same)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _fingerprints:
        _fingerprints.clear()
        _fingerprints[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _fingerprints[key]
