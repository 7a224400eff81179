"""``feedback_analyze``: sentiment, score, topics, urgency and abuse for a batch of Persian texts.

The one read the rest of Mehvar calls (surveys, the inbox, imports, the API)::

    from mehvar.feedback.analysis import feedback_analyze

    [result] = feedback_analyze(texts=["غذا سرد رسید"], workspace=workspace)
    result.sentiment, result.score, result.topics, result.urgency, result.abusive, result.model

Which model answers (``Analysis.model``):

* ``"workspace"``: the workspace's own model (corpus + its corrections), when one has been trained for the
  current base model; nothing of another workspace is ever read (files are per workspace id and carry it);
* ``"base"``: the model built from the committed corpus;
* ``"rules"``: neither could be used (missing, stale, corrupt and not rebuilt yet): keyword rules answer, a
  warning is logged, and ``feedback_model_warning()`` says why.

Models are loaded lazily, once per process, and reloaded when their file changes: whether it did (the corpus
files' and the model file's sizes and times, the fingerprint) is looked at again when the last look is older
than ``FEEDBACK_MODEL_CHECK_SECONDS`` (default 2; 0: at every call), since the look costs more than reading a
comment does (docs/feedback-analysis.md, "What is left"). A missing, stale or
corrupt base model is rebuilt from the corpus as ``FEEDBACK_MODEL_BUILD`` says: ``"background"`` (the
default: rules answer meanwhile), ``"inline"`` (this call waits, a few seconds) or ``"off"`` (only
``mehvar feedback train`` builds it). The batch is vectorised once; about 5,000 comments a second on one
core (bench/feedback_eval.py).
"""

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from mehvar.core.text import normalize_text
from mehvar.feedback import abuse, rules
from mehvar.feedback.corpus import SENTIMENTS, URGENCIES
from mehvar.feedback.features import feature_text
from mehvar.feedback.storage import (
    ModelFileError,
    base_fingerprint,
    base_model_path,
    model_load,
    workspace_model_path,
)
from mehvar.feedback.training import FeedbackModel, levels_of

logger = logging.getLogger("mehvar.feedback")

MODEL_WORKSPACE = "workspace"
MODEL_BASE = "base"
MODEL_RULES = "rules"
MAX_TEXT_LENGTH = 5_000  # longer texts are read up to here
WORKSPACE_MODELS_KEPT = 8  # per process, least recently used dropped first
MODEL_CHECK_SECONDS = 2.0  # FEEDBACK_MODEL_CHECK_SECONDS: how long a look at the model files holds


@dataclass(frozen=True)
class Analysis:
    sentiment: str  # negative / neutral / positive
    score: float  # −1 … 1: P(positive) − P(negative)
    level: int  # −2 … 2, the 5-level score (its sign is the sentiment's)
    topics: tuple[str, ...]
    urgency: str  # low / normal / high
    abusive: bool
    model: str  # workspace / base / rules

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "topics": list(self.topics)}


_lock = threading.RLock()
_base: dict[str, Any] = {}  # "key": (fingerprint, mtime, size), "model": FeedbackModel, "path", "checked"
# workspace id -> (key, model or None, path, when looked at)
_workspaces: "OrderedDict[int, tuple[tuple, FeedbackModel | None, Path, float]]" = OrderedDict()
_warning: dict[str, str] = {}  # "reason" of the last fallback to rules, "" when the model answers
_build: dict[str, threading.Thread] = {}


