"""Background work of the feedback analysis: retraining a workspace's model after its corrections."""

from django_tasks import task

from mehvar.feedback.services import feedback_workspace_train


@task()
def feedback_workspace_train_task(*, workspace_id: int) -> dict:
    """Runs after each correction (enqueued on commit); a run that finds nothing new returns at once."""
    return feedback_workspace_train(workspace_id=workspace_id)
