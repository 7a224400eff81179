"""Fixtures shared by every app's tests: the tenant test base (see mehvar/testing.py)."""

import pytest

from mehvar.testing import Tenants, build_tenants

# Browser fixtures (page, shots, browser_tenants) for every app's browser tests.
pytest_plugins = ["mehvar.web.tests.browser_fixtures"]


@pytest.fixture
def tenants(db) -> Tenants:
    return build_tenants()


@pytest.fixture(autouse=True)
def routing_reads_its_pool_every_time(settings):
    """Tests create and change agents between arrivals; the kept pool has its own tests."""
    settings.MEHVAR_ROUTING_POOL_SECONDS = 0


@pytest.fixture(autouse=True)
def feedback_models_looked_at_every_call(settings):
    """Tests write, corrupt and retrain model files between calls; the kept look has its own test."""
    settings.FEEDBACK_MODEL_CHECK_SECONDS = 0


@pytest.fixture(autouse=True)
def recovery_reads_its_context_every_time(settings):
    """Tests change survey settings, hours and templates between answers; the kept context has its tests."""
    settings.MEHVAR_RECOVERY_CONTEXT_SECONDS = 0
