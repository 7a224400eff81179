"""``mehvar feedback train`` builds the base model (and, asked to, every workspace's) under the var dir."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

import mehvar.feedback
from mehvar.feedback.analysis import feedback_analyze
from mehvar.feedback.corpus import corpus_examples
from mehvar.feedback.services import feedback_correction_record
from mehvar.feedback.storage import base_fingerprint, base_model_path, model_header, workspace_model_path


@pytest.mark.django_db
def test_train_builds_the_model_with_its_fingerprint_and_the_workspaces(tenants):
    base_model_path().unlink()
    feedback_correction_record(acting=tenants.agent_a, text="غذا سرد بود", sentiment="negative")
    out = io.StringIO()
    call_command("feedback", "train", "--workspaces", stdout=out)
    header = model_header(base_model_path())
    assert header["fingerprint"] == base_fingerprint()
    assert header["meta"]["examples"] == len(corpus_examples())
    assert str(base_model_path()) in out.getvalue()
    assert workspace_model_path(tenants.ws_a.pk).exists()
    assert not workspace_model_path(tenants.ws_b.pk).exists()
    [result] = feedback_analyze(texts=["غذا سرد بود"], workspace=tenants.ws_a)
    assert result.model == "workspace"


def test_no_model_file_is_kept_in_the_package():
    package = Path(mehvar.feedback.__file__).parent
    assert not list(package.rglob("*.model"))
    assert not base_model_path().is_relative_to(package)
