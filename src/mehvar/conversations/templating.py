"""Personalised replies: canned reply bodies with variables, rendered safely.

Variables are written ``{{ name }}`` and only those below exist (no filters, no tags, no attribute access
beyond them): ``customer_name``, ``first_name``, ``last_name``, ``number`` (the conversation), ``subject``,
``agent_name``, ``today`` (Jalali, long form), ``today_numeric`` (Jalali, 1403/05/12), ``order`` (the
latest order activity's reference, when there is one). An unknown variable is left as written so that the
agent sees it before sending.
"""

import re

from django.utils import timezone

from mehvar.conversations.models import Conversation
from mehvar.core.jalali import format_date, to_local
from mehvar.core.models import Membership
from mehvar.core.text import to_persian_digits
from mehvar.customers.models import Activity

_VARIABLE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
VARIABLES = (
    "customer_name",
    "first_name",
    "last_name",
    "number",
    "subject",
    "agent_name",
    "today",
    "today_numeric",
    "order",
)


def reply_variables(*, conversation: Conversation, agent: Membership | None = None) -> dict[str, str]:
    customer = conversation.customer
    today = to_local(timezone.now()).date()
    order = (
        Activity.objects.filter(workspace_id=conversation.workspace_id, customer=customer, kind="order")
        .order_by("-occurred_at")
        .values_list("external_id", flat=True)
        .first()
    )
    agent_name = ""
    if agent is not None:
        agent_name = agent.user.get_full_name() or agent.user.get_short_name() or ""
    number = str(conversation.number)
    if conversation.workspace.persian_digits:
        number = to_persian_digits(number)
    return {
        "customer_name": customer.display_name or f"{customer.first_name} {customer.last_name}".strip(),
        "first_name": customer.first_name or customer.display_name,
        "last_name": customer.last_name,
        "number": number,
        "subject": conversation.subject,
        "agent_name": agent_name,
        "today": format_date(today, style="long"),
        "today_numeric": format_date(today),
        "order": order or "",
    }


def render_reply(body: str, *, conversation: Conversation, agent: Membership | None = None) -> str:
    values = reply_variables(conversation=conversation, agent=agent)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return _VARIABLE.sub(replace, body)
