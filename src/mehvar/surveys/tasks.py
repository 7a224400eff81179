"""Background work of surveys: scheduled invitations, reminders and the scanning triggers."""

import datetime as dt

from django_tasks import task

from mehvar.ops.schedule import periodic


@periodic(every=dt.timedelta(minutes=1))
@task()
def survey_invitations_send_task() -> int:
    from mehvar.surveys.invitations import invitations_send_due

    return invitations_send_due()


@periodic(every=dt.timedelta(minutes=15))
@task()
def survey_reminders_task() -> int:
    from mehvar.surveys.invitations import invitations_remind_due

    return invitations_remind_due()


@periodic(every=dt.timedelta(minutes=15))
@task()
def survey_pulse_reminders_task() -> int:
    from mehvar.surveys.pulses import pulse_reminders_due

    return pulse_reminders_due()


@periodic(every=dt.timedelta(minutes=10))
@task()
def survey_activity_triggers_task() -> int:
    from mehvar.surveys.triggers import activity_triggers_scan

    return activity_triggers_scan()


@periodic(every=dt.timedelta(hours=1))
@task()
def survey_relationship_task() -> int:
    from mehvar.surveys.triggers import relationship_scan

    return relationship_scan()


@periodic(every=dt.timedelta(minutes=10))
@task()
def survey_rollups_task() -> int:
    """Roll up the months not rolled up yet and the current one up to now (reports read the roll-ups and
    only what came after), for every workspace that has a survey."""
    from mehvar.surveys.models import Survey
    from mehvar.surveys.reports.rollups import workspace_rollup

    months = 0
    workspaces = Survey.objects.order_by().values_list("workspace_id", flat=True).distinct()
    for workspace_id in list(workspaces):
        months += len(workspace_rollup(workspace_id=workspace_id))
    return months
