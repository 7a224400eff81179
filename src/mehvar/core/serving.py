"""Which of Django's two handlers answers a request under uvicorn (``config.asgi``; ADR 10).

Views answer through the WSGI handler, in a thread pool, unless marked ``serve_async``: a long stream that
waits (the inbox's live events) is served by the ASGI handler, where waiting costs no thread.
"""

from collections.abc import Callable
from typing import Any

from django.urls import Resolver404, resolve

WSGI, ASGI = "wsgi", "asgi"


def serve_async(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view the ASGI handler must serve (a long stream); put it outermost, above other decorators."""
    view.serve_async = True  # type: ignore[attr-defined]
    return view


def handler_for(path: str) -> str:
    """``ASGI`` for a view marked ``serve_async``, ``WSGI`` for every other path (unknown ones included)."""
    try:
        match = resolve(path)
    except Resolver404:
        return WSGI
    return ASGI if getattr(match.func, "serve_async", False) else WSGI
