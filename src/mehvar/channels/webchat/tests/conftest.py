"""Fixtures for the web chat's tests: a chat channel in each workspace and a visitor's HTTP helpers."""

import json
import secrets

import pytest
from django.core.cache import cache

from mehvar.channels.models import Channel
from mehvar.channels.webchat.visitors import public_id

SHOP = "https://shop-a.example"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the per-address limits count in the cache
    yield
    cache.clear()


def make_chat(workspace, **config):
    settings = {"allowed_origins": [SHOP], **config}
    return Channel.objects.create(workspace=workspace, kind="webchat", name="Chat", config=settings)


@pytest.fixture
def chat(tenants):
    return make_chat(tenants.ws_a)


@pytest.fixture
def chat_b(tenants):
    return make_chat(tenants.ws_b, allowed_origins=["https://shop-b.example"])


class Visitor:
    """A browser on the shop's site: starts a session and keeps its token, as the widget does."""

    def __init__(self, client, channel, origin=SHOP, lang=""):
        self.client = client
        self.channel = channel
        self.origin = origin
        self.lang = lang
        self.token = ""
        self.visitor = ""

    def url(self, name):
        query = f"?lang={self.lang}" if self.lang else ""
        return f"/chat/{public_id(self.channel)}/{name}/{query}"

    def headers(self):
        headers = {"HTTP_ORIGIN": self.origin} if self.origin else {}
        if self.token:
            headers["HTTP_X_VISITOR_TOKEN"] = self.token
        return headers

    def start(self):
        response = self.client.post(
            self.url("session"), "{}", content_type="application/json", **self.headers()
        )
        assert response.status_code == 200, response.content
        self.token, self.visitor = response.json()["token"], response.json()["visitor"]
        return response

    def send(self, text="سلام، سفارشم کی می‌رسد؟", client_id=None, **extra):
        body = {"client_id": client_id or secrets.token_hex(8), "text": text, **extra}
        return self.post_raw(json.dumps(body, ensure_ascii=False).encode())

    def post_raw(self, body):
        return self.client.post(self.url("messages"), body, content_type="application/json", **self.headers())

    def poll(self, since=""):
        url = self.url("messages")
        if since:
            url += ("&" if "?" in url else "?") + "since=" + since.replace("+", "%2B")
        return self.client.get(url, **self.headers())
