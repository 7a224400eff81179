"""The base model is trained once per test session into a temporary directory; each test reads it there.

Tests never build models in the background (``FEEDBACK_MODEL_BUILD="off"``) unless they say so, and every
test starts and ends with no model loaded in the process.
"""

import shutil

import pytest
from django.test import override_settings

from mehvar.feedback.analysis import feedback_models_forget


@pytest.fixture(scope="session")
def trained_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("feedback-model")
    from mehvar.feedback.services import feedback_base_model_build

    with override_settings(FEEDBACK_MODEL_DIR=str(directory)):
        feedback_base_model_build()
    feedback_models_forget()
    return directory


@pytest.fixture(autouse=True)
def model_dir(settings, tmp_path, trained_dir):
    """A model directory of the test's own, holding a copy of the session's base model."""
    directory = tmp_path / "feedback"
    shutil.copytree(trained_dir, directory)
    settings.FEEDBACK_MODEL_DIR = str(directory)
    settings.FEEDBACK_MODEL_BUILD = "off"
    feedback_models_forget()
    yield directory
    from mehvar.feedback.analysis import wait_for_build

    wait_for_build()
    feedback_models_forget()
