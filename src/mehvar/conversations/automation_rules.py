"""The language of automation rules: events, condition fields and operators, actions; validation and saving.

A rule is *when* ``event``, *if* every condition holds, *then* each action in order::

    event:      "message_created" | "status_changed" | "sla_warning" | "tag_added"
    conditions: [{"field": "text", "op": "contains", "value": ["مرجوع", "پس بدم"]},
                 {"field": "customer.tag", "op": "contains", "value": "vip"}]
    actions:    [{"type": "add_tag", "value": "مرجوعی"}, {"type": "set_priority", "value": "high"}]

Fields (``FIELDS``): ``channel`` (kind), ``text`` (the message's text; for other events the customer's
latest message), ``priority``, ``status``, ``category``, ``tag`` (the conversation's tags), ``added_tag``
(tags just added, for tag_added), ``sla_target`` (for sla_warning), ``customer.tag``,
``customer.lifecycle``, ``customer.city`` and ``customer.custom.<key>`` (a custom field of the workspace).
Text is compared by ``core.text.search_key``: Arabic ي/ك, ZWNJ, spaces, Persian digits and letter case do
not matter («ارسال‌نشده» contains «ارسال نشده»).

Actions (``ACTIONS``): ``add_tag``, ``set_priority``, ``assign_team`` (team id or name), ``send_template``
(canned reply id or title), ``notify`` ("assignee", "team", "supervisors" or member ids; optional
``message``), ``set_category``. Errors are keyed by ``name``, ``event``, ``conditions`` or ``actions``, each
message naming the item and its part («Condition 2, operator: ...»). See docs/inbox-logic.md.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.channels.models import ChannelKind
from mehvar.conversations.models import AutomationRule, CannedReply, Priority, Status, Team
from mehvar.core.audit import audit_record, snapshot
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text
from mehvar.customers.models import CustomField, Lifecycle

EVENTS = {
    "message_created": gettext_lazy("A customer's message arrives"),
    "status_changed": gettext_lazy("The status changes"),
    "sla_warning": gettext_lazy("An SLA deadline is near"),
    "tag_added": gettext_lazy("A tag is added"),
}
OPS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "contains": gettext_lazy("contains"),
    "not_contains": gettext_lazy("does not contain"),
    "is_set": gettext_lazy("is set"),
    "is_empty": gettext_lazy("is empty"),
    "gte": gettext_lazy("is at least"),
    "lte": gettext_lazy("is at most"),
}
CHOICE_OPS = ("eq", "ne", "in", "not_in")
TEXT_OPS = (*CHOICE_OPS, "contains", "not_contains", "is_set", "is_empty")
TAG_OPS = ("contains", "not_contains")
LIST_OPS = ("in", "not_in")
NO_VALUE_OPS = ("is_set", "is_empty")
SLA_TARGETS = ("first", "next", "resolution")


@dataclass(frozen=True)
class FieldSpec:
    label: Any
    ops: tuple[str, ...]
    kind: str  # choice, text, tags
    choices: tuple[str, ...] = ()


FIELDS: dict[str, FieldSpec] = {
    "channel": FieldSpec(gettext_lazy("channel"), CHOICE_OPS, "choice", tuple(ChannelKind.values)),
    "text": FieldSpec(gettext_lazy("message text"), ("contains", "not_contains"), "text"),
    "priority": FieldSpec(
        gettext_lazy("priority"), (*CHOICE_OPS, "gte", "lte"), "choice", tuple(Priority.values)
    ),
    "status": FieldSpec(gettext_lazy("status"), CHOICE_OPS, "choice", tuple(Status.values)),
    "category": FieldSpec(gettext_lazy("category"), TEXT_OPS, "text"),
    "tag": FieldSpec(gettext_lazy("conversation tag"), TAG_OPS, "tags"),
    "added_tag": FieldSpec(gettext_lazy("tag just added"), TAG_OPS, "tags"),
    "sla_target": FieldSpec(gettext_lazy("SLA target"), CHOICE_OPS, "choice", SLA_TARGETS),
    "customer.tag": FieldSpec(gettext_lazy("customer tag"), TAG_OPS, "tags"),
    "customer.lifecycle": FieldSpec(
        gettext_lazy("customer lifecycle stage"), CHOICE_OPS, "choice", tuple(Lifecycle.values)
    ),
    "customer.city": FieldSpec(gettext_lazy("customer city"), TEXT_OPS, "text"),
}
CUSTOM_PREFIX = "customer.custom."
CUSTOM_SPEC = FieldSpec(gettext_lazy("customer custom field"), TEXT_OPS, "text")
NOTIFY_GROUPS = ("assignee", "team", "supervisors")
ACTIONS = {
    "add_tag": gettext_lazy("Add a tag"),
    "set_priority": gettext_lazy("Set the priority"),
    "assign_team": gettext_lazy("Give to a team"),
    "send_template": gettext_lazy("Send a canned reply"),
    "notify": gettext_lazy("E-mail members"),
    "set_category": gettext_lazy("Set the category"),
}
MAX_CONDITIONS = 20
MAX_ACTIONS = 10
MAX_VALUES = 50


def field_spec(name: str) -> FieldSpec | None:
    if name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX):
        return CUSTOM_SPEC
    return FIELDS.get(name)


class _Errors:
    def __init__(self) -> None:
        self.by_key: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.by_key.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_key:
            raise ValidationError(
                {k: [ValidationError(m, code="invalid") for m in v] for k, v in self.by_key.items()}
            )


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = normalize_text(str(value))
    return text[:limit] if text else None


def _clean_value(spec: FieldSpec, op: str, value: Any) -> tuple[Any, str]:
    """The cleaned value, or (None, problem)."""
    if op in NO_VALUE_OPS:
        return None, ""
    many = op in LIST_OPS or (op in ("contains", "not_contains") and isinstance(value, list))
    raw = value if isinstance(value, list) else [value]
    if op in LIST_OPS and not isinstance(value, list):
        return None, _("give a list of values")
    if not raw or len(raw) > MAX_VALUES:
        return None, _("give between 1 and %(max)d values") % {"max": MAX_VALUES}
    cleaned = []
    for item in raw:
        text = _text(item, 200)
        if text is None:
            return None, _("give a value")
        if spec.kind == "choice":
            text = text.lower()
            if text not in spec.choices:
                return None, _("“%(value)s” is not one of: %(choices)s") % {
                    "value": text,
                    "choices": ", ".join(spec.choices),
                }
        cleaned.append(text)
    return (cleaned if many else cleaned[0]), ""


def _clean_conditions(workspace: Workspace, conditions: Any, errors: _Errors) -> list[dict[str, Any]]:
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
        errors.add("conditions", _("Give a list of at most %(max)d conditions.") % {"max": MAX_CONDITIONS})
        return []
    custom_keys: set[str] | None = None
    cleaned = []
    for number, condition in enumerate(conditions, start=1):
        where = {"number": number}
        if not isinstance(condition, Mapping):
            errors.add(
                "conditions", _("Condition %(number)d: give a field, an operator and a value.") % where
            )
            continue
        name = str(condition.get("field", "")).strip()
        spec = field_spec(name)
        if spec is None:
            errors.add(
                "conditions",
                _("Condition %(number)d, field: unknown field “%(field)s”.") % {**where, "field": name},
            )
            continue
        if spec is CUSTOM_SPEC:
            if custom_keys is None:
                custom_keys = set(
                    CustomField.objects.filter(workspace=workspace).values_list("key", flat=True)
                )
            if name[len(CUSTOM_PREFIX) :] not in custom_keys:
                errors.add(
                    "conditions",
                    _("Condition %(number)d, field: the workspace has no custom field “%(key)s”.")
                    % {**where, "key": name[len(CUSTOM_PREFIX) :]},
                )
                continue
        op = str(condition.get("op", "")).strip()
        if op not in spec.ops:
            errors.add(
                "conditions",
                _(
                    "Condition %(number)d, operator: “%(op)s” cannot be used with %(field)s; "
                    "use one of %(ops)s."
                )
                % {**where, "op": op, "field": spec.label, "ops": ", ".join(spec.ops)},
            )
            continue
        value, problem = _clean_value(spec, op, condition.get("value"))
        if problem:
            errors.add(
                "conditions", _("Condition %(number)d, value: %(problem)s.") % {**where, "problem": problem}
            )
            continue
        cleaned.append({"field": name, "op": op, "value": value})
    return cleaned


def _is_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.isdigit()
    )


def _team(workspace: Workspace, value: Any) -> Team | None:
    rows = Team.objects.filter(workspace=workspace)
    if _is_id(value):
        return rows.filter(pk=int(value)).first()
    name = _text(value, 80)
    return rows.filter(name=name).first() if name else None


def _canned(workspace: Workspace, value: Any) -> CannedReply | None:
    rows = CannedReply.objects.filter(workspace=workspace)
    if _is_id(value):
        return rows.filter(pk=int(value)).first()
    title = _text(value, 120)
    return rows.filter(Q(title=title) | Q(shortcut=title)).first() if title else None


def _clean_action(workspace: Workspace, kind: str, action: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    value = action.get("value")
    if kind in ("add_tag", "set_category"):
        text = _text(value, 60)
        if text is None and kind == "add_tag":
            return {}, _("give the tag")
        return {"type": kind, "value": text or ""}, ""
    if kind == "set_priority":
        text = (_text(value, 10) or "").lower()
        if text not in Priority.values:
            return {}, _("give one of %(choices)s") % {"choices": ", ".join(Priority.values)}
        return {"type": kind, "value": text}, ""
    if kind == "assign_team":
        team = _team(workspace, value)
        return ({"type": kind, "value": team.pk}, "") if team else ({}, _("no such team in this workspace"))
    if kind == "send_template":
        canned = _canned(workspace, value)
        return ({"type": kind, "value": canned.pk}, "") if canned else ({}, _("no such canned reply"))
    # notify
    message = _text(action.get("message", ""), 500) or ""
    if isinstance(value, str) and value in NOTIFY_GROUPS:
        return {"type": kind, "value": value, "message": message}, ""
    if isinstance(value, list) and value and len(value) <= MAX_VALUES:
        try:
            ids = sorted({int(v) for v in value if not isinstance(v, bool)})
        except (TypeError, ValueError):
            ids = []
        found = set(Membership.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", flat=True))
        if ids and found == set(ids) and len(ids) == len(value):
            return {"type": kind, "value": ids, "message": message}, ""
    return {}, _("give “assignee”, “team”, “supervisors” or a list of members of this workspace")


def _clean_actions(workspace: Workspace, actions: Any, errors: _Errors) -> list[dict[str, Any]]:
    if not isinstance(actions, list) or not actions or len(actions) > MAX_ACTIONS:
        errors.add("actions", _("Give between 1 and %(max)d actions.") % {"max": MAX_ACTIONS})
        return []
    cleaned = []
    for number, action in enumerate(actions, start=1):
        where = {"number": number}
        kind = str(action.get("type", "")).strip() if isinstance(action, Mapping) else ""
        if kind not in ACTIONS:
            errors.add(
                "actions", _("Action %(number)d, type: unknown action “%(type)s”.") % {**where, "type": kind}
            )
            continue
        item, problem = _clean_action(workspace, kind, action)  # type: ignore[arg-type]
        if problem:
            errors.add("actions", _("Action %(number)d, value: %(problem)s.") % {**where, "problem": problem})
            continue
        cleaned.append(item)
    return cleaned


def automation_rule_clean(
    *, workspace: Workspace, event: Any, conditions: Any, actions: Any
) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """A rule's event, conditions and actions, checked and cleaned; ValidationError names the field."""
    errors = _Errors()
    event = str(event or "").strip()
    if event not in EVENTS:
        errors.add(
            "event",
            _("Unknown event “%(event)s”; use one of %(events)s.")
            % {
                "event": event,
                "events": ", ".join(EVENTS),
            },
        )
    cleaned_conditions = _clean_conditions(workspace, conditions, errors)
    cleaned_actions = _clean_actions(workspace, actions, errors)
    errors.raise_if_any()
    return event, cleaned_conditions, cleaned_actions


