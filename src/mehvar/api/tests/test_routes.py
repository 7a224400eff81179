"""What each foundation route does, through the API with a real token."""

import pytest
from django.core import mail

from mehvar.accounts.models import ApiToken
from mehvar.api.tests.apiclient import call, fields, problem
from mehvar.core.models import AuditEntry, BusinessHours, DayOff, Invitation, Membership

pytestmark = pytest.mark.django_db


def audit_of(tenants, action, object_type):
    return AuditEntry.objects.filter(workspace=tenants.ws_a, action=action, object_type=object_type)


# --- /me ------------------------------------------------------------------------------------------------


def test_me_shows_user_role_workspace_and_permissions(client, tenants):
    me = call(client, "get", "/me", tenants=tenants, who="analyst").json()
    assert me["email"] == "analyst@a.test"
    assert me["role"] == "analyst"
    assert me["workspace"]["name"] == "فروشگاه الف"
    assert "reports.view" in me["permissions"]
    assert "members.manage" not in me["permissions"]


def test_me_patch_normalises_persian_digits_of_the_phone(client, tenants):
    response = call(
        client,
        "patch",
        "/me",
        tenants=tenants,
        who="agent",
        body={"phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹", "language": "en"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "+989123456789"
    user = tenants.agent_a.user
    user.refresh_from_db()
    assert (user.phone, user.language, user.full_name) == ("+989123456789", "en", "agent الف")


def test_me_patch_null_phone_clears_it(client, tenants):
    call(client, "patch", "/me", tenants=tenants, who="agent", body={"phone": "09123456789"})
    response = call(
        client, "patch", "/me", tenants=tenants, who="agent", body={"phone": None, "full_name": "سارا"}
    )
    assert response.json()["phone"] == ""
    assert response.json()["full_name"] == "سارا"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "0912"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"language": "de"}, "language"),
        ({"full_name": "ن" * 151}, "full_name"),
        ({"full_name": 5}, "full_name"),
        ({"email": "x@y.z"}, "email"),
    ],
)
def test_me_patch_refuses_bad_input_and_writes_nothing(client, tenants, body, field):
    before = tenants.agent_a.user.__dict__.copy()
    response = call(client, "patch", "/me", tenants=tenants, who="agent", body=body)
    assert field in fields(problem(response, 422))
    user = tenants.agent_a.user
    user.refresh_from_db()
    assert (user.phone, user.language, user.full_name) == (
        before["phone"],
        before["language"],
        before["full_name"],
    )


# --- /workspace -----------------------------------------------------------------------------------------


def test_workspace_get_and_patch(client, tenants):
    assert call(client, "get", "/workspace", tenants=tenants, who="agent").json()["slug"] == "shop-a"
    response = call(
        client, "patch", "/workspace", tenants=tenants, who="admin", body={"name": "  فروشگاه  محور  "}
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "فروشگاه محور"
    assert response.json()["persian_digits"] is True
    entry = audit_of(tenants, "update", "core.workspace").get()
    assert entry.via == "api" and entry.after == {"name": "فروشگاه محور"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 121}, "name"),
        ({"name": ""}, "name"),
        ({"name": 123}, "name"),
        ({"name": None}, "name"),
        ({"persian_digits": "maybe"}, "persian_digits"),
        ({"slug": "other"}, "slug"),
    ],
)
def test_workspace_patch_refuses_bad_input(client, tenants, body, field):
    response = call(client, "patch", "/workspace", tenants=tenants, who="owner", body=body)
    assert fields(problem(response, 422)) == {field}
    tenants.ws_a.refresh_from_db()
    assert tenants.ws_a.name == "فروشگاه الف" and tenants.ws_a.slug == "shop-a"
    assert not audit_of(tenants, "update", "core.workspace").exists()


# --- /members -------------------------------------------------------------------------------------------


def test_members_list_and_role_change_and_removal(client, tenants):
    items = call(client, "get", "/members", tenants=tenants, who="agent").json()["items"]
    assert [m["email"] for m in items][:2] == ["owner@a.test", "admin@a.test"]
    assert len(items) == 6
    analyst = tenants.by_role["analyst"]
    response = call(
        client, "patch", f"/members/{analyst.pk}", tenants=tenants, who="admin", body={"role": "agent"}
    )
    assert response.status_code == 200 and response.json()["role"] == "agent"
    response = call(client, "delete", f"/members/{analyst.pk}", tenants=tenants, who="admin")
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=analyst.pk).exists()
    problem(call(client, "get", "/me", tenants=tenants, who="analyst"), 401)  # its tokens went with it


def test_member_role_must_be_a_role(client, tenants):
    member = tenants.by_role["analyst"]
    body = problem(
        call(client, "patch", f"/members/{member.pk}", tenants=tenants, who="owner", body={"role": "king"}),
        422,
    )
    assert fields(body) == {"role"}
    problem(call(client, "patch", "/members/abc", tenants=tenants, who="owner", body={"role": "agent"}), 422)
    problem(
        call(client, "patch", f"/members/{2**70}", tenants=tenants, who="owner", body={"role": "agent"}), 422
    )


