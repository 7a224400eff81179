"""The workspace navigation: one declared list of items, filtered by the member's role.

Each item names a URL (reversed with the workspace slug), a translated label, the permission a member needs
to see it, and an icon name (a symbol in ``web/icons.svg``). Later modules add theirs with :func:`register`
from their ``AppConfig.ready()``::

    from mehvar.web.navigation import NavItem, register
    register(NavItem("customers:list", _("Customers"), Perm.CUSTOMERS_VIEW, icon="people", order=20))

An item whose URL does not exist (yet) is left out rather than breaking every page.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from mehvar.core.roles import Perm, role_has


@dataclass(frozen=True)
class NavItem:
    url_name: str  # takes the workspace slug as its only argument
    label: str | Promise
    perm: Perm
    icon: str = "dot"
    order: int = 100
    section: str = "main"  # "main" (the daily work) or "manage" (the workspace's settings)


@dataclass(frozen=True)
class NavLink:
    """An item resolved for one request: what a template needs."""

    url_name: str
    label: str | Promise
    url: str
    icon: str
    section: str
    active: bool


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    """Add (or replace, by URL name) a navigation item."""
    _ITEMS[item.url_name] = item


def registered_items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda item: (item.section != "main", item.order, item.url_name))


def items_for(*, role: str, slug: str, current_path: str = "") -> list[NavLink]:
    """The items a member with ``role`` may see in the workspace ``slug``, in order. The current one is the
    item whose address is the longest start of ``current_path`` (the home page only when it is the page):
    /surveys/recovery/ is "recovery tasks", not also "surveys"."""
    found = []
    for item in registered_items():
        if not role_has(role, item.perm):
            continue
        try:
            url = reverse(item.url_name, kwargs={"slug": slug})
        except NoReverseMatch:
            continue
        found.append((item, url))
    matches = [
        url
        for item, url in found
        if (current_path == url if item.url_name == "web:workspace_home" else current_path.startswith(url))
    ]
    current = max(matches, key=len, default=None)
    return [
        NavLink(item.url_name, item.label, url, item.icon, item.section, url == current)
        for item, url in found
    ]


for _item in (
    NavItem("web:workspace_home", _("Home"), Perm.WORKSPACE_VIEW, icon="home", order=0),
    NavItem(
        "workspace:members", _("Members"), Perm.MEMBERS_MANAGE, icon="people", order=10, section="manage"
    ),
    NavItem("workspace:audit", _("Audit log"), Perm.AUDIT_VIEW, icon="list", order=20, section="manage"),
    NavItem(
        "workspace:settings", _("Settings"), Perm.WORKSPACE_MANAGE, icon="gear", order=30, section="manage"
    ),
    NavItem("workspace:tokens", _("API tokens"), Perm.API_TOKENS_OWN, icon="key", order=40, section="manage"),
    NavItem(
        "ops:failed_tasks",
        _("Failed tasks"),
        Perm.TASKS_VIEW_FAILED,
        icon="alert",
        order=50,
        section="manage",
    ),
):
    register(_item)