def _file_key(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _warn(reason: str, path: Path, what: str) -> None:
    if _warning.get(what) != reason:
        logger.warning("feedback %s model %s (%s): %s", what, reason, path, _FALLBACK[what])
    _warning[what] = reason


_FALLBACK = {"base": "keyword rules answer until it is rebuilt", "workspace": "the base model answers"}


def _fresh(checked: float) -> bool:
    """Whether a look at the model files at ``checked`` (time.monotonic) still holds."""
    seconds = float(getattr(settings, "FEEDBACK_MODEL_CHECK_SECONDS", MODEL_CHECK_SECONDS))
    return seconds > 0 and time.monotonic() - checked < seconds


def feedback_base_model() -> FeedbackModel | None:
    """The base model, or None (rules) when it cannot be used now; starts a rebuild when needed."""
    path = base_model_path()
    kept = _base.get("model")
    if kept is not None and _base.get("path") == path and _fresh(_base.get("checked", 0.0)):
        return kept
    fingerprint = base_fingerprint()
    key = (fingerprint, _file_key(path))
    with _lock:
        if _base.get("key") == key and _base.get("path") == path:
            _base["checked"] = time.monotonic()
            return _base.get("model")
        try:
            model = model_load(path, fingerprint=fingerprint)
        except ModelFileError as error:
            model = _rebuild(error)
            if model is None:
                _base.clear()
                return None
            key = (fingerprint, _file_key(path))
        _base.update(key=key, model=model, path=path, checked=time.monotonic())
        _warning.pop("base", None)
        return model


def _rebuild(error: ModelFileError) -> FeedbackModel | None:
    mode = getattr(settings, "FEEDBACK_MODEL_BUILD", "background")
    _warn(error.reason, error.path, "base")
    if mode == "inline":
        from mehvar.feedback.services import feedback_base_model_build

        try:
            return feedback_base_model_build()
        except Exception:
            logger.exception("feedback base model could not be built")
            return None
    if mode == "background":
        thread = _build.get("base")
        if thread is None or not thread.is_alive():
            thread = threading.Thread(target=_build_quietly, name="feedback-model-build", daemon=True)
            _build["base"] = thread
            thread.start()
    return None


def _build_quietly() -> None:
    from mehvar.feedback.services import feedback_base_model_build

    try:
        feedback_base_model_build()
    except Exception:
        logger.exception("feedback base model could not be built")


def wait_for_build(timeout: float | None = None) -> None:
    """Wait for a background rebuild of the base model, if one is running (tests, the command)."""
    thread = _build.get("base")
    if thread is not None:
        thread.join(timeout)


def _workspace_model(workspace_id: int, base: FeedbackModel) -> FeedbackModel | None:
    path = workspace_model_path(workspace_id)
    kept = _workspaces.get(workspace_id)
    fingerprint = base.meta.get("fingerprint")
    if kept is not None and kept[2] == path and kept[0][0] == fingerprint and _fresh(kept[3]):
        return kept[1]
    key = (fingerprint, _file_key(path))
    with _lock:
        kept = _workspaces.get(workspace_id)
        if kept is not None and kept[0] == key and kept[2] == path:
            _workspaces[workspace_id] = (key, kept[1], path, time.monotonic())
            _workspaces.move_to_end(workspace_id)
            return kept[1]
        model = None
        if key[1] is not None:
            try:
                model = model_load(path, fingerprint=workspace_fingerprint(base, workspace_id))
            except ModelFileError as error:
                _warn(error.reason, error.path, "workspace")
        _workspaces[workspace_id] = (key, model, path, time.monotonic())
        while len(_workspaces) > WORKSPACE_MODELS_KEPT:
            _workspaces.popitem(last=False)
        return model


def workspace_fingerprint(base: FeedbackModel, workspace_id: int) -> str:
    """A workspace model is valid for one base model and one workspace."""
    return f"{base.meta.get('fingerprint', '')}:workspace:{int(workspace_id)}"


def feedback_model_for(workspace_id: int | None) -> tuple[FeedbackModel | None, str]:
    """The model that answers for this workspace (or for none), and its kind."""
    base = feedback_base_model()
    if base is None:
        return None, MODEL_RULES
    if workspace_id is not None:
        own = _workspace_model(workspace_id, base)
        if own is not None:
            return own, MODEL_WORKSPACE
    return base, MODEL_BASE


def feedback_model_warning() -> str:
    """Why keyword rules answer ("missing", "stale", "corrupt"), or "" when the model does."""
    return "" if _base.get("model") is not None else _warning.get("base", "")


def feedback_models_forget() -> None:
    """Drop every loaded model (after training in this process, and between tests)."""
    with _lock:
        _base.clear()
        _workspaces.clear()
        _warning.clear()


def _workspace_id(workspace: Any) -> int | None:
    if workspace is None:
        return None
    return int(workspace) if isinstance(workspace, int) else int(workspace.pk)


def feedback_analyze(*, texts: list[str], workspace: Any = None) -> list[Analysis]:
    """One Analysis per text, in order. ``workspace`` (a Workspace or its id) picks its own model."""
    normal = [normalize_text(t[:MAX_TEXT_LENGTH] if isinstance(t, str) else "") for t in texts]
    model, kind = feedback_model_for(_workspace_id(workspace))
    if model is None:
        return [_by_rules(text) for text in normal]
    return model_analyze(model, kind, normal)


def _abusive(text: str) -> bool:
    return bool(abuse.lexicon_hits(text, normalized=True) or abuse.guard_hits(text))


def _by_rules(text: str) -> Analysis:
    sentiment, score, level, topics, urgency = rules.rule_analysis(text)
    return Analysis(sentiment, score, level, tuple(topics), urgency, _abusive(text), MODEL_RULES)


def model_analyze(model: FeedbackModel, kind: str, normal: list[str]) -> list[Analysis]:
    """Analyses of normalised texts by one given model (the workspace retraining measures with it)."""
    if not normal:
        return []
    prepared = [feature_text(text, normalized=True) for text in normal]
    found = model.predict(normal, prepared=prepared).probabilities
    sentiment = found["sentiment"]
    levels = levels_of(sentiment, found["level"], model.settings.strong_share)
    scores = (sentiment[:, 2] - sentiment[:, 0]).astype(float)
    urgency = np.asarray(URGENCIES)[found["urgency"].argmax(axis=1)]
    topics = model.topics
    topic_matrix = np.column_stack([found[f"topic:{t}"] for t in topics]) >= model.settings.topic_threshold
    abusive_model = found["abusive"] >= model.settings.abuse_threshold
    results = []
    for i, text in enumerate(normal):
        if not prepared[i]:
            results.append(Analysis("neutral", 0.0, 0, (), "low", False, kind))
            continue
        results.append(
            Analysis(
                sentiment=SENTIMENTS[int(sentiment[i].argmax())],
                score=round(float(scores[i]), 4),
                level=int(levels[i]),
                topics=tuple(t for t, on in zip(topics, topic_matrix[i], strict=True) if on),
                urgency=str(urgency[i]),
                abusive=bool(abusive_model[i]) or _abusive(text),
                model=kind,
            )
        )
    return results
