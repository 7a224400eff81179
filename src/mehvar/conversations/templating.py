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
from mehvar.customers.models import Activity, Customer

_VARIABLE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
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


def _customer_variables(customer: Customer) -> dict[str, str]:
    """The variables the customer alone fills (no conversation, no agent)."""
    today = to_local(timezone.now()).date()
    order = (
        Activity.objects.filter(workspace_id=customer.workspace_id, customer=customer, kind="order")
        .order_by("-occurred_at")
        .values_list("external_id", flat=True)
        .first()
    )
    return {
        "customer_name": customer.display_name or f"{customer.first_name} {customer.last_name}".strip(),
        "first_name": customer.first_name or customer.display_name,
        "last_name": customer.last_name,
        "today": format_date(today, style="long"),
        "today_numeric": format_date(today),
        "order": order or "",
    }


def reply_variables(*, conversation: Conversation, agent: Membership | None = None) -> dict[str, str]:
    agent_name = ""
    if agent is not None:
        agent_name = agent.user.get_full_name() or agent.user.get_short_name() or ""
    number = str(conversation.number)
    if conversation.workspace.persian_digits:
        number = to_persian_digits(number)
    return {
        **_customer_variables(conversation.customer),
        "number": number,
        "subject": conversation.subject,
        "agent_name": agent_name,
    }


def _render(body: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return _VARIABLE.sub(replace, body)


def render_reply(body: str, *, conversation: Conversation, agent: Membership | None = None) -> str:
    return _render(body, reply_variables(conversation=conversation, agent=agent))


def render_for_customer(body: str, *, customer: Customer) -> str:
    """A reply outside any conversation (a recovery task's apology): the customer's variables filled, the
    conversation's and the agent's left as written for a person to write out."""
    return _render(body, _customer_variables(customer))


def placeholders_in(text: str) -> list[str]:
    """The ``{{ … }}`` placeholders still in a text about to reach a customer, as written, in order."""
    return list(dict.fromkeys(match.group(0) for match in _PLACEHOLDER.finditer(text or "")))