@transaction.atomic
def automation_rule_save(
    *,
    workspace: Workspace,
    acting: Membership,
    name: str,
    event: Any,
    conditions: Any,
    actions: Any,
    enabled: bool = True,
    position: int = 0,
    rule: AutomationRule | None = None,
    via: str = "web",
) -> AutomationRule:
    """Create a rule, or change ``rule``; needs ``inbox.manage``. Audited."""
    if acting.workspace_id != workspace.pk or not role_has(acting.role, Perm.INBOX_MANAGE):
        raise PermissionDenied
    if rule is not None and rule.workspace_id != workspace.pk:
        raise PermissionDenied
    errors = _Errors()
    clean_name = normalize_text(name or "")[:120]
    if not clean_name:
        errors.add("name", _("Give the rule a name."))
    try:
        event, conditions, actions = automation_rule_clean(
            workspace=workspace, event=event, conditions=conditions, actions=actions
        )
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            for message in messages:
                errors.add(key, message)
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= 32767:
        errors.add("position", _("Give a whole number from 0 to 32767."))
    errors.raise_if_any()
    fields = ["name", "event", "conditions", "actions", "enabled", "position"]
    if rule is None:
        rule = AutomationRule.objects.create(
            workspace=workspace,
            name=clean_name,
            event=event,
            conditions=conditions,
            actions=actions,
            enabled=bool(enabled),
            position=position,
            created_by=acting,
            created_at=timezone.now(),
        )
        audit_record(
            workspace=workspace,
            actor=acting.user,
            action=AuditEntry.Action.CREATE,
            obj=rule,
            after=snapshot(rule, fields),
            via=via,
        )
        return rule
    before = snapshot(rule, fields)
    rule.name, rule.event, rule.conditions, rule.actions = clean_name, event, conditions, actions
    rule.enabled, rule.position = bool(enabled), position
    rule.save(update_fields=fields)
    audit_record(
        workspace=workspace,
        actor=acting.user,
        action=AuditEntry.Action.UPDATE,
        obj=rule,
        before=before,
        after=snapshot(rule, fields),
        via=via,
    )
    return rule


@transaction.atomic
def automation_rule_delete(*, rule: AutomationRule, acting: Membership, via: str = "web") -> None:
    """Delete a rule (its past runs stay on the conversations' timelines as events). Audited."""
    if acting.workspace_id != rule.workspace_id or not role_has(acting.role, Perm.INBOX_MANAGE):
        raise PermissionDenied
    audit_record(
        workspace=rule.workspace,
        actor=acting.user,
        action=AuditEntry.Action.DELETE,
        obj=rule,
        before=snapshot(rule, ["name", "event", "conditions", "actions"]),
        via=via,
    )
    rule.delete()
