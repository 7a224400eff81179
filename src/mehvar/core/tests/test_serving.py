"""What uvicorn serves (``config.asgi``, ADR 10): Django's WSGI handler in a thread pool for every view that
answers at once, its ASGI handler for the views marked ``serve_async`` (the inbox's live stream)."""

import concurrent.futures
import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.urls import reverse

from mehvar.core.serving import ASGI, WSGI, handler_for


def test_only_views_marked_serve_async_go_to_the_asgi_handler():
    assert handler_for(reverse("inbox:live", args=["any-shop"])) == ASGI
    for path in (
        reverse("inbox:live_poll", args=["any-shop"]),
        reverse("inbox:queue", args=["any-shop"]),
        "/api/v1/version",
        "/s/2.key/",
        "/accounts/login/",
        "/no/such/page/",
    ):
        assert handler_for(path) == WSGI, path


def _call(method: str, path: str, body: bytes = b"", headers: list | None = None) -> tuple[dict, bytes, str]:
    """One request through the application uvicorn serves; (start message, body, the Django handler used)."""
    from mehvar.config.asgi import application

    handlers: list[str] = []

    def seen(sender, **kwargs):
        handlers.append(sender.__name__)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def talk():
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
        start = await communicator.receive_output(timeout=20)
        chunks = []
        while True:
            message = await communicator.receive_output(timeout=20)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await communicator.wait(timeout=5)
        return start, b"".join(chunks)

    request_started.connect(seen)
    try:
        # A thread of its own: a browser test earlier in this process may leave an event loop on this one.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            start, content = pool.submit(async_to_sync(talk)).result()
    finally:
        request_started.disconnect(seen)
    return start, content, handlers[0]


def test_an_ordinary_request_is_answered_by_the_wsgi_handler():
    start, body, handler = _call("GET", "/api/v1/version")
    assert start["status"] == 200
    assert json.loads(body)["api"] == "v1"
    assert handler == WSGIHandler.__name__


@pytest.mark.django_db(transaction=True)
def test_a_posted_form_reaches_the_view_through_the_wsgi_handler():
    body = b"username=nobody%40example.com&password=wrong-password-1"
    form = b"application/x-www-form-urlencoded"
    headers = [(b"content-type", form), (b"content-length", b"%d" % len(body))]
    start, _content, handler = _call("POST", reverse("accounts:login"), body, headers)
    assert handler == WSGIHandler.__name__
    assert start["status"] == 403  # the form was read: no CSRF cookie came with it


def test_the_live_stream_is_answered_by_the_asgi_handler():
    start, _body, handler = _call("GET", reverse("inbox:live", args=["any-shop"]))
    assert handler == ASGIHandler.__name__
    assert start["status"] in (302, 404)  # not signed in: sent to the login page (or no such workspace)
