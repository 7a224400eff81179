"""Every page under /w/<slug>/ goes through the workspace gate: an outsider gets 404, whatever the path.

The routes are read from the URLconf itself, so a page added later is covered without editing this test.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from mehvar.testing import login

pytestmark = pytest.mark.django_db

CONVERTER_SAMPLES = {
    "int": "1",
    "slug": "x",
    "str": "x",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "path": "x",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def workspace_routes():
    routes = []
    for route, entry in _walk(get_resolver().url_patterns):
        if not route.startswith("w/<slug:slug>/"):
            continue
        path = route.replace("<slug:slug>", "shop-a")
        path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTER_SAMPLES[m.group(1) or "str"], path)
        routes.append(("/" + path.lstrip("^").rstrip("$"), entry))
    return routes


def test_there_are_workspace_pages():
    assert len(workspace_routes()) >= 5


@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_every_workspace_page(client, tenants, method):
    login(client, tenants.outsider_b)
    for path, _entry in workspace_routes():
        response = getattr(client, method)(path)
        assert response.status_code == 404, (
            f"{method.upper()} {path} gave {response.status_code} to an outsider"
        )


def test_every_workspace_view_resolves_the_workspace_first():
    for path, entry in workspace_routes():
        view = entry.callback
        assert hasattr(view, "required_perm"), f"{path} is not wrapped in mehvar.core.tenancy.workspace_view"


def test_anonymous_is_sent_to_login_from_every_workspace_page(client, tenants):
    for path, _entry in workspace_routes():
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login" in response["Location"], path
