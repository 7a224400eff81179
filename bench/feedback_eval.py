"""Persian feedback analysis measured on public text nobody on the team wrote, and its speed on one core.

Quality (evaluation only; these sets are never trained or tuned on, see ../shared/data/README.md): the base
model, built from the committed corpus with the settings chosen by cross-validation on that corpus, is
run over

* SnappFood (``snappfood-dev.csv``, HAPPY/SAD): binary macro-F1, a comment counted positive when
  P(positive) > P(negative) (``score`` > 0);
* DeepSentiPers (``deepsentipers-train.csv``, −2 … 2): 3-class macro-F1 (−2,−1 → negative, 0 → neutral,
  1,2 → positive) and 5-class macro-F1 of the 5-level ``level``;
* ParsiNLU food aspects (``parsinlu-food-aspects-dev.jsonl``): whether a review mentions delivery (ارسال),
  quality (کیفیت), packaging (بسته بندی) and price/value (ارزش خرید), label −3 meaning "not mentioned";
  F1 per aspect against the model's topics.

The same figures are given for a reference model in the same run: scikit-learn's plain
``TfidfVectorizer(ngram_range=(1, 2))`` + ``LogisticRegression`` trained on the same corpus's sentiment
labels without Mehvar's normalisation, features or lexicons.

Speed: ``feedback_analyze(texts=...)`` (normalisation, features, every head, abuse lexicons and
persian-text-guard) over the SnappFood comments in batches of 1,000, on one core (BLAS limited to one
thread), beside the plain reference's ``predict_proba`` over the same batches. Target: 2,000 comments/s.

Where ../shared/data/feedback-eval is absent (or ``MEHVAR_FEEDBACK_EVAL_DIR`` points nowhere), the quality
part is skipped with a message and the speed is measured on the corpus's own texts.
"""

import csv
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from threadpoolctl import threadpool_limits

from bench.environment import REPO
from bench.records import Measurement, Outcome
from mehvar.core.text import search_key
from mehvar.feedback.analysis import feedback_analyze, feedback_models_forget
from mehvar.feedback.corpus import corpus_examples
from mehvar.feedback.services import feedback_base_model_build
from mehvar.feedback.training import SETTINGS

NAME = "feedback_eval"
USES_DATABASE = False
DESCRIPTION = (
    "Persian feedback analysis on public sets it was never trained on (SnappFood binary, DeepSentiPers "
    "3- and 5-class macro-F1, ParsiNLU food aspect F1) beside a plain TF-IDF + logistic regression on "
    "the same corpus; comments per second on one core (target 2,000)."
)
EVAL_DIR = Path(os.environ.get("MEHVAR_FEEDBACK_EVAL_DIR", REPO.parent / "shared" / "data" / "feedback-eval"))
ROUNDS = {"quick": 3, "full": 5}
BATCH = 1_000
TARGETS = {"snappfood_macro_f1": (0.78, 0.85), "deepsentipers_3class_macro_f1": (0.62, 0.70)}
TARGET_PER_SECOND = 2_000
ASPECTS = {
    "ارسال": "delivery",
    "کیفیت": "product_quality",
    "بسته بندی": "packaging",
    "ارزش خرید": "price_value",
}
DEEPSENTIPERS_3 = {-2: "negative", -1: "negative", 0: "neutral", 1: "positive", 2: "positive"}


def _snappfood(directory: Path) -> tuple[list[str], list[str], int]:
    texts, gold, skipped = [], [], 0
    with (directory / "snappfood-dev.csv").open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            label = (row.get("label") or "").strip().upper()
            if label not in ("HAPPY", "SAD") or not (row.get("comment") or "").strip():
                skipped += 1
                continue
            texts.append(row["comment"])
            gold.append("positive" if label == "HAPPY" else "negative")
    return texts, gold, skipped


def _deepsentipers(directory: Path) -> tuple[list[str], list[int], int]:
    texts, gold, skipped = [], [], 0
    with (directory / "deepsentipers-train.csv").open(encoding="utf-8", newline="") as source:
        for row in csv.reader(source):
            try:
                label = int(float(row[-1]))
            except (ValueError, IndexError):
                skipped += 1
                continue
            text = ",".join(row[:-1]).strip()
            if label not in DEEPSENTIPERS_3 or not text:
                skipped += 1
                continue
            texts.append(text)
            gold.append(label)
    return texts, gold, skipped


def _aspect_of(question: str) -> str | None:
    key = search_key(question)
    for name, topic in ASPECTS.items():
        if key == search_key(name):
            return topic
    for name, topic in ASPECTS.items():
        if search_key(name) in key:
            return topic
    return None


def _parsinlu(directory: Path) -> tuple[list[str], dict[str, list[bool]]]:
    """Unique reviews, and per aspect whether each review mentions it (None rows dropped)."""
    mentioned: dict[str, dict[str, bool]] = {}
    with (directory / "parsinlu-food-aspects-dev.jsonl").open(encoding="utf-8") as source:
        for line in source:
            if not line.strip():
                continue
            row = json.loads(line)
            topic = _aspect_of(str(row.get("question", "")))
            if topic is None:
                continue
            mentioned.setdefault(row["review"], {})[topic] = int(str(row["label"]).strip()) != -3
    reviews = sorted(mentioned)
    gold = {topic: [mentioned[r].get(topic, False) for r in reviews] for topic in ASPECTS.values()}
    return reviews, gold


def _plain_reference() -> tuple[TfidfVectorizer, LogisticRegression]:
    """scikit-learn's defaults on the raw corpus texts: no normalisation, no features of ours."""
    examples = corpus_examples()
    vectoriser = TfidfVectorizer(ngram_range=(1, 2))
    model = LogisticRegression(max_iter=3000)
    model.fit(vectoriser.fit_transform([e.text for e in examples]), [e.sentiment for e in examples])
    return vectoriser, model


