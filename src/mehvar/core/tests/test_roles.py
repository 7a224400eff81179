from mehvar.core.roles import ROLE_PERMISSIONS, Perm, Role, role_has


def test_every_role_has_a_permission_set():
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_analyst_is_read_only():
    writes = {
        Perm.WORKSPACE_MANAGE,
        Perm.MEMBERS_MANAGE,
        Perm.CUSTOMERS_EDIT,
        Perm.CONVERSATIONS_REPLY,
        Perm.CAMPAIGNS_MANAGE,
        Perm.OWNERS_MANAGE,
    }
    assert not any(role_has(Role.ANALYST, perm) for perm in writes)


def test_only_owner_manages_owners():
    assert [r for r in Role.values if role_has(r, Perm.OWNERS_MANAGE)] == [Role.OWNER]
