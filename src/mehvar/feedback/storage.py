"""Model files under the var directory: where they live, their fingerprint, and reading them safely.

The base model is ``<var>/feedback/base.model``; a workspace's model is
``<var>/feedback/workspaces/<workspace id>.model`` (``FEEDBACK_MODEL_DIR`` overrides ``<var>/feedback``). No
model file is committed: ``mehvar feedback train`` (or the analyzer, lazily) builds them from the corpus.

A file is a header line of JSON (format, fingerprint, the payload's sha256 and size, facts about the model)
and then the pickled model. The checksum is verified *before* unpickling, so a truncated or damaged file is
reported as corrupt and never reaches ``pickle``. The var directory is trusted like the secret key it also
holds: only the application writes there.

The fingerprint is a sha256 of the corpus files, the feature version, the model settings, the file format
and the scikit-learn version: when any of them changes, the file is stale and is rebuilt.
"""

import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import sklearn
from django.conf import settings

from mehvar.feedback.corpus import CORPUS_DIR, corpus_files, corpus_fingerprint
from mehvar.feedback.features import FEATURE_VERSION
from mehvar.feedback.lexicon_features import lexicon_fingerprint
from mehvar.feedback.training import SETTINGS, FeedbackModel, ModelSettings

FORMAT = "mehvar-feedback-model/3"  # 2: coefficients stored as (features, heads); 3: the sentiment lexicon


class ModelFileError(Exception):
    """A model file that cannot be used; ``reason`` is "missing", "stale" or "corrupt"."""

    def __init__(self, reason: str, path: Path, detail: str = "") -> None:
        super().__init__(f"{reason}: {path}{' (' + detail + ')' if detail else ''}")
        self.reason = reason
        self.path = path


def model_dir() -> Path:
    configured = getattr(settings, "FEEDBACK_MODEL_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "feedback"


def base_model_path() -> Path:
    return model_dir() / "base.model"


def workspace_model_path(workspace_id: int) -> Path:
    return model_dir() / "workspaces" / f"{int(workspace_id)}.model"


_corpus_cache: dict[tuple, str] = {}


def base_fingerprint(model_settings: ModelSettings = SETTINGS, corpus_dir: Path = CORPUS_DIR) -> str:
    """The fingerprint the base model must carry to be used (the corpus hash is kept while its files'
    names, sizes and modification times stay the same)."""
    stats = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in corpus_files(corpus_dir))
    corpus = _corpus_cache.get(stats)
    if corpus is None:
        corpus = corpus_fingerprint(corpus_dir)
        _corpus_cache.clear()
        _corpus_cache[stats] = corpus
    parts = [
        FORMAT,
        FEATURE_VERSION,
        sklearn.__version__,
        json.dumps(model_settings.as_dict()),
        corpus,
        lexicon_fingerprint(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def model_save(model: FeedbackModel, path: Path, *, fingerprint: str) -> None:
    """Write ``model`` atomically (a temporary file, then a rename)."""
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    header = {
        "format": FORMAT,
        "fingerprint": fingerprint,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
        "meta": model.meta,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(json.dumps(header, ensure_ascii=False, default=str).encode() + b"\n")
            out.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def model_header(path: Path) -> dict[str, Any]:
    """The header of a model file (ModelFileError "missing" or "corrupt")."""
    try:
        with path.open("rb") as source:
            line = source.readline(1_000_000)
    except FileNotFoundError:
        raise ModelFileError("missing", path) from None
    except OSError as error:
        raise ModelFileError("corrupt", path, str(error)) from None
    try:
        header = json.loads(line)
    except ValueError:
        raise ModelFileError("corrupt", path, "unreadable header") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError("corrupt", path, "unknown format")
    return header


def model_load(path: Path, *, fingerprint: str | None) -> FeedbackModel:
    """The model in ``path``; ModelFileError when it is missing, corrupt or (with ``fingerprint``) stale."""
    header = model_header(path)
    if fingerprint is not None and header.get("fingerprint") != fingerprint:
        raise ModelFileError("stale", path)
    try:
        with path.open("rb") as source:
            source.readline(1_000_000)
            payload = source.read()
    except OSError as error:
        raise ModelFileError("corrupt", path, str(error)) from None
    if len(payload) != header.get("size") or hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise ModelFileError("corrupt", path, "checksum mismatch")
    try:
        model = pickle.loads(payload)  # noqa: S301 — our own file, checksum verified (see the docstring)
    except Exception as error:
        raise ModelFileError("corrupt", path, f"{type(error).__name__}") from None
    if not isinstance(model, FeedbackModel):
        raise ModelFileError("corrupt", path, "not a feedback model")
    return model
