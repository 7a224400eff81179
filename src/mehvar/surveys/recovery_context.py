"""What opening a recovery task needs of its workspace, kept in the process for a few seconds.

Every detractor, low CSAT or negative comment opens a task, and each task read the same workspace rows again:
the survey settings (deadline, recovery team), the business calendar (hours and days off) and the apology
templates, four queries and about 1.3 ms of Python of the 2.3 ms a task cost (docs/benchmarks.md). So
``recovery_context`` keeps them per workspace for ``MEHVAR_RECOVERY_CONTEXT_SECONDS`` (default 5; 0 reads them
every time), as the inbox keeps its routing pool. A change made in this process drops the kept copy at once
(signals on those models and the workspace, ``SurveysConfig.ready``); another process sees it within those
seconds, so a task opened meanwhile there may have its deadline on the old hours or its apology from the old
template.
"""

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from mehvar.core.business_calendar import BusinessCalendar, calendar_for_workspace

CONTEXT_SECONDS = 5.0


@dataclass(frozen=True)
class RecoveryContext:
    deadline_hours: int
    team_id: int | None
    calendar: BusinessCalendar
    apologies: Mapping[str, str]  # language -> the body of its first apology reply (by id)


_kept: dict[int, tuple[float, RecoveryContext]] = {}
_kept_lock = threading.Lock()


def _read(workspace: Any) -> RecoveryContext:
    from mehvar.conversations.models import CannedReply
    from mehvar.surveys.authoring import survey_settings

    survey = survey_settings(workspace)
    apologies: dict[str, str] = {}
    rows = CannedReply.objects.filter(workspace_id=workspace.pk, purpose=CannedReply.Purpose.APOLOGY)
    for language, body in rows.order_by("pk").values_list("language", "body"):
        apologies.setdefault(language, body)
    return RecoveryContext(
        deadline_hours=survey.recovery_deadline_hours,
        team_id=survey.recovery_team_id,
        calendar=calendar_for_workspace(workspace),
        apologies=apologies,
    )


def recovery_context(workspace: Any) -> RecoveryContext:
    """The workspace's recovery context: kept in this process for ``MEHVAR_RECOVERY_CONTEXT_SECONDS``."""
    seconds = float(getattr(settings, "MEHVAR_RECOVERY_CONTEXT_SECONDS", CONTEXT_SECONDS))
    if seconds <= 0:
        return _read(workspace)
    with _kept_lock:
        kept = _kept.get(workspace.pk)
    if kept is not None and time.monotonic() - kept[0] < seconds:
        return kept[1]
    context = _read(workspace)
    with _kept_lock:
        _kept[workspace.pk] = (time.monotonic(), context)
    return context


def recovery_context_forget(workspace_id: int | None) -> None:
    """Drop a workspace's kept context (its settings, hours, days off or apology replies changed here)."""
    with _kept_lock:
        _kept.pop(workspace_id, None)  # type: ignore[arg-type]


def forget_on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_save / post_delete receiver for the models the context is read from (the workspace itself
    holds the calendar's time zone)."""
    from mehvar.core.models import Workspace

    recovery_context_forget(instance.pk if sender is Workspace else instance.workspace_id)
