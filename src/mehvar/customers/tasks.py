"""Background tasks of the customers app."""

import datetime as dt

from django_tasks import task

from mehvar.core.models import Workspace
from mehvar.customers.models import Import
from mehvar.ops.background import enqueue_on_commit
from mehvar.ops.schedule import periodic


@task()
def import_run(import_id: int, *, workspace_id: int) -> str:
    """Check every row of an import and apply it all or nothing (see mehvar.customers.importing)."""
    from mehvar.customers.importing import import_run_now

    imp = (
        Import.objects.select_related("workspace", "created_by__user")
        .filter(pk=import_id, workspace_id=workspace_id)
        .first()
    )
    if imp is None:
        return "missing"
    try:
        return import_run_now(imp).status
    except Exception:
        # Nothing was written (the apply is one transaction); the page shows the failure instead of waiting.
        Import.objects.filter(pk=imp.pk).update(status=Import.Status.FAILED)
        raise


@periodic(every=dt.timedelta(hours=24))
@task()
def duplicates_detect_nightly() -> int:
    """Once a day, look for possible duplicates in every workspace, one task each so a failure stays local."""
    workspace_ids = list(Workspace.objects.values_list("pk", flat=True))
    for workspace_id in workspace_ids:
        enqueue_on_commit(duplicates_detect_workspace, workspace_id=workspace_id)
    return len(workspace_ids)


@task()
def duplicates_detect_workspace(*, workspace_id: int) -> dict[str, object]:
    """Suggest possible duplicates for review (never merges; see mehvar.customers.duplicates)."""
    from mehvar.customers.duplicates import duplicates_detect

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return {"missing": True}
    return dict(duplicates_detect(workspace=workspace))
