"""What every page's layout needs: the language and its direction, the workspace, its navigation."""

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from mehvar.core.selectors import workspaces_of_user
from mehvar.web.navigation import items_for

RTL_LANGUAGES = frozenset({"fa", "ar", "he", "ur"})


def text_direction(language: str | None) -> str:
    return "rtl" if (language or "fa").split("-")[0] in RTL_LANGUAGES else "ltr"


def shell(request: HttpRequest) -> dict[str, Any]:
    """The current workspace and membership (set by ``workspace_view``), the role's navigation, the
    user's other workspaces (read only when a template asks), and the language with its direction."""
    language = translation.get_language() or "fa"
    workspace = getattr(request, "workspace", None)
    membership = getattr(request, "membership", None)
    nav_items = (
        items_for(role=membership.role, slug=workspace.slug, current_path=request.path)
        if membership is not None and workspace is not None
        else []
    )
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "current_workspace": workspace,
        "current_membership": membership,
        "nav_items": nav_items,
        "nav_main": [item for item in nav_items if item.section == "main"],
        "nav_manage": [item for item in nav_items if item.section == "manage"],
        "user_memberships": SimpleLazyObject(
            lambda: list(workspaces_of_user(user=user)) if signed_in else []
        ),
        "language_code": language,
        "text_direction": text_direction(language),
        "other_language": "en" if language.startswith("fa") else "fa",
    }
