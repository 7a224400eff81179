"""The feedback model: TF-IDF word and character n-grams → logistic regression, one head per label.

One pair of vectorisers is fitted on the training texts (``features.feature_text`` of each); with the four
counts of Mehvar's sentiment lexicon beside them (``lexicon_features``), every head reads the same sparse
matrix:

* ``sentiment``: multinomial logistic regression over negative / neutral / positive;
* ``level``: multinomial over the corpus's 5-level score (−2 … 2); it only decides how strong a negative or
  positive comment is (1 or 2), never its sign, which is the sentiment head's;
* ``urgency``: multinomial over low / normal / high;
* ``topic:<name>``: one binary logistic regression per topic (one-vs-rest), the seven of the corpus plus a
  workspace's own topics once its corrections hold enough examples of them;
* ``abusive``: binary; its threshold is set for precision (a false accusation is worse than a miss, and the
  lexicons catch the plain cases).

After fitting, the heads' coefficients are stacked into one matrix, so that analysing a batch is two
vectoriser transforms and one sparse × dense product, then a softmax or sigmoid per head (no per-head
scikit-learn calls). The matrix is kept as (features, heads' columns), contiguous: multiplying by a
transposed view made SciPy copy all of it on every call (0.65 ms for one comment, most of its time).

Settings (n-gram ranges, C, class weights, thresholds) were chosen by cross-validation
on the corpus only (``mehvar feedback cv``; figures in docs/feedback-analysis.md).
"""

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from mehvar.feedback.char_ngrams import WordPieces
from mehvar.feedback.corpus import SENTIMENTS, TOPICS, URGENCIES, Example
from mehvar.feedback.features import feature_texts
from mehvar.feedback.lexicon_features import SentimentLexicon, lexicon_load
from mehvar.feedback.one_comment import OneComment

LEVELS = ("-2", "-1", "0", "1", "2")
MIN_TOPIC_EXAMPLES = 3  # a workspace's own topic gets a head once this many corrections carry it


@dataclass(frozen=True)
class ModelSettings:
    """Everything that decides the model besides its data.

    The defaults are what ``mehvar feedback cv --search`` chose by leave-one-domain-out cross-validation on
    the corpus (docs/feedback-analysis.md has the figures); no evaluation set had a say.
    """

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (1, 5)
    char_analyzer: str = "char_wb"
    char_min_df: int = 2
    C: float = 100.0  # sentiment, level, urgency and abuse heads
    topic_C: float = 300.0  # topic heads
    sentiment_class_weight: str | None = None
    urgency_class_weight: str | None = "balanced"
    topic_class_weight: str | None = "balanced"
    topic_threshold: float = 0.3
    abuse_threshold: float = 0.2  # the best F1 at a precision of at least 0.9
    strong_share: float = 0.55  # the 5-level score is ±2 when P(±2) / (P(±1) + P(±2)) reaches this
    lexicon_weight: float = 0.5  # the sentiment lexicon's four columns are scaled by this; 0: not read

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


SETTINGS = ModelSettings()


@dataclass(frozen=True)
class Head:
    name: str
    labels: tuple[str, ...]  # class names; a binary head has ("no", "yes")
    start: int  # its columns in the stacked coefficient matrix
    stop: int

    @property
    def binary(self) -> bool:
        return self.stop - self.start == 1


@dataclass
class Predictions:
    """Probabilities per head for a batch: ``probabilities["sentiment"]`` is (n, 3), a binary head (n,)."""

    probabilities: dict[str, np.ndarray]

    def labels_of(self, head: "Head") -> np.ndarray:
        return np.asarray(head.labels)[self.probabilities[head.name].argmax(axis=1)]


