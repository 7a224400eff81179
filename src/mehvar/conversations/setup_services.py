"""Setting up the inbox without the Django admin: teams, agents' routing profiles, SLA policies and the inbox
settings. (Canned replies live in ``canned``, automation rules in ``automation_rules``, channels in
``channels.services``; presence goes through ``routing_presence.agent_presence_set`` so that a sign-off hands
conversations over.)

Every function is keyword-only, atomic, checks ``inbox.manage`` itself (a view forgetting its decorator
still cannot write) and records who acted in the audit log. A refused value is a ``ValidationError`` keyed by
the field it names, so a form can show it beside the right input.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mehvar.channels.models import ChannelKind
from mehvar.conversations.models import AgentProfile, InboxSettings, Priority, SlaPolicy, Team
from mehvar.conversations.routing_pool import pool_forget, shift_hours
from mehvar.conversations.services import inbox_settings
from mehvar.core.audit import audit_record, snapshot
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text

A = AuditEntry.Action
TEAM_FIELDS = ("name", "supervisor")
PROFILE_FIELDS = ("capacity", "skills", "languages", "channels", "senior", "shift")
SLA_FIELDS = (
    "name",
    "position",
    "enabled",
    "priority",
    "channel_kind",
    "customer_tag",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "warn_percent",
)
SETTINGS_FIELDS = ("reopen_days", "auto_assign", "attachment_max_mb", "notify_on_resolve")
MINUTES_MAX = 60 * 24 * 365
LIST_MAX = 50


def _invalid(errors: Mapping[str, str]) -> ValidationError:
    return ValidationError(
        {name: ValidationError(message, code="invalid") for name, message in errors.items()}
    )


def _require(acting: Membership, workspace_id: int) -> None:
    if acting.workspace_id != workspace_id or not role_has(acting.role, Perm.INBOX_MANAGE):
        raise PermissionDenied


def _audit(acting: Membership, action: str, obj: Any, before: Any = None, after: Any = None) -> None:
    audit_record(
        workspace=acting.workspace, actor=acting.user, action=action, obj=obj, before=before, after=after
    )


# --- teams ----------------------------------------------------------------------------------------------
def _team_values(
    acting: Membership, name: str, members: Iterable[Membership], supervisor: Membership | None
) -> tuple[str, list[Membership]]:
    errors: dict[str, str] = {}
    name = normalize_text(name or "")[:80]
    if not name:
        errors["name"] = _("Give the team a name.")
    members = list(members)
    if any(m.workspace_id != acting.workspace_id for m in members):
        errors["members"] = _("Choose members of this workspace.")
    if supervisor is not None and supervisor.workspace_id != acting.workspace_id:
        errors["supervisor"] = _("Choose a member of this workspace.")
    if errors:
        raise _invalid(errors)
    return name, members


def _team_save(team: Team) -> None:
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:
        raise _invalid({"name": _("Another team has this name.")}) from None


def _team_snapshot(team: Team) -> dict[str, Any]:
    return {**snapshot(team, TEAM_FIELDS), "members": sorted(team.members.values_list("pk", flat=True))}


@transaction.atomic
def team_save(
    *,
    acting: Membership,
    name: str,
    members: Iterable[Membership] = (),
    supervisor: Membership | None = None,
    team: Team | None = None,
) -> Team:
    """Create a team, or change ``team``: its name, members and supervisor."""
    _require(acting, acting.workspace_id if team is None else team.workspace_id)
    name, chosen = _team_values(acting, name, members, supervisor)
    before = None if team is None else _team_snapshot(team)
    if team is None:
        team = Team(workspace_id=acting.workspace_id)
    team.name, team.supervisor = name, supervisor
    _team_save(team)
    team.members.set(chosen)
    after = _team_snapshot(team)
    if before != after:
        _audit(acting, A.CREATE if before is None else A.UPDATE, team, before, after)
    return team


@transaction.atomic
def team_delete(*, acting: Membership, team: Team) -> None:
    """Delete a team; its conversations keep their assignee and simply have no team."""
    _require(acting, team.workspace_id)
    _audit(acting, A.DELETE, team, before=_team_snapshot(team))
    team.delete()


# --- agent profiles ---------------------------------------------------------------------------------------
def _words(values: Iterable[Any], limit: int = 60) -> list[str]:
    return list(dict.fromkeys(w for w in (normalize_text(str(v))[:limit] for v in values) if w))


def clean_shift(shift: Mapping[Any, Any]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Weekday (0 = Saturday) → [start, end] HH:MM; empty days dropped. Returns (shift, errors by day)."""
    cleaned: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for day in range(7):
        hours = shift.get(str(day), shift.get(day))
        if not hours or not any(hours):
            continue
        if not isinstance(hours, list | tuple) or len(hours) != 2 or shift_hours({"0": hours}, 0) is None:
            errors[str(day)] = _("Give a start and an end like 08:30, different from each other.")
            continue
        cleaned[str(day)] = [str(hours[0]).strip(), str(hours[1]).strip()]
    return cleaned, errors


