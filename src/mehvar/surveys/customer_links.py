"""Survey rows follow a Customer 360 merge (and its undo), through the customers' merge-mover registry.

The merged customer's invitations, responses and recovery tasks become the survivor's; their ids are the
record kept on the Merge row, so that the undo moves exactly those back (rows made for the survivor since
stay). Registered in ``SurveysConfig.ready``.
"""

from typing import Any

from mehvar.customers.models import Customer, Merge
from mehvar.surveys.models import Answer, Invitation, RecoveryTask, Response

MODELS = {"invitations": Invitation, "responses": Response, "recovery_tasks": RecoveryTask}


def survey_rows_move(*, merge: Merge, source: Customer, target: Customer) -> dict[str, Any]:
    record: dict[str, list[int]] = {}
    for name, model in MODELS.items():
        rows = model.objects.filter(workspace_id=merge.workspace_id, customer=source)
        ids = sorted(rows.values_list("pk", flat=True))
        if ids:
            model.objects.filter(workspace_id=merge.workspace_id, pk__in=ids).update(customer=target)
        record[name] = ids
    return record


def survey_rows_move_back(*, merge: Merge, survivor: Customer, merged: Customer, record: Any) -> None:
    for name, model in MODELS.items():
        ids = list((record or {}).get(name, []))
        if ids:
            model.objects.filter(workspace_id=merge.workspace_id, customer=survivor, pk__in=ids).update(
                customer=merged
            )


def survey_rows_erase(*, workspace: Any, customer_ids: list[int]) -> int:
    """An erased customer's free-text answers are blanked (their scores stay, for the reports); recovery
    tasks keep their dates and outcome, not what was written about the person."""
    answers = Answer.objects.filter(workspace=workspace, response__customer_id__in=customer_ids).exclude(
        text=""
    )
    wiped = answers.update(text="", topics=[], flags=["erased"])
    wiped += RecoveryTask.objects.filter(workspace=workspace, customer_id__in=customer_ids).update(
        **dict.fromkeys(_recovery_text_fields(), "")
    )
    return wiped


def _recovery_text_fields() -> list[str]:
    return [
        field.name for field in RecoveryTask._meta.concrete_fields if field.get_internal_type() == "TextField"
    ]
