"""Fixtures shared by every app's tests: the tenant test base (see mehvar/testing.py)."""

import pytest

from mehvar.testing import Tenants, build_tenants


@pytest.fixture
def tenants(db) -> Tenants:
    return build_tenants()
