"""Tenant safety on every route: the outsider gets 404 on A's objects and sees only B's data in lists;
a role that may not gets 403; nothing of A changes."""

import datetime as dt

import pytest

from mehvar.accounts.models import ApiToken
from mehvar.api.tests.apiclient import call, problem
from mehvar.core.models import AuditEntry, DayOff, Invitation, Membership
from mehvar.core.services import day_off_create, invitation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_objects(tenants):
    """One object of each kind in workspace A (and one of each in B, to see which the lists show)."""
    invitation_a, _ = invitation_create(acting=tenants.owner_a, email="new@a.test", role="agent")
    invitation_b, _ = invitation_create(acting=tenants.outsider_b, email="new@b.test", role="agent")
    day_a = day_off_create(acting=tenants.owner_a, date=dt.date(2025, 3, 20), title="روز الف")
    day_b = day_off_create(acting=tenants.outsider_b, date=dt.date(2025, 3, 21), title="روز ب")
    return {
        "member": tenants.agent_a,
        "invitation": invitation_a,
        "invitation_b": invitation_b,
        "day": day_a,
        "day_b": day_b,
        "token": ApiToken.objects.get(membership=tenants.owner_a),
    }


def object_writes(a):
    return [
        ("patch", f"/members/{a['member'].pk}", {"role": "analyst"}),
        ("delete", f"/members/{a['member'].pk}", None),
        ("delete", f"/invitations/{a['invitation'].pk}", None),
        ("delete", f"/days-off/{a['day'].pk}", None),
        ("delete", f"/tokens/{a['token'].pk}", None),
    ]


def snapshot_a(tenants):
    return (
        list(Membership.objects.filter(workspace=tenants.ws_a).values_list("pk", "role").order_by("pk")),
        list(
            Invitation.objects.filter(workspace=tenants.ws_a).values_list("pk", "revoked_at").order_by("pk")
        ),
        list(DayOff.objects.filter(workspace=tenants.ws_a).values_list("pk", "title").order_by("pk")),
        list(ApiToken.objects.filter(workspace=tenants.ws_a).values_list("pk", "revoked_at").order_by("pk")),
        AuditEntry.objects.filter(workspace=tenants.ws_a).count(),
    )


def test_outsider_gets_404_on_every_object_of_a(client, tenants, a_objects):
    before = snapshot_a(tenants)
    for method, path, body in object_writes(a_objects):
        problem(call(client, method, path, tenants=tenants, who="outsider", body=body), 404)
    assert snapshot_a(tenants) == before


def test_missing_object_gives_the_same_404(client, tenants):
    for method, path, body in [
        ("patch", "/members/999999", {"role": "analyst"}),
        ("delete", "/members/999999", None),
        ("delete", "/invitations/999999", None),
        ("delete", "/days-off/999999", None),
        ("delete", "/tokens/999999", None),
    ]:
        problem(call(client, method, path, tenants=tenants, who="owner", body=body), 404)


def test_another_members_token_is_not_yours(client, tenants, a_objects):
    """Tokens are per member: the agent cannot see or revoke the owner's, even in the same workspace."""
    problem(call(client, "delete", f"/tokens/{a_objects['token'].pk}", tenants=tenants, who="agent"), 404)
    listed = call(client, "get", "/tokens", tenants=tenants, who="agent").json()["items"]
    assert [t["id"] for t in listed] == [ApiToken.objects.get(membership=tenants.agent_a).pk]


def ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_outsider_lists_show_only_bs_data(client, tenants, a_objects):
    as_outsider = {"tenants": tenants, "who": "outsider"}
    assert ids(call(client, "get", "/members", **as_outsider)) == {tenants.outsider_b.pk}
    assert ids(call(client, "get", "/invitations", **as_outsider)) == {a_objects["invitation_b"].pk}
    assert ids(call(client, "get", "/days-off", **as_outsider)) == {a_objects["day_b"].pk}
    assert ids(call(client, "get", "/tokens", **as_outsider)) == {
        ApiToken.objects.get(membership=tenants.outsider_b).pk
    }
    audit_ids = ids(call(client, "get", "/audit-log?limit=200", **as_outsider))
    assert audit_ids == set(AuditEntry.objects.filter(workspace=tenants.ws_b).values_list("pk", flat=True))
    assert call(client, "get", "/workspace", **as_outsider).json()["slug"] == "shop-b"
    assert call(client, "get", "/me", **as_outsider).json()["workspace"]["slug"] == "shop-b"


def test_outsider_single_object_routes_answer_about_b(client, tenants):
    hours_b = tenants.ws_b.business_hours
    hours_b.week = {"1": ["09:00", "10:00"]}
    hours_b.save()
    answer = call(client, "get", "/business-hours", tenants=tenants, who="outsider").json()
    assert answer["week"] == {"1": ["09:00", "10:00"]}
    call(client, "patch", "/workspace", tenants=tenants, who="outsider", body={"name": "تازه"})
    tenants.ws_a.refresh_from_db()
    assert tenants.ws_a.name == "فروشگاه الف"


FORBIDDEN_TO_AGENT = [
    ("patch", "/workspace", {"name": "نام تازه"}),
    ("put", "/business-hours", {"week": {}, "observe_official_holidays": False}),
    ("post", "/days-off", {"date": "1404/01/12", "title": "تعطیل"}),
    ("delete", "/days-off/{day}", None),
    ("get", "/invitations", None),
    ("post", "/invitations", {"email": "x@a.test", "role": "agent"}),
    ("delete", "/invitations/{invitation}", None),
    ("patch", "/members/{member}", {"role": "analyst"}),
    ("delete", "/members/{member}", None),
    ("get", "/audit-log", None),
]


@pytest.mark.parametrize(("method", "path", "body"), FORBIDDEN_TO_AGENT)
def test_a_role_that_may_not_gets_403_and_nothing_changes(client, tenants, a_objects, method, path, body):
    path = path.format(
        day=a_objects["day"].pk, invitation=a_objects["invitation"].pk, member=tenants.by_role["analyst"].pk
    )
    before = snapshot_a(tenants)
    response = call(client, method, path, tenants=tenants, who="agent", body=body)
    assert problem(response, 403)["type"] == "urn:mehvar:problem:forbidden"
    assert snapshot_a(tenants) == before


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_read_only_roles_may_read_but_not_manage(client, tenants, role):
    assert call(client, "get", "/workspace", tenants=tenants, who=role).status_code == 200
    assert call(client, "get", "/members", tenants=tenants, who=role).status_code == 200
    assert call(client, "get", "/days-off", tenants=tenants, who=role).status_code == 200
    assert call(client, "get", "/business-hours", tenants=tenants, who=role).status_code == 200
    problem(call(client, "get", "/audit-log", tenants=tenants, who=role), 403)
    problem(call(client, "patch", "/workspace", tenants=tenants, who=role, body={"name": "n"}), 403)


def test_supervisor_may_read_the_audit_log(client, tenants):
    assert call(client, "get", "/audit-log", tenants=tenants, who="supervisor").status_code == 200
