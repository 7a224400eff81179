"""Cross-validation on the corpus: how settings are chosen, and the figures docs/feedback-analysis.md shows.

Three splits, all of the corpus only:

* ``domains``: leave one domain out (train on every other domain, test on this one). This is the figure the
  settings are chosen by, since the model meets businesses it has no examples of.
* ``registers``: train on the six domains of short comments (``SHORT_COMMENT_DOMAINS``), test on the
  review-style rest, and the other way round: how far what one register teaches carries to the other
  (``negative_predicted_share`` beside ``negative_share`` shows the lean a register shift causes).
* ``kfold``: five stratified folds over the whole corpus (texts like the training ones).

``out_of_fold`` gives every example's probabilities from a model that did not see it; ``scores`` turns them
into macro-F1 for sentiment (3 classes), the 5-level score, urgency, per-topic F1 and abuse precision/recall.
"""

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold

from mehvar.feedback.corpus import SENTIMENTS, TOPICS, URGENCIES, Example
from mehvar.feedback.training import SETTINGS, ModelSettings, levels_of, train_model

SPLITS = ("domains", "registers", "kfold")
# The corpus's first six domains: short, mostly colloquial comments. Every other domain holds reviews and
# sentences written as in reviews (longer, often formal, weighing pros against cons).
SHORT_COMMENT_DOMAINS = frozenset({"food", "shop", "telecom", "banking", "services", "travel"})


def _splits(examples: Sequence[Example], split: str, seed: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    if split == "domains":
        domains = np.array([e.domain for e in examples])
        for domain in sorted(set(domains)):
            yield np.flatnonzero(domains != domain), np.flatnonzero(domains == domain)
    elif split == "registers":
        short = np.array([e.domain in SHORT_COMMENT_DOMAINS for e in examples])
        if short.all() or not short.any():
            raise ValueError("the registers split needs short comments and reviews")
        yield np.flatnonzero(short), np.flatnonzero(~short)
        yield np.flatnonzero(~short), np.flatnonzero(short)
    elif split == "kfold":
        labels = [e.sentiment for e in examples]
        yield from StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).split(examples, labels)
    else:
        raise ValueError(split)


def out_of_fold(
    examples: Sequence[Example], settings: ModelSettings = SETTINGS, *, split: str = "domains", seed: int = 1
) -> dict[str, np.ndarray]:
    """Each example's probabilities per head, from the fold model that did not see it."""
    found: dict[str, np.ndarray] = {}
    for train, test in _splits(examples, split, seed):
        model = train_model([examples[i] for i in train], settings)
        predicted = model.predict([examples[i].text for i in test]).probabilities
        for name, values in predicted.items():
            if name not in found:
                found[name] = np.zeros((len(examples), *values.shape[1:]))
            found[name][test] = values
    return found


def scores(
    examples: Sequence[Example], found: dict[str, np.ndarray], settings: ModelSettings = SETTINGS
) -> dict[str, Any]:
    truth = np.array([e.sentiment for e in examples])
    predicted = np.asarray(SENTIMENTS)[found["sentiment"].argmax(axis=1)]
    levels = levels_of(found["sentiment"], found["level"], settings.strong_share)
    urgency = np.asarray(URGENCIES)[found["urgency"].argmax(axis=1)]
    out: dict[str, Any] = {
        "sentiment_macro_f1": f1_score(truth, predicted, average="macro"),
        "sentiment_accuracy": float(np.mean(truth == predicted)),
        "negative_share": float(np.mean(truth == "negative")),
        "negative_predicted_share": float(np.mean(predicted == "negative")),
        "level_macro_f1": f1_score([e.score for e in examples], levels, average="macro"),
        "binary_macro_f1": _binary(examples, found["sentiment"]),
        "urgency_macro_f1": f1_score([e.urgency for e in examples], urgency, average="macro"),
    }
    topic_f1 = {}
    for topic in TOPICS:
        gold = [topic in (e.topics or ()) for e in examples]
        topic_f1[topic] = f1_score(gold, found[f"topic:{topic}"] >= settings.topic_threshold)
    out["topic_f1"] = topic_f1
    out["topic_macro_f1"] = float(np.mean(list(topic_f1.values())))
    gold_abuse = [bool(e.abusive) for e in examples]
    flagged = found["abusive"] >= settings.abuse_threshold
    out["abuse_precision"] = precision_score(gold_abuse, flagged, zero_division=0)
    out["abuse_recall"] = recall_score(gold_abuse, flagged)
    return {k: (round(float(v), 4) if isinstance(v, float | np.floating) else v) for k, v in out.items()}