def _reference_probabilities(reference: tuple[TfidfVectorizer, LogisticRegression], texts: list[str]) -> Any:
    vectoriser, model = reference
    probabilities = model.predict_proba(vectoriser.transform(texts))
    order = [list(model.classes_).index(c) for c in ("negative", "neutral", "positive")]
    return probabilities[:, order]


def _analyse(texts: list[str]) -> list[Any]:
    out = []
    for start in range(0, len(texts), BATCH):
        out.extend(feedback_analyze(texts=texts[start : start + BATCH]))
    return out


def _quality(reference: tuple[TfidfVectorizer, LogisticRegression]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    texts, gold, skipped = _snappfood(EVAL_DIR)
    ours = ["positive" if a.score > 0 else "negative" for a in _analyse(texts)]
    plain = _reference_probabilities(reference, texts)
    plain_labels = np.where(plain[:, 2] > plain[:, 0], "positive", "negative")
    figures |= {
        "snappfood_rows": len(texts),
        "snappfood_skipped_rows": skipped,
        "snappfood_macro_f1": round(f1_score(gold, ours, average="macro"), 4),
        "reference_snappfood_macro_f1": round(f1_score(gold, plain_labels, average="macro"), 4),
    }

    texts, levels, skipped = _deepsentipers(EVAL_DIR)
    analyses = _analyse(texts)
    gold3 = [DEEPSENTIPERS_3[level] for level in levels]
    plain = _reference_probabilities(reference, texts)
    figures |= {
        "deepsentipers_rows": len(texts),
        "deepsentipers_skipped_rows": skipped,
        "deepsentipers_3class_macro_f1": round(
            f1_score(gold3, [a.sentiment for a in analyses], average="macro"), 4
        ),
        "deepsentipers_5class_macro_f1": round(
            f1_score(levels, [a.level for a in analyses], average="macro"), 4
        ),
        "reference_deepsentipers_3class_macro_f1": round(
            f1_score(
                gold3, np.asarray(["negative", "neutral", "positive"])[plain.argmax(axis=1)], average="macro"
            ),
            4,
        ),
    }

    reviews, mentioned = _parsinlu(EVAL_DIR)
    topics = [set(a.topics) for a in _analyse(reviews)]
    figures["parsinlu_reviews"] = len(reviews)
    for topic, gold_mentions in mentioned.items():
        found = [topic in t for t in topics]
        figures[f"parsinlu_{topic}_f1"] = round(f1_score(gold_mentions, found, zero_division=0), 4)
        figures[f"parsinlu_{topic}_mentions"] = int(sum(gold_mentions))
    for name, (floor, goal) in TARGETS.items():
        figures[f"{name}_target"] = f"≥ {floor} (goal {goal}): " + (
            "goal met" if figures[name] >= goal else "target met" if figures[name] >= floor else "MISSED"
        )
    return figures


def _timed(function: Any, texts: list[str], rounds: int) -> list[float]:
    function(texts[:BATCH])  # warm: the model is loaded, caches filled
    seconds = []
    for _round in range(rounds):
        started = time.perf_counter()
        for start in range(0, len(texts), BATCH):
            function(texts[start : start + BATCH])
        seconds.append(time.perf_counter() - started)
    return seconds


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    rounds = ROUNDS.get(scale, 1)
    notes: list[str] = []
    with threadpool_limits(limits=1):
        feedback_models_forget()
        model = feedback_base_model_build()
        reference = _plain_reference()
        available = (EVAL_DIR / "snappfood-dev.csv").exists()
        if available:
            figures = _quality(reference)
            texts = _snappfood(EVAL_DIR)[0]
            corpus_name = "SnappFood comments"
        else:
            message = (
                f"{EVAL_DIR} not found: quality not measured (skipped); speed measured on the corpus texts"
            )
            print(f"   {message}")
            notes.append(message)
            figures = {"skipped": True}
            texts = [e.text for e in corpus_examples()]
            corpus_name = "corpus comments"
        if rows is not None:
            texts = (texts * (rows // max(len(texts), 1) + 1))[:rows]
        measured = _timed(lambda batch: feedback_analyze(texts=batch), texts, rounds)
        referenced = _timed(lambda batch: _reference_probabilities(reference, batch), texts, rounds)
    per_second = len(texts) / min(measured)
    notes += [
        "one core: BLAS/OpenMP pools limited to one thread (threadpoolctl); batches of 1,000 texts",
        "no evaluation set was trained or tuned on: settings come from cross-validation on the corpus only",
    ]
    return Outcome(
        measurement=Measurement(
            name="feedback_analyze (base model)",
            description=f"feedback_analyze(texts=batch) over {len(texts):,} {corpus_name}: normalisation, "
            "features, sentiment/level/topics/urgency/abuse heads, lexicon and persian-text-guard",
            rows=len(texts),
            rounds=measured,
        ),
        reference=Measurement(
            name="plain TF-IDF + logistic regression",
            description="sklearn TfidfVectorizer(ngram_range=(1, 2)) + LogisticRegression trained on the "
            "same corpus's sentiment, predict_proba over the same batches (sentiment only)",
            rows=len(texts),
            rounds=referenced,
        ),
        parameters={
            **figures,
            "comments_per_second": round(per_second, 1),
            "target_per_second": TARGET_PER_SECOND,
            "throughput_target_met": per_second >= TARGET_PER_SECOND,
            "model_examples": model.meta["examples"],
            "model_train_seconds": model.meta["train_seconds"],
            "settings": json.dumps(SETTINGS.as_dict()),
            "rounds": rounds,
        },
        notes=notes,
    )
