"""The API: Django Ninja at /api/v1, one router per app."""

from ninja import NinjaAPI

import mehvar

api = NinjaAPI(title="Mehvar API", version="1", description="Mehvar's REST API", urls_namespace="api")


@api.get("/version", auth=None, tags=["system"])
def version(request):
    return {"name": "mehvar", "version": mehvar.__version__, "api": "v1"}
