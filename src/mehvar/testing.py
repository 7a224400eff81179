"""The reusable test base: two workspaces and the three people every access test needs.

``tenants`` (a pytest fixture in conftest.py) gives owner-of-A, agent-of-A and outsider-of-B, each with a
membership and an API token, plus one member of A for every other role. A cross-workspace test is then one
line: the outsider asks for A's object and gets 404.
"""

from dataclasses import dataclass, field
from typing import Any

from mehvar.accounts.services import api_token_create, user_create
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Role
from mehvar.core.services import workspace_create

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Tenants:
    ws_a: Workspace
    ws_b: Workspace
    owner_a: Membership
    agent_a: Membership
    outsider_b: Membership
    by_role: dict[str, Membership] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # role name or "outsider" -> bearer secret

    def bearer(self, who: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.tokens[who]}"}


def make_member(*, workspace: Workspace, email: str, role: str, full_name: str = "") -> Membership:
    user = user_create(email=email, password=PASSWORD, full_name=full_name)
    return Membership.objects.create(workspace=workspace, user=user, role=role)


def build_tenants() -> Tenants:
    owner_user = user_create(email="owner@a.test", password=PASSWORD, full_name="مالک الف")
    ws_a = workspace_create(name="فروشگاه الف", slug="shop-a", owner=owner_user)
    outsider_user = user_create(email="outsider@b.test", password=PASSWORD, full_name="بیرونی ب")
    ws_b = workspace_create(name="فروشگاه ب", slug="shop-b", owner=outsider_user)
    owner_a = Membership.objects.get(workspace=ws_a, user=owner_user)
    outsider_b = Membership.objects.get(workspace=ws_b, user=outsider_user)
    by_role: dict[str, Membership] = {Role.OWNER: owner_a}
    for role in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.MARKETER, Role.ANALYST):
        by_role[role] = make_member(
            workspace=ws_a, email=f"{role}@a.test", role=role, full_name=f"{role} الف"
        )
    tenants = Tenants(
        ws_a=ws_a,
        ws_b=ws_b,
        owner_a=owner_a,
        agent_a=by_role[Role.AGENT],
        outsider_b=outsider_b,
        by_role=by_role,
    )
    for role, membership in by_role.items():
        tenants.tokens[str(role)] = api_token_create(membership=membership, name="test")[1]
    tenants.tokens["outsider"] = api_token_create(membership=outsider_b, name="test")[1]
    return tenants


def login(client: Any, membership: Membership) -> Any:
    client.force_login(membership.user)
    return client
