"""Abusive customer messages and the customer's contact policy, for the agent.

``message_screen`` runs on every inbound message (``hooks.after_inbound``). It finds insults, profanity,
slurs and threats in the message's text and subject (``tone.abuse_findings``: persian-text-guard plus the
customer-service list) and stores why in ``Message.abuse`` — one entry per finding::

    {"reason": "insult", "source": "rude_phrases", "field": "text", "start": 12, "length": 6}

Nothing is deleted or changed in the message itself. The inbox shows a flagged message masked
(``message_masked_text``: each flagged word becomes ``***``) and the agent may reveal the original on
request. Positions refer to the stored text, which never changes; entries without positions (written by
another tool) are masked by screening the text again.

``contact_policy_for`` is the one read the agent panel needs about how to deal with the customer: the
policy written on the profile, and how many abusive messages they have sent.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q

from mehvar.conversations.models import Conversation, Direction, Message
from mehvar.conversations.tone import CATEGORY_LABELS, abuse_findings, merged_spans
from mehvar.customers.models import Customer

MASK = "***"
SCREENED_FIELDS = ("text", "subject")


def text_screen(text: str, *, field: str = "text") -> list[dict[str, Any]]:
    """The abuse entries for one piece of text (empty when it is clean)."""
    return [
        {"reason": f.category, "source": f.source, "field": field, "start": f.start, "length": f.length}
        for f in abuse_findings(text)
    ]


def message_screen(*, message: Message) -> list[str]:
    """Flag an abusive inbound message; returns the reasons found (categories), empty when clean.

    Only customers' messages are screened (agents' replies go through the tone check before sending).
    """
    if message.direction != Direction.INBOUND:
        return []
    entries: list[dict[str, Any]] = []
    for field in SCREENED_FIELDS:
        entries.extend(text_screen(getattr(message, field) or "", field=field))
    if entries != (message.abuse or []):
        message.abuse = entries
        message.save(update_fields=["abuse"])
    return sorted({entry["reason"] for entry in entries})


def _spans(message: Message, field: str) -> list[tuple[int, int]]:
    text = getattr(message, field) or ""
    spans = []
    for entry in message.abuse or []:
        if not isinstance(entry, dict) or entry.get("field", "text") != field:
            continue
        start, length = entry.get("start"), entry.get("length")
        if isinstance(start, int) and isinstance(length, int) and 0 <= start < start + length <= len(text):
            spans.append((start, start + length))
    if not spans and message.abuse:  # flagged without positions: find them again
        spans = [(f.start, f.end) for f in abuse_findings(text)]
    return spans


def masked_text(text: str, spans: list[tuple[int, int]], mask: str = MASK) -> str:
    """``text`` with each (start, end) span replaced by ``mask``; overlapping spans become one mask."""
    out, last = [], 0
    for start, end in merged_spans(spans):
        out.append(text[last:start])
        out.append(mask)
        last = end
    out.append(text[last:])
    return "".join(out)


def message_masked_text(message: Message, *, field: str = "text", mask: str = MASK) -> str:
    """The message's text (or subject) for display with flagged words masked; unchanged when clean."""
    if field not in SCREENED_FIELDS:
        raise ValueError(f"only {', '.join(SCREENED_FIELDS)} are screened")
    text = getattr(message, field) or ""
    if not message.abuse:
        return text
    return masked_text(text, _spans(message, field), mask)


def abuse_reasons(message: Message) -> list[str]:
    """Why the message was flagged, in words (translated, most frequent first, each once)."""
    counts: dict[str, int] = {}
    for entry in message.abuse or []:
        reason = entry.get("reason", "") if isinstance(entry, dict) else str(entry)
        counts[reason] = counts.get(reason, 0) + 1
    ordered = sorted(counts, key=lambda r: -counts[r])
    return [str(CATEGORY_LABELS.get(r, CATEGORY_LABELS["uncategorized"])) for r in ordered]


@dataclass(frozen=True)
class ContactPolicy:
    """What the agent panel shows about dealing with this customer."""

    customer_id: int
    text: str  # the policy written on the customer's profile; empty when there is none
    abusive_messages: int  # inbound messages flagged as abusive, in all their conversations
    last_abusive_at: dt.datetime | None

    @property
    def has_policy(self) -> bool:
        return bool(self.text.strip())

    @property
    def shows(self) -> bool:
        """Whether the panel should show a notice at all."""
        return self.has_policy or self.abusive_messages > 0


def contact_policy_for(
    *, conversation: Conversation | None = None, customer: Customer | None = None
) -> ContactPolicy:
    """The customer's contact policy and abuse record, in one query (by conversation or by customer)."""
    if (conversation is None) == (customer is None):
        raise TypeError("give a conversation or a customer")
    workspace_id = conversation.workspace_id if conversation is not None else customer.workspace_id  # type: ignore[union-attr]
    customer_id = conversation.customer_id if conversation is not None else customer.pk  # type: ignore[union-attr]
    abusive = Q(conversations__messages__direction=Direction.INBOUND) & ~Q(conversations__messages__abuse=[])
    row = (
        Customer.objects.filter(workspace_id=workspace_id, pk=customer_id)
        .annotate(
            abusive_messages=Count("conversations__messages", filter=abusive),
            last_abusive_at=Max("conversations__messages__created_at", filter=abusive),
        )
        .values("contact_policy", "abusive_messages", "last_abusive_at")
        .get()
    )
    return ContactPolicy(
        customer_id=customer_id,
        text=row["contact_policy"] or "",
        abusive_messages=row["abusive_messages"],
        last_abusive_at=row["last_abusive_at"],
    )
