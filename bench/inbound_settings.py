"""Settings for the uvicorn process of ``bench.inbound_latency``: Mehvar's own, with one change.

Under uvicorn (ASGI) Django runs each request's synchronous code in a thread of its own, and a persistent
database connection (``CONN_MAX_AGE`` = 60 in ``mehvar.config.settings``) belongs to its thread: on
PostgreSQL every request thread keeps a connection open (50 after 200 requests), and at 50 webhooks a second
the server runs out of connections ("too many clients already": the hook answers 500). The web process of
the benchmark therefore opens a connection per request (``CONN_MAX_AGE`` = 0), which is what the product's
settings need under ASGI too (or a connection pool); the worker keeps the product's settings.
"""

from mehvar.config.settings import *  # noqa: F403
from mehvar.config.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 0
