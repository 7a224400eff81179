"""Background work of the feedback analysis: retraining a workspace's model after its corrections, and
reading the inbound messages every minute."""

import datetime as dt

from django_tasks import task

from mehvar.feedback.services import feedback_workspace_train
from mehvar.ops.schedule import periodic


@task()
def feedback_workspace_train_task(*, workspace_id: int) -> dict:
    """Runs after each correction (enqueued on commit); a run that finds nothing new returns at once."""
    return feedback_workspace_train(workspace_id=workspace_id)


@periodic(every=dt.timedelta(minutes=1))
@task()
def feedback_message_readings_task() -> int:
    """Sentiment, topics, urgency and abuse of the inbound messages not read yet, then the model's reading of
    what the keyword rules read while it was missing (``readings``); how many readings were written."""
    from mehvar.feedback.readings import message_readings_run, provisional_readings_run

    return message_readings_run() + provisional_readings_run()