# --- /invitations ---------------------------------------------------------------------------------------


def test_invitation_create_list_and_revoke(client, tenants, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = call(
            client,
            "post",
            "/invitations",
            tenants=tenants,
            who="admin",
            body={"email": "Sara@Example.com", "role": "agent"},
        )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["email"] == "sara@example.com" and created["role"] == "agent"
    assert "token" not in created and "secret" not in created
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sara@example.com"]
    listed = call(client, "get", "/invitations", tenants=tenants, who="admin").json()["items"]
    assert [i["id"] for i in listed] == [created["id"]]
    assert (
        call(client, "delete", f"/invitations/{created['id']}", tenants=tenants, who="admin").status_code
        == 204
    )
    assert Invitation.objects.get(pk=created["id"]).revoked_at is not None
    problem(call(client, "delete", f"/invitations/{created['id']}", tenants=tenants, who="admin"), 404)
    assert call(client, "get", "/invitations", tenants=tenants, who="admin").json()["items"] == []


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({"email": "not-an-email", "role": "agent"}, {"email"}),
        ({"email": "x@a.test", "role": "emperor"}, {"role"}),
        ({"email": "agent@a.test", "role": "agent"}, {"email"}),  # already a member (the service says)
        ({"role": "agent"}, {"email"}),
        ({"email": "x" * 250 + "@a.test", "role": "agent"}, {"email"}),
    ],
)
def test_invitation_refuses_bad_input(client, tenants, body, bad):
    response = call(client, "post", "/invitations", tenants=tenants, who="owner", body=body)
    assert fields(problem(response, 422)) == bad
    assert not Invitation.objects.exists()


def test_only_an_owner_invites_an_owner(client, tenants):
    problem(
        call(
            client,
            "post",
            "/invitations",
            tenants=tenants,
            who="admin",
            body={"email": "o@a.test", "role": "owner"},
        ),
        403,
    )


# --- /business-hours ------------------------------------------------------------------------------------


def test_business_hours_get_and_put(client, tenants):
    current = call(client, "get", "/business-hours", tenants=tenants, who="agent").json()
    assert current["week"]["6"] == ["08:00", "17:00"] and "5" not in current["week"]
    week = {"6": ["۰۹:۰۰", "۱۸:۰۰"], "1": ["09:00", "18:00"]}
    response = call(
        client,
        "put",
        "/business-hours",
        tenants=tenants,
        who="owner",
        body={"week": week, "observe_official_holidays": False},
    )
    assert response.status_code == 200, response.content
    hours = BusinessHours.objects.get(workspace=tenants.ws_a)
    assert hours.week == {"1": ["09:00", "18:00"], "6": ["09:00", "18:00"]}
    assert hours.observe_official_holidays is False
    assert audit_of(tenants, "update", "core.businesshours").get().via == "api"


@pytest.mark.parametrize(
    ("week", "bad"),
    [
        ({"8": ["08:00", "17:00"]}, {"week.8"}),
        ({"1": ["17:00", "08:00"]}, {"week.1"}),
        ({"1": ["08:00", "24:00"]}, {"week.1.1"}),
        ({"1": ["8am", "17:00"]}, {"week.1.0"}),
        ({"1": ["08:00"]}, {"week.1"}),
        ({"1": "08:00-17:00"}, {"week.1"}),
        ({"1": ["08:00", "17:00"], "2": ["10:00", "10:00"]}, {"week.2"}),
    ],
)
def test_business_hours_validates_times(client, tenants, week, bad):
    body = {"week": week, "observe_official_holidays": True}
    response = call(client, "put", "/business-hours", tenants=tenants, who="owner", body=body)
    assert fields(problem(response, 422)) == bad
    assert BusinessHours.objects.get(workspace=tenants.ws_a).week["6"] == ["08:00", "17:00"]


def test_business_hours_put_needs_both_fields(client, tenants):
    response = call(client, "put", "/business-hours", tenants=tenants, who="owner", body={"week": {}})
    assert fields(problem(response, 422)) == {"observe_official_holidays"}


