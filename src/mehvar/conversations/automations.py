"""Running automation rules: when an event happens to a conversation, the matching rules act on it.

The rule language (events, fields, operators, actions) and its validation are in ``automation_rules``.
``automations_run`` is called by the hooks (``message_created``, ``status_changed``), by
``services.conversation_update`` (``tag_added``) and by the SLA sweep (``sla_warning``). Each enabled rule
of the event, by position, whose conditions all hold, runs its actions in order through the same services
people use (with ``acting=None``, the system), and leaves an ``AUTOMATION`` event with the rule's name and
what each action did; ``AutomationRule.runs`` counts the runs. An action that cannot be done (a channel
that cannot send, a team deleted since) is recorded with its error and the other actions still run.

**Loop safety.** Actions go through services that fire events again (adding a tag fires ``tag_added``),
so rules could trigger each other, or themselves, forever. A context variable carries the chain of
(rule, conversation) pairs running above the current call: a rule never runs again on a conversation
while it is already running on it higher up the chain (so a rule that adds a tag on ``tag_added`` runs
once), and the chain is at most ``MAX_DEPTH`` deep whatever the rules do to each other.

Actions work on their own copy of the conversation; the fields they changed (``WATCHED``) are then copied
onto the caller's instance, and only those: the steps after the hook (routing on arrival) see the team,
assignee and priority the rules set, and a caller's unsaved edit of another field is not lost.
"""

import contextvars
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.conversations import services
from mehvar.conversations.member_mail import conversation_lines, members_mail
from mehvar.conversations.models import (
    PRIORITY_RANK,
    AutomationRule,
    CannedReply,
    Conversation,
    Direction,
    Event,
    Message,
    Team,
)
from mehvar.core.memo import workspace_memo_for
from mehvar.core.models import Membership
from mehvar.core.roles import Role
from mehvar.core.text import search_key
from mehvar.customers.models import Tag

logger = logging.getLogger(__name__)
MAX_DEPTH = 3
_chain: contextvars.ContextVar[tuple[tuple[int, int], ...]] = contextvars.ContextVar(
    "mehvar_automation_chain", default=()
)
# What actions may change on a conversation; the caller's instance gets the new values (see the docstring).
WATCHED = (
    "priority",
    "category",
    "team_id",
    "assignee_id",
    "assigned_at",
    "assignment_reason",
    "updated_at",
    "last_message_at",
    "last_outbound_at",
    "sla_policy_id",
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "sla_warned_at",
    "sla_breaches",
)


