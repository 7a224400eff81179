"""Imported reviews follow a Customer 360 merge (and its undo), through the customers' merge-mover registry:
the merged customer's reviews become the survivor's, and their ids are the record the undo moves back.
Registered in ``FeedbackConfig.ready``."""

from typing import Any

from mehvar.customers.models import Customer, Merge
from mehvar.feedback.models import Review


def reviews_move(*, merge: Merge, source: Customer, target: Customer) -> dict[str, Any]:
    rows = Review.objects.filter(workspace_id=merge.workspace_id, customer=source)
    ids = sorted(rows.values_list("pk", flat=True))
    if ids:
        Review.objects.filter(workspace_id=merge.workspace_id, pk__in=ids).update(customer=target)
    return {"reviews": ids}


def reviews_move_back(*, merge: Merge, survivor: Customer, merged: Customer, record: Any) -> None:
    ids = list((record or {}).get("reviews", []))
    if ids:
        Review.objects.filter(workspace_id=merge.workspace_id, customer=survivor, pk__in=ids).update(
            customer=merged
        )


def reviews_erase(*, workspace: Any, customer_ids: list[int]) -> int:
    """An erased customer's reviews lose their text (their rating, source and date stay for the counts)."""
    return Review.objects.filter(workspace=workspace, customer_id__in=customer_ids).update(text="", topics=[])
