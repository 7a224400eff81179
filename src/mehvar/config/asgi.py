"""What uvicorn serves: Django's WSGI handler in a thread pool for most requests, its ASGI one for streams.

Django's ASGI handler runs a synchronous request in a thread of its own: every request starts a thread and
joins it at the end, and our synchronous middleware and views cross between the event loop and that thread
three times. Measured on one uvicorn worker (2-core machine, wrk, 16 connections, the two alternated): the
API's version route cost 2.7-3.1 ms of CPU through the ASGI handler and 1.2-1.3 ms through the WSGI handler;
most of the difference was starting and joining those threads. So every request whose view answers at once
goes to the WSGI handler, run by a2wsgi in a pool of ``WEB_THREADS`` threads per process (a request
waiting on the database leaves the core to another), and only the views marked ``core.serving.serve_async``
(the inbox's live stream, which waits for minutes and listens to a shared poller, ``conversations.live``)
go to the ASGI handler. The same middleware, settings and views answer both ways (ADR 10).
"""

import os
from collections.abc import Awaitable, Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mehvar.config.settings")

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

from mehvar.core.serving import WSGI, handler_for

# Threads per process that run requests. Measured on the survey pages (2 workers on 2 cores, PostgreSQL and
# wrk on the same machine): 2 threads answered 262-281 one-tap answers a second, 3 237, 4 224, 10 194-202;
# more threads only contend for the interpreter and the cores. Raise it where long responses (exports) are
# common, so that they do not hold every thread (docs/scaling.md).
WEB_THREADS = int(os.environ.get("WEB_THREADS", "3"))  # measured: docs/benchmarks.md, ninth session

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

asgi_handler = get_asgi_application()
wsgi_handler = WSGIMiddleware(get_wsgi_application(), workers=WEB_THREADS)  # type: ignore[arg-type]


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http" and handler_for(scope["path"]) == WSGI:
        await wsgi_handler(scope, receive, send)  # type: ignore[arg-type]
    else:
        await asgi_handler(scope, receive, send)