@dataclass
class FeedbackModel:
    word: TfidfVectorizer
    char: TfidfVectorizer
    coef: np.ndarray  # (features, heads' columns), float32, C-contiguous: see the module's docstring
    intercept: np.ndarray
    heads: list[Head]
    settings: ModelSettings
    meta: dict[str, Any] = field(default_factory=dict)
    lexicon: SentimentLexicon | None = None  # travels with the model: what it was trained with
    _pieces: WordPieces | None = field(default=None, repr=False, compare=False)  # built on first use
    _one: OneComment | None = field(default=None, repr=False, compare=False)  # built on first use

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if name not in ("_pieces", "_one")}

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(h.name.removeprefix("topic:") for h in self.heads if h.name.startswith("topic:"))

    def head(self, name: str) -> Head:
        return next(h for h in self.heads if h.name == name)

    def _word_pieces(self) -> WordPieces:
        pieces = self.__dict__.get("_pieces")
        if pieces is None:
            pieces = self._pieces = WordPieces(self.char)
        return pieces

    def char_matrix(self, prepared: Sequence[str]) -> sparse.csr_matrix:
        """The character n-grams: cut once per word where the vectoriser allows it (``char_ngrams``)."""
        if not WordPieces.fits(self.char):
            return self.char.transform(prepared)
        return self._word_pieces().transform(prepared)

    def _one_comment(self) -> OneComment | None:
        """The path for a single comment (``one_comment``), or None where the vectorisers do not fit it."""
        one = self.__dict__.get("_one")
        if one is None and OneComment.fits(self.word, self.char):
            pieces = self._word_pieces()
            one = self._one = OneComment(self.word, pieces, self.lexicon, self.coef, self.intercept)
        return one

    def raw_scores(self, prepared: Sequence[str]) -> np.ndarray:
        """The heads' scores before softmax or sigmoid, (texts, columns); one text goes the direct way."""
        one = self._one_comment() if len(prepared) == 1 else None
        if one is not None:
            return one.scores(prepared[0])[np.newaxis, :]
        return np.asarray(self.matrix(prepared) @ self.coef) + self.intercept

    def matrix(self, prepared: Sequence[str]) -> sparse.csr_matrix:
        blocks = [self.word.transform(prepared), self.char_matrix(prepared)]
        if self.lexicon is not None:
            blocks.append(self.lexicon.matrix(list(prepared)))
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    def predict(self, texts: Sequence[str], *, prepared: Sequence[str] | None = None) -> Predictions:
        features = prepared if prepared is not None else feature_texts(list(texts))
        scores = self.raw_scores(features)
        out: dict[str, np.ndarray] = {}
        for head in self.heads:
            block = scores[:, head.start : head.stop]
            if head.binary:
                out[head.name] = 1.0 / (1.0 + np.exp(-block[:, 0]))
            else:
                block = block - block.max(axis=1, keepdims=True)
                exp = np.exp(block)
                out[head.name] = exp / exp.sum(axis=1, keepdims=True)
        return Predictions(out)


def levels_of(sentiment: np.ndarray, level: np.ndarray, strong_share: float) -> np.ndarray:
    """The 5-level score (−2 … 2): the sign from the sentiment head, the strength from the level head."""
    sign = sentiment.argmax(axis=1) - 1
    negative_share = level[:, 0] / np.maximum(level[:, 0] + level[:, 1], 1e-12)
    positive_share = level[:, 4] / np.maximum(level[:, 3] + level[:, 4], 1e-12)
    share = np.where(sign < 0, negative_share, positive_share)
    return np.where((sign != 0) & (share >= strong_share), 2 * sign, sign)


def _vectorisers(settings: ModelSettings) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    word = TfidfVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        ngram_range=settings.word_ngrams,
        sublinear_tf=True,
        dtype=np.float32,
    )
    char = TfidfVectorizer(
        analyzer=settings.char_analyzer,
        lowercase=False,
        ngram_range=settings.char_ngrams,
        min_df=settings.char_min_df,
        sublinear_tf=True,
        dtype=np.float32,
    )
    return word, char


def _fit_head(
    features: sparse.csr_matrix,
    labels: np.ndarray,
    weights: np.ndarray,
    *,
    C: float,
    class_weight: str | None,
) -> LogisticRegression:
    model = LogisticRegression(C=C, class_weight=class_weight, max_iter=3000)
    model.fit(features, labels, sample_weight=weights)
    return model