# --- facts the conditions read --------------------------------------------------------------------------
class Facts:
    """What the conditions may ask about a conversation, read lazily (a rule about the channel costs no
    customer query)."""

    def __init__(self, conversation: Conversation, context: dict[str, Any]) -> None:
        self.conversation = conversation
        self.context = context
        self._cache: dict[str, Any] = {}

    def _once(self, key: str, read: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = read()
        return self._cache[key]

    def text(self) -> str:
        def read() -> str:
            message = self.context.get("message")
            if isinstance(message, Message):
                return message.text or ""
            return (
                Message.objects.filter(
                    workspace_id=self.conversation.workspace_id,
                    conversation=self.conversation,
                    direction=Direction.INBOUND,
                )
                .order_by("-created_at", "-pk")
                .values_list("text", flat=True)
                .first()
                or ""
            )

        return self._once("text", read)

    def customer_tags(self) -> set[str]:
        return self._once(
            "customer_tags",
            lambda: set(
                Tag.objects.filter(
                    workspace_id=self.conversation.workspace_id, customers__pk=self.conversation.customer_id
                ).values_list("key", flat=True)
            ),
        )

    def value(self, field: str) -> Any:
        """The field's value: a string, or a set of tag keys for tag fields."""
        c = self.conversation
        if field == "channel":
            return c.channel.kind
        if field == "text":
            return self.text()
        if field in ("priority", "status", "category"):
            return getattr(c, field)
        if field == "tag":
            return self._once("tags", lambda: set(c.tags.values_list("key", flat=True)))
        if field == "added_tag":
            return {search_key(str(t)) for t in self.context.get("tags", ())}
        if field == "sla_target":
            return str(self.context.get("target", ""))
        if field == "customer.tag":
            return self.customer_tags()
        customer = c.customer
        if field == "customer.lifecycle":
            return customer.lifecycle
        if field == "customer.city":
            return customer.city
        if field.startswith("customer.custom."):
            raw = (customer.custom_fields or {}).get(field[len("customer.custom.") :])
            return "" if raw is None else str(raw)
        raise KeyError(field)


def condition_holds(condition: dict[str, Any], facts: Facts) -> bool:
    """Whether one (cleaned) condition holds; an unknown field or operator never holds."""
    field, op, expected = condition.get("field", ""), condition.get("op", ""), condition.get("value")
    try:
        actual = facts.value(field)
    except KeyError:
        return False
    wanted = [search_key(str(v)) for v in (expected if isinstance(expected, list) else [expected])]
    wanted = [w for w in wanted if w]
    if isinstance(actual, set):  # tags
        found = any(w in actual for w in wanted)
        return found if op == "contains" else (not found if op == "not_contains" else False)
    key = search_key(str(actual or ""))
    if op in ("eq", "in"):
        return key in wanted
    if op in ("ne", "not_in"):
        return key not in wanted
    if op == "contains":
        return any(w in key for w in wanted)
    if op == "not_contains":
        return not any(w in key for w in wanted)
    if op == "is_set":
        return bool(key)
    if op == "is_empty":
        return not key
    if op in ("gte", "lte") and field == "priority" and wanted:
        ranks = {search_key(p): r for p, r in PRIORITY_RANK.items()}
        if key not in ranks or wanted[0] not in ranks:
            return False
        return ranks[key] >= ranks[wanted[0]] if op == "gte" else ranks[key] <= ranks[wanted[0]]
    return False


# --- actions --------------------------------------------------------------------------------------------
def _reason(rule: AutomationRule) -> str:
    return _("automation rule “%(name)s”") % {"name": rule.name}


def _add_tag(
    target: Conversation, action: dict, rule: AutomationRule, context: dict, now: dt.datetime
) -> dict:
    names = [t.name for t in target.tags.all()]
    if search_key(action["value"]) in {search_key(n) for n in names}:
        return {"skipped": "already tagged"}
    services.conversation_update(
        conversation=target, acting=None, tags=[*names, action["value"]], now=now, via="automation"
    )
    return {}


def _set_priority(
    target: Conversation, action: dict, rule: AutomationRule, context: dict, now: dt.datetime
) -> dict:
    services.conversation_update(
        conversation=target, acting=None, priority=action["value"], now=now, via="automation"
    )
    return {}


def _set_category(
    target: Conversation, action: dict, rule: AutomationRule, context: dict, now: dt.datetime
) -> dict:
    services.conversation_update(
        conversation=target, acting=None, category=action["value"], now=now, via="automation"
    )
    return {}


def _assign_team(
    target: Conversation, action: dict, rule: AutomationRule, context: dict, now: dt.datetime
) -> dict:
    team = Team.objects.get(workspace_id=target.workspace_id, pk=action["value"])
    keep = None
    if target.assignee_id is not None and team.members.filter(pk=target.assignee_id).exists():
        keep = target.assignee
    services.conversation_assign(
        conversation=target,
        assignee=keep,
        acting=None,
        team=team,
        reason=_reason(rule),
        now=now,
        via="automation",
    )
    if keep is None:
        from mehvar.conversations import routing

        decision = routing.conversation_route(conversation=target, now=now)
        if decision is not None:
            return {"assignee": decision.membership.pk}
    return {}


def _send_template(
    target: Conversation, action: dict, rule: AutomationRule, context: dict, now: dt.datetime
) -> dict:
    from mehvar.conversations.templating import render_reply

    canned = CannedReply.objects.get(workspace_id=target.workspace_id, pk=action["value"])
    message = context.get("message")
    trigger = f"m{message.pk}" if isinstance(message, Message) else f"t{int(now.timestamp())}"
    sent = services.message_send_system(
        conversation=target,
        text=render_reply(canned.body, conversation=target),
        template=canned,
        idempotency_key=f"automation:{rule.pk}:{target.pk}:{trigger}",
        now=now,
    )
    return {"message": sent.pk} if sent is not None else {"skipped": "cannot send"}


def _notify(
    target: Conversation, action: dict, rule: AutomationRule, context: dict, now: dt.datetime
) -> dict:
    value = action["value"]
    members = Membership.objects.filter(workspace_id=target.workspace_id).select_related("user")
    if value == "assignee":
        members = members.filter(pk=target.assignee_id) if target.assignee_id else members.none()
    elif value == "team":
        members = members.filter(teams=target.team_id) if target.team_id else members.none()
    elif value == "supervisors":
        members = members.filter(role__in=[Role.SUPERVISOR, Role.ADMIN])
    else:
        members = members.filter(pk__in=value)
    note = action.get("message", "")

    def subject() -> str:
        return _("Automation “%(rule)s”: conversation #%(number)s") % {
            "rule": rule.name,
            "number": target.number,
        }

    def lines() -> list[str]:
        return [*conversation_lines(target), *([note] if note else [])]

    return {"mailed": members_mail(members=list(members), subject=subject, lines=lines)}


ACTION_RUNNERS: dict[str, Callable[..., dict]] = {
    "add_tag": _add_tag,
    "set_priority": _set_priority,
    "set_category": _set_category,
    "assign_team": _assign_team,
    "send_template": _send_template,
    "notify": _notify,
}


def _watched(conversation_pk: int) -> dict[str, Any]:
    return Conversation.objects.filter(pk=conversation_pk).values(*WATCHED).get()


def _apply(
    rule: AutomationRule, conversation_pk: int, context: dict, now: dt.datetime
) -> tuple[list[dict], dict[str, Any]]:
    """Run the rule's actions on a copy of the conversation; returns what each did and the fields they
    changed (attname -> new value)."""
    target = Conversation.objects.select_related("workspace", "channel", "customer").get(pk=conversation_pk)
    before = {name: getattr(target, name) for name in WATCHED}
    done = []
    for action in rule.actions:
        kind = action.get("type", "") if isinstance(action, dict) else ""
        result: dict[str, Any] = {"type": kind}
        runner = ACTION_RUNNERS.get(kind)
        try:
            if runner is None:
                raise ValidationError(_("Unknown action."))
            with transaction.atomic():
                result.update(runner(target, action, rule, context, now))
        except (ValidationError, PermissionDenied, ObjectDoesNotExist, KeyError) as error:
            messages = getattr(error, "messages", None) or [str(error)]
            result["error"] = "; ".join(str(m) for m in messages)[:300]
        except Exception as error:  # a bug in one action must not lose the customer's message
            logger.exception("automation rule %s failed on conversation %s", rule.pk, conversation_pk)
            result["error"] = type(error).__name__
        done.append(result)
    after = _watched(conversation_pk)
    return done, {name: value for name, value in after.items() if before[name] != value}


def workspace_rules(conversation: Conversation, event: str) -> list[AutomationRule]:
    """The enabled rules of the conversation's workspace for ``event`` by position (read once per
    ``core.memo`` scope)."""
    return workspace_memo_for(
        conversation,
        f"{RULES_MEMO}:{event}",
        lambda: list(
            AutomationRule.objects.filter(
                workspace_id=conversation.workspace_id, enabled=True, event=event
            ).order_by("position", "pk")
        ),
    )


RULES_MEMO = "automation_rules"


def automations_run(*, event: str, conversation: Conversation, **context: Any) -> int:
    """Run the workspace's rules for ``event`` on ``conversation``; returns how many rules ran.

    ``context``: ``message`` (message_created), ``previous`` (status_changed), ``tags`` (tag_added, the
    names just added), ``target`` (sla_warning: first, next or resolution).
    """
    chain = _chain.get()
    if len(chain) >= MAX_DEPTH:
        logger.info("automation chain on conversation %s stopped at depth %d", conversation.pk, len(chain))
        return 0
    rules = workspace_rules(conversation, event)
    if not rules:
        return 0
    now = timezone.now()
    facts = Facts(conversation, context)
    ran = 0
    for rule in rules:
        key = (rule.pk, conversation.pk)
        if key in chain:
            continue  # this rule is already acting on this conversation further up: no self-triggering
        conditions = rule.conditions if isinstance(rule.conditions, list) else []
        if not all(isinstance(c, dict) and condition_holds(c, facts) for c in conditions):
            continue
        token = _chain.set((*chain, key))
        try:
            done, changed = _apply(rule, conversation.pk, context, now)
        finally:
            _chain.reset(token)
        AutomationRule.objects.filter(pk=rule.pk).update(runs=F("runs") + 1)
        services.event_add(
            conversation=conversation,
            kind=Event.Kind.AUTOMATION,
            rule=rule.pk,
            name=rule.name,
            event=event,
            actions=done,
        )
        ran += 1
        for (
            name,
            value,
        ) in changed.items():  # only what the actions changed: the caller may hold unsaved edits
            setattr(conversation, name, value)
        facts = Facts(conversation, context)  # the next rules see what this one did
    return ran
