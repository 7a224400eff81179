"""The API: Django Ninja at /api/v1, one router per app (see docs/api.md).

Every route needs ``Authorization: Bearer <token>`` unless it says ``auth=None``; errors are
problem+json (mehvar.api.errors). A later module adds its router here with ``api.add_router("", router)``.
"""

import mehvar
from mehvar.accounts.api import router as accounts_router
from mehvar.api.site import MehvarAPI
from mehvar.conversations.api import router as conversations_router
from mehvar.core.api import router as core_router
from mehvar.customers.api import router as customers_router
from mehvar.feedback.api import router as feedback_router
from mehvar.surveys.api import router as surveys_router

api = MehvarAPI(
    title="Mehvar API",
    version="1",
    description=(
        "API محور. هر درخواست سرآیند `Authorization: Bearer <token>` می‌خواهد؛ خطاها با قالب "
        "`application/problem+json` و به زبان سرآیند `Accept-Language` (پیش‌فرض فارسی) برمی‌گردند."
    ),
    urls_namespace="api",
)


@api.get("/version", auth=None, tags=["system"], summary="نسخه")
def version(request):
    return {"name": "mehvar", "version": mehvar.__version__, "api": "v1"}


api.add_router("", accounts_router)
api.add_router("", core_router)
api.add_router("", customers_router)
api.add_router("", conversations_router)
api.add_router("", feedback_router)
api.add_router("", surveys_router)