def _binary(examples: Sequence[Example], probabilities: np.ndarray) -> float:
    """Positive vs negative comments only, decided by P(positive) > P(negative) (as the benchmark does)."""
    keep = [i for i, e in enumerate(examples) if e.sentiment != "neutral"]
    gold = [examples[i].sentiment == "positive" for i in keep]
    guess = probabilities[keep, 2] > probabilities[keep, 0]
    return float(f1_score(gold, guess, average="macro"))


def best_threshold(gold: Sequence[bool], probability: np.ndarray, *, min_precision: float = 0.0) -> float:
    """The threshold with the best F1 (among those reaching ``min_precision``), on a 0.05 grid."""
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.1, 0.951, 0.05):
        flagged = probability >= threshold
        if min_precision and precision_score(gold, flagged, zero_division=0) < min_precision:
            continue
        f1 = f1_score(gold, flagged)
        if f1 > best_f1:
            best, best_f1 = float(round(threshold, 2)), f1
    return best


def with_settings(settings: ModelSettings, **changes: Any) -> ModelSettings:
    return dataclasses.replace(settings, **changes)


# The settings tried, one after another: each step keeps the best value of the steps before it.
SEARCH_STEPS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("C", (1.0, 4.0, 10.0, 30.0, 100.0)),
    ("topic_C", (3.0, 10.0, 30.0, 100.0, 300.0)),
    ("char_ngrams", ((2, 4), (2, 5), (1, 5), (3, 6))),
    ("char_analyzer", ("char_wb", "char")),
    ("word_ngrams", ((1, 1), (1, 2), (1, 3))),
    ("sentiment_class_weight", (None, "balanced")),
    ("topic_class_weight", (None, "balanced")),
    ("lexicon_weight", (0.0, 0.25, 0.5, 1.0, 2.0)),
)
SEARCH_KEYS = ("sentiment_macro_f1", "topic_macro_f1")


def search(
    examples: Sequence[Example], start: ModelSettings = SETTINGS, *, log: Any = print
) -> tuple[ModelSettings, list[dict[str, Any]]]:
    """A coordinate search over ``SEARCH_STEPS`` by leave-one-domain-out CV.

    ``C`` and the sentiment class weight are scored by sentiment macro-F1, ``topic_C`` and the topic class
    weight by topic macro-F1, the shared vectoriser settings by the mean of the two. Returns the chosen
    settings and every run's figures.
    """
    settings, runs = start, []
    for name, values in SEARCH_STEPS:
        key = {
            "C": "sentiment_macro_f1",
            "sentiment_class_weight": "sentiment_macro_f1",
            "lexicon_weight": "sentiment_macro_f1",
            "topic_C": "topic_macro_f1",
            "topic_class_weight": "topic_macro_f1",
        }
        best_value, best_score = getattr(settings, name), -1.0
        for value in values:
            tried = with_settings(settings, **{name: value})
            figures = scores(examples, out_of_fold(examples, tried, split="domains"), tried)
            score = figures[key[name]] if name in key else float(np.mean([figures[k] for k in SEARCH_KEYS]))
            runs.append({"step": name, "value": value, "score": round(score, 4), **figures})
            log(f"{name}={value!r}: {score:.4f} {figures}")
            if score > best_score:
                best_value, best_score = value, score
        settings = with_settings(settings, **{name: best_value})
    return settings, runs


def thresholds(examples: Sequence[Example], settings: ModelSettings) -> dict[str, float]:
    """Topic threshold (best mean F1), abuse threshold (best F1 at precision ≥ 0.9) and the ±2 share
    (best 5-level macro-F1), from leave-one-domain-out probabilities."""
    found = out_of_fold(examples, settings, split="domains")
    topic_best, topic_f1 = 0.5, -1.0
    for threshold in np.arange(0.2, 0.71, 0.05):
        f1 = np.mean(
            [
                f1_score([t in (e.topics or ()) for e in examples], found[f"topic:{t}"] >= threshold)
                for t in TOPICS
            ]
        )
        if f1 > topic_f1:
            topic_best, topic_f1 = float(round(threshold, 2)), f1
    strong_best, strong_f1 = 0.5, -1.0
    for strong in np.arange(0.2, 0.81, 0.05):
        levels = levels_of(found["sentiment"], found["level"], strong)
        f1 = f1_score([e.score for e in examples], levels, average="macro")
        if f1 > strong_f1:
            strong_best, strong_f1 = float(round(strong, 2)), f1
    abuse = best_threshold([bool(e.abusive) for e in examples], found["abusive"], min_precision=0.9)
    return {"topic_threshold": topic_best, "abuse_threshold": abuse, "strong_share": strong_best}
