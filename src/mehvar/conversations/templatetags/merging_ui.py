"""``{% load merging_ui %}``: whether the member on the page may split this conversation (the thread's
"split from here" buttons, also on live refreshes whose context has no ``may_*`` flags)."""

from typing import Any

from django import template

from mehvar.core.roles import Perm, role_has

register = template.Library()


@register.filter
def may_split(membership: Any, conversation: Any) -> bool:
    """Open or resolved, not merged, and the member answers it: theirs or unassigned, or a supervisor."""
    if membership is None or conversation is None or conversation.merged_into_id is not None:
        return False
    if conversation.status == "closed" or not role_has(membership.role, Perm.CONVERSATIONS_REPLY):
        return False
    return conversation.assignee_id in (None, membership.pk) or role_has(
        membership.role, Perm.CONVERSATIONS_ASSIGN
    )