@transaction.atomic
def agent_profile_save(
    *,
    acting: Membership,
    membership: Membership,
    capacity: int,
    skills: Iterable[str] = (),
    languages: Iterable[str] = (),
    channels: Iterable[str] = (),
    senior: bool = False,
    shift: Mapping[Any, Any] | None = None,
) -> AgentProfile:
    """Set what routing knows of an answering member (made on first save). Presence is not set here."""
    _require(acting, membership.workspace_id)
    errors: dict[str, str] = {}
    if not role_has(membership.role, Perm.CONVERSATIONS_REPLY):
        errors["membership"] = _("This member's role does not answer customers.")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= 200:
        errors["capacity"] = _("Give a whole number from 1 to 200.")
    skills, languages, channels = _words(skills), _words(languages, 8), _words(channels, 16)
    for field, values in (("skills", skills), ("languages", languages), ("channels", channels)):
        if len(values) > LIST_MAX:
            errors[field] = _("At most %(max)d values.") % {"max": LIST_MAX}
    unknown = [c for c in channels if c not in ChannelKind.values]
    if unknown:
        errors["channels"] = _("Unknown channel kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}
    clean, shift_errors = clean_shift(shift or {})
    errors.update({f"shift_{day}": message for day, message in shift_errors.items()})
    if errors:
        raise _invalid(errors)
    profile = AgentProfile.objects.select_for_update().filter(membership=membership).first()
    before = None if profile is None else snapshot(profile, PROFILE_FIELDS)
    if profile is None:
        profile = AgentProfile(workspace_id=membership.workspace_id, membership=membership)
    profile.capacity, profile.skills, profile.languages = capacity, skills, languages
    profile.channels, profile.senior, profile.shift = channels, bool(senior), clean
    profile.save()
    pool_forget(membership.workspace_id)  # routing in this process sees the change at once
    after = snapshot(profile, PROFILE_FIELDS)
    if before != after:
        _audit(acting, A.CREATE if before is None else A.UPDATE, profile, before, after)
    return profile


# --- SLA policies -----------------------------------------------------------------------------------------
def _minutes(value: Any, field: str, errors: dict[str, str], required: bool = False) -> int | None:
    if value in (None, ""):
        if required:
            errors[field] = _("Give the first response target.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MINUTES_MAX:
        errors[field] = _("Give whole business minutes from 1 to %(max)d.") % {"max": MINUTES_MAX}
        return None
    return value


@transaction.atomic
def sla_policy_save(
    *,
    acting: Membership,
    name: str,
    first_response_minutes: int | None,
    next_response_minutes: int | None = None,
    resolution_minutes: int | None = None,
    priority: str = "",
    channel_kind: str = "",
    customer_tag: str = "",
    warn_percent: int = 80,
    enabled: bool = True,
    policy: SlaPolicy | None = None,
) -> SlaPolicy:
    """Create an SLA policy (placed last), or change ``policy``. Targets are in business minutes."""
    _require(acting, acting.workspace_id if policy is None else policy.workspace_id)
    errors: dict[str, str] = {}
    name = normalize_text(name or "")[:80]
    if not name:
        errors["name"] = _("Give the policy a name.")
    if priority and priority not in Priority.values:
        errors["priority"] = _("Unknown priority.")
    if channel_kind and channel_kind not in ChannelKind.values:
        errors["channel_kind"] = _("Unknown channel kind.")
    targets = {
        "first_response_minutes": _minutes(first_response_minutes, "first_response_minutes", errors, True),
        "next_response_minutes": _minutes(next_response_minutes, "next_response_minutes", errors),
        "resolution_minutes": _minutes(resolution_minutes, "resolution_minutes", errors),
    }
    if isinstance(warn_percent, bool) or not isinstance(warn_percent, int) or not 1 <= warn_percent <= 100:
        errors["warn_percent"] = _("Give a percentage from 1 to 100.")
    if errors:
        raise _invalid(errors)
    before = None if policy is None else snapshot(policy, SLA_FIELDS)
    if policy is None:
        last = SlaPolicy.objects.filter(workspace_id=acting.workspace_id).order_by("-position").first()
        policy = SlaPolicy(workspace_id=acting.workspace_id, position=(last.position + 1) if last else 0)
    policy.name, policy.priority, policy.channel_kind = name, priority, channel_kind
    policy.customer_tag = normalize_text(customer_tag or "")[:60]
    policy.warn_percent, policy.enabled = warn_percent, bool(enabled)
    for field, value in targets.items():
        setattr(policy, field, value)
    policy.save()
    after = snapshot(policy, SLA_FIELDS)
    if before != after:
        _audit(acting, A.CREATE if before is None else A.UPDATE, policy, before, after)
    return policy


@transaction.atomic
def sla_policy_delete(*, acting: Membership, policy: SlaPolicy) -> None:
    """Delete a policy; conversations keep the deadlines it already set."""
    _require(acting, policy.workspace_id)
    _audit(acting, A.DELETE, policy, before=snapshot(policy, SLA_FIELDS))
    policy.delete()


@transaction.atomic
def sla_policy_move(*, acting: Membership, policy: SlaPolicy, up: bool) -> None:
    """Swap a policy with its neighbour (the first match by position wins); positions are renumbered 0..n."""
    _require(acting, policy.workspace_id)
    policies = list(
        SlaPolicy.objects.select_for_update()
        .filter(workspace_id=policy.workspace_id)
        .order_by("position", "pk")
    )
    index = next(i for i, p in enumerate(policies) if p.pk == policy.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(policies):
        return
    policies[index], policies[other] = policies[other], policies[index]
    for position, row in enumerate(policies):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
    _audit(acting, A.UPDATE, policy, {"order": index + 1}, {"order": other + 1})


# --- inbox settings ---------------------------------------------------------------------------------------
@transaction.atomic
def inbox_settings_update(
    *,
    acting: Membership,
    reopen_days: int,
    auto_assign: bool,
    attachment_max_mb: int,
    notify_on_resolve: bool,
) -> InboxSettings:
    _require(acting, acting.workspace_id)
    errors: dict[str, str] = {}
    if isinstance(reopen_days, bool) or not isinstance(reopen_days, int) or not 0 <= reopen_days <= 365:
        errors["reopen_days"] = _("Give a number of days from 0 to 365.")
    if (
        isinstance(attachment_max_mb, bool)
        or not isinstance(attachment_max_mb, int)
        or not 1 <= attachment_max_mb <= 100
    ):
        errors["attachment_max_mb"] = _("Give a size from 1 to 100 MB.")
    if errors:
        raise _invalid(errors)
    settings = inbox_settings(acting.workspace)
    settings = InboxSettings.objects.select_for_update().get(pk=settings.pk)
    before = snapshot(settings, SETTINGS_FIELDS)
    settings.reopen_days, settings.auto_assign = reopen_days, bool(auto_assign)
    settings.attachment_max_mb, settings.notify_on_resolve = attachment_max_mb, bool(notify_on_resolve)
    settings.save(update_fields=list(SETTINGS_FIELDS))
    after = snapshot(settings, SETTINGS_FIELDS)
    if before != after:
        _audit(acting, A.UPDATE, settings, before, after)
    return settings
