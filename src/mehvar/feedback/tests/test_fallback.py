"""A model file that is missing, stale or corrupt never breaks the analysis: rules answer, with a warning."""

import json
import logging
import os

import pytest

from mehvar.feedback import analysis
from mehvar.feedback.analysis import feedback_analyze, feedback_model_warning, wait_for_build
from mehvar.feedback.storage import (
    ModelFileError,
    base_fingerprint,
    base_model_path,
    model_header,
    model_load,
)

TEXTS = ["غذا سرد و دیر رسید", "خیلی خوشمزه بود ممنون", "احمقا"]


def _damage(path, how):
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif how == "garbage":
        path.write_bytes(b"\x00\x01 not a model at all")
    elif how == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize("how", ["truncated", "flipped", "garbage", "empty"])
def test_corrupt_model_falls_back_to_rules_with_a_warning(caplog, how):
    path = base_model_path()
    _damage(path, how)
    with pytest.raises(ModelFileError) as error:
        model_load(path, fingerprint=base_fingerprint())
    assert error.value.reason == "corrupt"
    with caplog.at_level(logging.WARNING, logger="mehvar.feedback"):
        results = feedback_analyze(texts=TEXTS)
    assert [r.model for r in results] == ["rules"] * 3
    assert [r.sentiment for r in results[:2]] == ["negative", "positive"]
    assert "delivery" in results[0].topics
    assert results[2].abusive is True  # the lexicons need no model
    assert feedback_model_warning() == "corrupt"
    assert any("corrupt" in record.getMessage() for record in caplog.records)


def test_missing_model_falls_back_to_rules_when_building_is_off(caplog):
    base_model_path().unlink()
    with caplog.at_level(logging.WARNING, logger="mehvar.feedback"):
        results = feedback_analyze(texts=TEXTS)
    assert {r.model for r in results} == {"rules"}
    assert feedback_model_warning() == "missing"
    assert any("missing" in record.getMessage() for record in caplog.records)


def test_missing_model_is_built_inline_when_asked(settings):
    base_model_path().unlink()
    settings.FEEDBACK_MODEL_BUILD = "inline"
    results = feedback_analyze(texts=TEXTS)
    assert {r.model for r in results} == {"base"}
    assert model_header(base_model_path())["fingerprint"] == base_fingerprint()
    assert feedback_model_warning() == ""


def test_stale_model_is_rebuilt_in_the_background_and_rules_answer_meanwhile(settings):
    path = base_model_path()
    header_line, _, payload = path.read_bytes().partition(b"\n")
    header = json.loads(header_line)
    header["fingerprint"] = "0" * 64  # as if the corpus or the features had changed since
    path.write_bytes(json.dumps(header).encode() + b"\n" + payload)
    settings.FEEDBACK_MODEL_BUILD = "background"
    first = feedback_analyze(texts=TEXTS)
    assert {r.model for r in first} == {"rules"}
    assert feedback_model_warning() == "stale"
    wait_for_build(timeout=120)
    later = feedback_analyze(texts=TEXTS)
    assert {r.model for r in later} == {"base"}
    assert model_header(path)["fingerprint"] == base_fingerprint()


def test_a_changed_corpus_changes_the_fingerprint(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text('{"text": "خوب"}\n', encoding="utf-8")
    before = base_fingerprint(corpus_dir=corpus)
    (corpus / "a.jsonl").write_text('{"text": "خوب بود"}\n', encoding="utf-8")
    assert base_fingerprint(corpus_dir=corpus) != before


def test_the_model_is_loaded_once_and_reloaded_when_its_file_changes():
    feedback_analyze(texts=TEXTS)
    first = analysis._base["model"]
    feedback_analyze(texts=TEXTS)
    assert analysis._base["model"] is first
    path = base_model_path()
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # as a new build would
    feedback_analyze(texts=TEXTS)
    assert analysis._base["model"] is not first


def test_a_process_trusts_its_last_look_at_the_files_for_the_check_interval(settings, monkeypatch):
    """Looking at the files costs more than reading a comment: within FEEDBACK_MODEL_CHECK_SECONDS the kept
    model answers without a look; once the interval is over, a damaged file is noticed."""
    settings.FEEDBACK_MODEL_CHECK_SECONDS = 60
    assert {r.model for r in feedback_analyze(texts=TEXTS)} == {"base"}
    looks = []
    real = analysis.base_fingerprint
    monkeypatch.setattr(analysis, "base_fingerprint", lambda: looks.append(1) or real())
    _damage(base_model_path(), "garbage")
    assert {r.model for r in feedback_analyze(texts=TEXTS)} == {"base"}  # the kept model, no look
    assert looks == []
    settings.FEEDBACK_MODEL_CHECK_SECONDS = 0
    assert {r.model for r in feedback_analyze(texts=TEXTS)} == {"rules"}
    assert looks and feedback_model_warning() == "corrupt"


def test_another_model_directory_is_looked_at_at_once(settings, tmp_path):
    settings.FEEDBACK_MODEL_CHECK_SECONDS = 60
    assert {r.model for r in feedback_analyze(texts=TEXTS)} == {"base"}
    settings.FEEDBACK_MODEL_DIR = str(tmp_path / "empty")
    assert {r.model for r in feedback_analyze(texts=TEXTS)} == {"rules"}
