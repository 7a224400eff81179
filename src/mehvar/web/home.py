"""The workspace home page is a column of panels; which ones a member sees depends on their role.

A panel is a template plus an optional function that reads what the template shows. Later modules add
theirs, or replace one of the placeholders below by registering a panel with the same key, from their
``AppConfig.ready()``::

    from mehvar.web.home import HomePanel, register_panel
    register_panel(HomePanel("conversations", "conversations/home_panel.html", perm=Perm.CONVERSATIONS_REPLY,
                             context=my_open_conversations, order=20))

``perm`` (a permission from mehvar.core.roles) and ``roles`` (a set of role names) both narrow who sees the
panel; leave both out for every member. ``context(request)`` runs only for the panels shown; the template
gets its result as ``panel`` (with ``request``, ``current_workspace`` and ``current_membership`` as usual).
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from mehvar.core.business_calendar import TEHRAN, calendar_for_workspace
from mehvar.core.roles import Perm, role_has
from mehvar.web import selectors

PanelContext = Callable[[HttpRequest], Mapping[str, Any]]


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    perm: Perm | None = None
    roles: frozenset[str] | None = None
    context: PanelContext | None = None
    order: int = 100
    wide: bool = False  # spans the whole row of the grid


@dataclass(frozen=True)
class ShownPanel:
    key: str
    template: str
    wide: bool
    data: Mapping[str, Any] = field(default_factory=dict)


_PANELS: dict[str, HomePanel] = {}


def register_panel(panel: HomePanel) -> None:
    """Add a panel, or replace the one with the same key."""
    _PANELS[panel.key] = panel


def panel_visible(panel: HomePanel, role: str) -> bool:
    if panel.roles is not None and role not in panel.roles:
        return False
    return panel.perm is None or role_has(role, panel.perm)


def panels_for(request: HttpRequest) -> list[ShownPanel]:
    """The panels the request's member may see, in order, each with its data read."""
    role = request.membership.role  # type: ignore[attr-defined]
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if not panel_visible(panel, role):
            continue
        data = panel.context(request) if panel.context is not None else {}
        shown.append(ShownPanel(panel.key, panel.template, panel.wide, data))
    return shown


# --- The panels the foundation ships ----------------------------------------------------------------------

UPCOMING_HOLIDAYS = 3


def today_context(request: HttpRequest) -> dict[str, Any]:
    """Today's date, whether the business is open now (or when it opens next) and the next days off."""
    now = timezone.now()
    try:
        calendar = calendar_for_workspace(request.workspace)  # type: ignore[attr-defined]
    except ValueError:  # stored hours the calendar cannot read: say so rather than fail the page
        return {"today": now.astimezone(TEHRAN).date(), "hours_broken": True}
    today = now.astimezone(calendar.tz).date()
    is_open = calendar.is_open(now)
    closes_at = next_opening = None
    if is_open:
        hours = calendar.opening_hours(today)
        closes_at = hours[1] if hours else None
    else:
        try:
            next_opening = calendar.next_opening(now).astimezone(calendar.tz)
        except ValueError:
            next_opening = None
    holidays = calendar.holidays_between(today, today + dt.timedelta(days=366))[:UPCOMING_HOLIDAYS]
    return {
        "today": today,
        "is_open": is_open,
        "closes_at": closes_at,
        "next_opening": next_opening,
        "next_opening_date": next_opening.date() if next_opening else None,
        "opens_today": next_opening is not None and next_opening.date() == today,
        "holidays": holidays,
    }


def team_context(request: HttpRequest) -> dict[str, Any]:
    counts = selectors.member_counts_by_role(workspace=request.workspace)  # type: ignore[attr-defined]
    return {"counts": counts, "total": sum(n for _role, _label, n in counts)}


def activity_context(request: HttpRequest) -> dict[str, Any]:
    """Managers (who may read the audit log) see the workspace's latest entries, others their own."""
    membership = request.membership  # type: ignore[attr-defined]
    whole_workspace = role_has(membership.role, Perm.AUDIT_VIEW)
    entries = selectors.recent_audit_entries(
        workspace=membership.workspace, actor=None if whole_workspace else membership.user
    )
    return {"entries": list(entries), "whole_workspace": whole_workspace}


for _panel in (
    HomePanel("today", "web/panels/today.html", context=today_context, order=0, wide=True),
    HomePanel("conversations", "web/panels/conversations.html", perm=Perm.CONVERSATIONS_REPLY, order=20),
    HomePanel("campaigns", "web/panels/campaigns.html", perm=Perm.CAMPAIGNS_MANAGE, order=30),
    HomePanel("reports", "web/panels/reports.html", perm=Perm.REPORTS_VIEW, order=40),
    HomePanel("team", "web/panels/team.html", perm=Perm.MEMBERS_MANAGE, context=team_context, order=10),
    HomePanel("activity", "web/panels/activity.html", context=activity_context, order=15),
):
    register_panel(_panel)