def head_targets(
    examples: Sequence[Example], *, extra_topics: Sequence[str] = ()
) -> dict[str, tuple[np.ndarray, np.ndarray, tuple[str, ...]]]:
    """Per head: (row mask of examples labelled for it, labels for those rows, class names)."""
    targets: dict[str, tuple[np.ndarray, np.ndarray, tuple[str, ...]]] = {}
    sentiment_mask = np.array([e.sentiment is not None for e in examples])
    targets["sentiment"] = (
        sentiment_mask,
        np.array([e.sentiment for e in examples if e.sentiment is not None]),
        SENTIMENTS,
    )
    level_mask = np.array([e.score is not None for e in examples])
    targets["level"] = (
        level_mask,
        np.array([str(e.score) for e in examples if e.score is not None]),
        LEVELS,
    )
    urgency_mask = np.array([e.urgency is not None for e in examples])
    targets["urgency"] = (
        urgency_mask,
        np.array([e.urgency for e in examples if e.urgency is not None]),
        URGENCIES,
    )
    topic_mask = np.array([e.topics is not None for e in examples])
    for topic in (*TOPICS, *extra_topics):
        labels = np.array([topic in e.topics for e in examples if e.topics is not None], dtype=int)
        targets[f"topic:{topic}"] = (topic_mask, labels, ("no", "yes"))
    abuse_mask = np.array([e.abusive is not None for e in examples])
    targets["abusive"] = (
        abuse_mask,
        np.array([int(bool(e.abusive)) for e in examples if e.abusive is not None]),
        ("no", "yes"),
    )
    return targets


def workspace_topics(examples: Sequence[Example]) -> tuple[str, ...]:
    """Topics outside the corpus's seven that enough examples carry to learn them, sorted."""
    counts: dict[str, int] = {}
    for example in examples:
        for topic in example.topics or ():
            if topic not in TOPICS:
                counts[topic] = counts.get(topic, 0) + 1
    return tuple(sorted(t for t, n in counts.items() if n >= MIN_TOPIC_EXAMPLES))


def train_model(
    examples: Sequence[Example], settings: ModelSettings = SETTINGS, *, meta: dict[str, Any] | None = None
) -> FeedbackModel:
    """Fit the vectorisers and every head on ``examples`` (each with its ``weight``).

    One core: training also runs in web and worker processes, where it must not take every core.
    """
    with threadpool_limits(limits=1):
        return _train(examples, settings, meta)


def _train(
    examples: Sequence[Example], settings: ModelSettings, meta: dict[str, Any] | None
) -> FeedbackModel:
    started = time.perf_counter()
    prepared = feature_texts([e.text for e in examples])
    word, char = _vectorisers(settings)
    blocks = [word.fit_transform(prepared), char.fit_transform(prepared)]
    lexicon = lexicon_load(settings.lexicon_weight) if settings.lexicon_weight else None
    if lexicon is not None:
        blocks.append(lexicon.matrix(prepared))
    features = sparse.hstack(blocks, format="csr", dtype=np.float32)
    weights = np.array([e.weight for e in examples], dtype=float)
    extra = workspace_topics(examples)
    class_weights = {
        "sentiment": settings.sentiment_class_weight,
        "level": settings.sentiment_class_weight,
        "urgency": settings.urgency_class_weight,
    }
    rows: list[np.ndarray] = []
    intercepts: list[np.ndarray] = []
    heads: list[Head] = []
    for name, (mask, labels, classes) in head_targets(examples, extra_topics=extra).items():
        topic = name.startswith("topic:")
        class_weight = settings.topic_class_weight if topic else class_weights.get(name)
        C = settings.topic_C if topic else settings.C
        fitted = _fit_head(features[mask], labels, weights[mask], C=C, class_weight=class_weight)
        coef, intercept = fitted.coef_, fitted.intercept_
        if coef.shape[0] > 1:  # multinomial: reorder rows to the class names' order
            order = [list(fitted.classes_).index(c) for c in classes]
            coef, intercept = coef[order], intercept[order]
        start = sum(len(r) for r in rows)
        heads.append(Head(name=name, labels=classes, start=start, stop=start + coef.shape[0]))
        rows.append(coef)
        intercepts.append(intercept)
    return FeedbackModel(
        word=word,
        char=char,
        coef=np.ascontiguousarray(np.vstack(rows).T, dtype=np.float32),
        intercept=np.concatenate(intercepts).astype(np.float32),
        heads=heads,
        settings=settings,
        lexicon=lexicon,
        meta={
            **(meta or {}),
            "examples": len(examples),
            "features": int(features.shape[1]),
            "topics": [*TOPICS, *extra],
            "train_seconds": round(time.perf_counter() - started, 2),
        },
    )
