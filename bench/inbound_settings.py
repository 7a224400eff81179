"""Settings for the uvicorn process of ``bench.inbound_latency``: Mehvar's own, with CONN_MAX_AGE pinned to 0.

Under uvicorn (ASGI) Django runs each request's synchronous code in a thread of its own, and a persistent
database connection belongs to its thread: with ``CONN_MAX_AGE`` > 0 every request thread keeps a PostgreSQL
connection open and at 50 webhooks a second the server runs out of them ("too many clients already"). This
benchmark found it; the product's settings now default to 0 (``DB_CONN_MAX_AGE``), and this module pins it
so that the measurement does not depend on the environment.
"""

from mehvar.config.settings import *  # noqa: F403
from mehvar.config.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 0