# --- /days-off ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "iso", "jalali"),
    [
        ("1403/12/30", "2025-03-20", "1403/12/30"),
        ("۱۴۰۴/۰۱/۱۲", "2025-04-01", "1404/01/12"),
        ("2025-04-02", "2025-04-02", "1404/01/13"),
    ],
)
def test_day_off_accepts_jalali_or_iso_and_answers_both(client, tenants, given, iso, jalali):
    response = call(
        client, "post", "/days-off", tenants=tenants, who="owner", body={"date": given, "title": "تعطیل"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["date"] == iso and response.json()["date_jalali"] == jalali
    listed = call(client, "get", "/days-off", tenants=tenants, who="agent").json()["items"]
    assert listed == [response.json()]


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ({"date": "1404/12/30", "title": "t"}, {"date"}),  # 1404 is not a leap year
        ({"date": "1403/13/01", "title": "t"}, {"date"}),
        ({"date": "1403/12/31", "title": "t"}, {"date"}),
        ({"date": "yesterday", "title": "t"}, {"date"}),
        ({"date": 20250320, "title": "t"}, {"date"}),
        ({"date": "1404/01/12", "title": "ت" * 121}, {"title"}),
        ({"date": "1404/01/12", "title": ""}, {"title"}),
        ({"date": "1404/01/12"}, {"title"}),
        ({"title": "t", "extra": 1}, {"date", "extra"}),
    ],
)
def test_day_off_refuses_bad_input_and_writes_nothing(client, tenants, body, bad):
    response = call(client, "post", "/days-off", tenants=tenants, who="owner", body=body)
    assert fields(problem(response, 422)) == bad
    assert not DayOff.objects.exists()
    assert not audit_of(tenants, "create", "core.dayoff").exists()


def test_day_off_twice_on_one_date_is_refused_by_the_service(client, tenants):
    body = {"date": "1404/01/12", "title": "یک"}
    assert call(client, "post", "/days-off", tenants=tenants, who="owner", body=body).status_code == 201
    again = call(
        client, "post", "/days-off", tenants=tenants, who="owner", body={"date": "2025-04-01", "title": "دو"}
    )
    assert fields(problem(again, 422)) == {"date"}
    assert DayOff.objects.count() == 1


def test_day_off_delete(client, tenants):
    created = call(
        client, "post", "/days-off", tenants=tenants, who="owner", body={"date": "1404/01/12", "title": "t"}
    )
    day_id = created.json()["id"]
    assert call(client, "delete", f"/days-off/{day_id}", tenants=tenants, who="admin").status_code == 204
    assert not DayOff.objects.exists()
    assert audit_of(tenants, "delete", "core.dayoff").get().via == "api"


# --- /audit-log -----------------------------------------------------------------------------------------


def test_audit_log_lists_newest_first_with_filters(client, tenants):
    call(client, "post", "/days-off", tenants=tenants, who="owner", body={"date": "1404/01/12", "title": "t"})
    call(client, "patch", "/workspace", tenants=tenants, who="owner", body={"name": "نو"})
    entries = call(client, "get", "/audit-log", tenants=tenants, who="owner").json()["items"]
    assert entries[0]["object_type"] == "core.workspace" and entries[0]["action"] == "update"
    assert entries[0]["actor"] == "owner@a.test" and entries[0]["via"] == "api"
    assert entries[0]["before"] == {"name": "فروشگاه الف"}
    only = call(client, "get", "/audit-log?object_type=core.dayoff", tenants=tenants, who="owner").json()[
        "items"
    ]
    assert [e["object_type"] for e in only] == ["core.dayoff"]
    updates = call(client, "get", "/audit-log?action=update", tenants=tenants, who="owner").json()["items"]
    assert {e["action"] for e in updates} == {"update"}
    bad = problem(call(client, "get", "/audit-log?action=explode", tenants=tenants, who="owner"), 422)
    assert fields(bad) == {"action"}


# --- /tokens --------------------------------------------------------------------------------------------


def test_token_create_shows_the_secret_once_and_it_works(client, tenants):
    response = call(
        client, "post", "/tokens", tenants=tenants, who="agent", body={"name": "فروشگاه اینترنتی"}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    secret = created["secret"]
    assert secret.startswith(created["prefix"])
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.json()["email"] == "agent@a.test"
    listed = call(client, "get", "/tokens", tenants=tenants, who="agent").json()["items"]
    assert listed[0]["id"] == created["id"] and "secret" not in listed[0]
    assert not ApiToken.objects.filter(token_hash__contains=secret).exists()


def test_token_revoke(client, tenants):
    created = call(client, "post", "/tokens", tenants=tenants, who="agent", body={"name": "x"}).json()
    assert call(client, "delete", f"/tokens/{created['id']}", tenants=tenants, who="agent").status_code == 204
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {created['secret']}").status_code == 401
    problem(call(client, "delete", f"/tokens/{created['id']}", tenants=tenants, who="agent"), 404)


@pytest.mark.parametrize(
    ("body", "bad"), [({"name": ""}, "name"), ({"name": "n" * 101}, "name"), ({"name": []}, "name")]
)
def test_token_create_refuses_bad_names(client, tenants, body, bad):
    before = ApiToken.objects.count()
    assert fields(problem(call(client, "post", "/tokens", tenants=tenants, who="agent", body=body), 422)) == {
        bad
    }
    assert ApiToken.objects.count() == before
