"""Load the demo: the shop, one member of staff per role, then every app's demo steps, all or nothing."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from mehvar.accounts.models import User
from mehvar.accounts.services import api_token_create
from mehvar.core.audit import audit_record, snapshot
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Role
from mehvar.core.services import workspace_create
from mehvar.demo import surveys as _surveys  # noqa: F401  (registers the "surveys" demo step)
from mehvar.demo.generator import (
    DEMO_PASSWORD,
    DEMO_STAFF,
    DEMO_WORKSPACE_NAME,
    DEMO_WORKSPACE_SLUG,
    StaffMember,
)
from mehvar.demo.registry import DemoContext, demo_steps

SMALL_CUSTOMERS = 300
DEFAULT_CUSTOMERS = 5000


@dataclass
class DemoLoad:
    workspace: Workspace
    created: bool  # False when the demo existed and --if-empty left it alone
    api_token: str = ""  # the owner's new token, only when created: it is not stored in plain text


def _feedback_model_ready(say: Callable[[str], None]) -> None:
    """The feedback model is built before the demo's comments, reviews and messages are read, so that they are
    read by it and not by the keyword rules that answer while it is missing (``FEEDBACK_MODEL_BUILD`` "off"
    leaves it to ``mehvar feedback train``)."""
    from mehvar.feedback.services import feedback_base_model_ready

    say("feedback model")
    if not feedback_base_model_ready():
        say("feedback model not built (FEEDBACK_MODEL_BUILD is off): comments are read by keyword rules")


def demo_workspace() -> Workspace | None:
    return Workspace.objects.filter(slug=DEMO_WORKSPACE_SLUG).first()


def demo_load(
    *,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = 1,
    if_empty: bool = False,
    replace: bool = False,
    say: Callable[[str], None] = lambda message: None,
) -> DemoLoad:
    """Create the demo workspace with its staff and data.

    When the demo workspace exists: ``if_empty`` leaves it alone, ``replace`` deletes it first, and
    otherwise ValidationError says so.
    """
    existing = demo_workspace()
    if existing is not None:
        if if_empty:
            return DemoLoad(workspace=existing, created=False)
        if not replace:
            raise ValidationError(
                {"workspace": _("The demo workspace exists already: load with --if-empty or --replace.")}
            )
    _feedback_model_ready(say)
    with transaction.atomic():
        if existing is not None:
            existing.delete()
        users = {person.email: _staff_user(person) for person in DEMO_STAFF}
        owner_user = users[DEMO_STAFF[0].email]
        workspace = workspace_create(name=DEMO_WORKSPACE_NAME, slug=DEMO_WORKSPACE_SLUG, owner=owner_user)
        owner = Membership.objects.get(workspace=workspace, user=owner_user)
        members: dict[str, list[Membership]] = {Role.OWNER: [owner]}
        for person in DEMO_STAFF[1:]:
            membership = Membership.objects.create(
                workspace=workspace, user=users[person.email], role=person.role
            )
            audit_record(
                workspace=workspace,
                actor=owner_user,
                action=AuditEntry.Action.CREATE,
                obj=membership,
                after=snapshot(membership, ["user", "role"]),
                via="system",
            )
            members.setdefault(person.role, []).append(membership)
        _token, secret = api_token_create(membership=owner, name="demo", via="system")
        context = DemoContext(
            workspace=workspace, owner=owner, members=members, customers=customers, seed=seed, say=say
        )
        for step in demo_steps():
            step.run(context)
    return DemoLoad(workspace=workspace, created=True, api_token=secret)


def _staff_user(person: StaffMember) -> User:
    """The demo login for this person, (re)set to the shared demo password; the owner is an operator."""
    user = User.objects.filter(email=person.email).first() or User(email=person.email)
    user.full_name = person.full_name
    user.is_active = True
    user.is_staff = person.role == Role.OWNER
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user
