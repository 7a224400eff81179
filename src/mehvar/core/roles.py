"""Roles and their explicit permissions: the one place that says who may do what.

docs/permissions.md shows this matrix as a table; a test checks the two agree.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    MARKETER = "marketer", _("Marketer")
    ANALYST = "analyst", _("Analyst")


class Perm(StrEnum):
    """An action a member may take. Later modules add theirs here and to the matrix below."""

    WORKSPACE_VIEW = "workspace.view"
    WORKSPACE_MANAGE = "workspace.manage"  # name, business hours, days off
    MEMBERS_VIEW = "members.view"
    MEMBERS_MANAGE = "members.manage"  # invite, change role, remove
    OWNERS_MANAGE = "owners.manage"  # grant or take away the owner role
    AUDIT_VIEW = "audit.view"
    API_TOKENS_OWN = "api_tokens.own"  # create and revoke one's own tokens
    TASKS_VIEW_FAILED = "tasks.view_failed"
    CUSTOMERS_VIEW = "customers.view"
    CUSTOMERS_EDIT = "customers.edit"
    CONVERSATIONS_VIEW = "conversations.view"
    CONVERSATIONS_REPLY = "conversations.reply"
    CONVERSATIONS_ASSIGN = "conversations.assign"  # reassign others' conversations, the backlog
    INBOX_MANAGE = "inbox.manage"  # teams, agents' skills, SLA policies, canned replies, automations
    CHANNELS_MANAGE = "channels.manage"  # connect channels, see their secrets
    CAMPAIGNS_MANAGE = "campaigns.manage"
    REPORTS_VIEW = "reports.view"
    DATA_EXPORT = "data.export"
    CUSTOMERS_PRIVACY = "customers.privacy"  # export one customer's data, erase a customer (admins only)
    FEEDBACK_ANALYZE = "feedback.analyze"  # analyse texts, see the workspace's feedback model
    FEEDBACK_CORRECT = "feedback.correct"  # correct an analysis (retrains the workspace's model)
    SURVEYS_MANAGE = "surveys.manage"  # create and edit surveys, survey settings, every recovery task
    RECOVERY_WORK = "recovery.work"  # see and close the recovery tasks one owns (or one's team's)
    ENPS_RESULTS = "enps.results"  # send eNPS pulses to members and read their results (owners, admins)


_ALL = frozenset(Perm)
_EVERYONE = frozenset(
    {Perm.WORKSPACE_VIEW, Perm.MEMBERS_VIEW, Perm.API_TOKENS_OWN, Perm.CUSTOMERS_VIEW, Perm.FEEDBACK_ANALYZE}
)

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL - {Perm.OWNERS_MANAGE},
    Role.SUPERVISOR: _EVERYONE
    | {
        Perm.CUSTOMERS_EDIT,
        Perm.CONVERSATIONS_REPLY,
        Perm.CONVERSATIONS_VIEW,
        Perm.CONVERSATIONS_ASSIGN,
        Perm.INBOX_MANAGE,
        Perm.REPORTS_VIEW,
        Perm.AUDIT_VIEW,
        Perm.FEEDBACK_CORRECT,
        Perm.SURVEYS_MANAGE,
        Perm.RECOVERY_WORK,
    },
    Role.AGENT: _EVERYONE
    | {
        Perm.CUSTOMERS_EDIT,
        Perm.CONVERSATIONS_VIEW,
        Perm.CONVERSATIONS_REPLY,
        Perm.FEEDBACK_CORRECT,
        Perm.RECOVERY_WORK,
    },
    Role.MARKETER: _EVERYONE | {Perm.CAMPAIGNS_MANAGE, Perm.REPORTS_VIEW, Perm.SURVEYS_MANAGE},
    Role.ANALYST: _EVERYONE | {Perm.CONVERSATIONS_VIEW, Perm.REPORTS_VIEW, Perm.DATA_EXPORT},
}


def role_has(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def roles_with(perm: Perm) -> tuple[str, ...]:
    """The roles that have ``perm`` (for filtering memberships in SQL)."""
    return tuple(role for role in Role.values if role_has(role, perm))
