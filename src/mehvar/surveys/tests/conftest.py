import pytest


@pytest.fixture(autouse=True)
def comments_read_by_rules(settings):
    """The feedback engine answers with its keyword rules: no model is built while the surveys tests run."""
    settings.FEEDBACK_MODEL_BUILD = "off"
    settings.SITE_URL = "https://mehvar.test"
