"""Conversations on the customer's side: they follow a customer merge (and its undo), and the Customer 360
page lists them. Registered with customers' registries in ``ConversationsConfig.ready``.
"""

from typing import Any

from django.db.models import Case, F, IntegerField, Value, When
from django.http import HttpRequest
from django.utils import timezone

from mehvar.conversations.models import OPEN_STATUSES, Conversation
from mehvar.core.roles import Perm, role_has
from mehvar.customers.models import Customer, Merge

PANEL_SIZE = 8


# --- Customer merge -----------------------------------------------------------------------------------------


def conversations_move(*, merge: Merge, source: Customer, target: Customer) -> dict[str, Any]:
    """The merged customer's conversations become the survivor's; their ids are the record for undo."""
    rows = Conversation.objects.filter(workspace_id=merge.workspace_id, customer=source)
    ids = sorted(rows.values_list("pk", flat=True))
    if ids:
        rows.filter(pk__in=ids).update(customer=target, updated_at=timezone.now())
    return {"ids": ids}


def conversations_move_back(*, merge: Merge, survivor: Customer, merged: Customer, record: Any) -> None:
    """Exactly the conversations the merge moved go back; those opened for the survivor since stay."""
    ids = list((record or {}).get("ids", []))
    if ids:
        Conversation.objects.filter(workspace_id=merge.workspace_id, customer=survivor, pk__in=ids).update(
            customer=merged, updated_at=timezone.now()
        )


# --- The 360 page's panel ---------------------------------------------------------------------------------


def customer_conversations(*, customer: Customer, limit: int = PANEL_SIZE) -> list[Conversation]:
    """The customer's open conversations first, then the most recent others (merged ones left out): one
    query, ``limit + 1`` rows at most (the extra one says there are more)."""
    open_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        Conversation.objects.filter(
            workspace_id=customer.workspace_id, customer=customer, merged_into__isnull=True
        )
        .select_related("channel")
        .only(
            "number", "status", "subject", "last_message_at", "sla_due_at", "channel__name", "channel__kind"
        )
        .order_by(open_first, F("last_message_at").desc(nulls_last=True), "-pk")[: limit + 1]
    )


def conversations_panel(*, request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    membership = getattr(request, "membership", None)
    if membership is None or not role_has(membership.role, Perm.CONVERSATIONS_VIEW):
        return None
    rows = customer_conversations(customer=customer)
    shown = rows[:PANEL_SIZE]
    return {
        "conversations": shown,
        "open_count": sum(1 for c in shown if c.status in OPEN_STATUSES),
        "more": len(rows) > PANEL_SIZE,
    }
