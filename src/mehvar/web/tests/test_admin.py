"""The operators' admin: in Persian and right to left, every model reachable, the audit log and tokens
read-only, and what operators change recorded in the workspace's audit log."""

import pytest
from django.urls import reverse

from mehvar.accounts.models import ApiToken, User
from mehvar.core.models import AuditEntry, DayOff, Invitation, Membership
from mehvar.core.roles import Role
from mehvar.core.services import invitation_create


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="ops@mehvar.test", password="operator-password-1")


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


def test_admin_is_persian_and_right_to_left(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert 'lang="fa" dir="rtl"' in html
    assert "admin/css/rtl.css" in html
    assert "مدیریت" in html or "خوش آمدید" in html  # Django's own Persian translation is active


def test_admin_follows_an_operator_who_prefers_english(admin_client, operator):
    operator.language = "en"
    operator.save(update_fields=["language"])
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert 'lang="en" dir="ltr"' in html


def test_members_of_a_workspace_cannot_use_the_admin(client, tenants):
    client.force_login(tenants.owner_a.user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_every_model_page_opens(admin_client, tenants):
    invitation, _secret = invitation_create(acting=tenants.owner_a, email="new@a.test", role=Role.AGENT)
    DayOff.objects.create(workspace=tenants.ws_a, date="2025-06-01", title="Inventory")
    token = ApiToken.objects.filter(workspace=tenants.ws_a).first()
    entry = AuditEntry.objects.filter(workspace=tenants.ws_a).first()
    pages = [
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[tenants.owner_a.user.pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_apitoken_changelist"),
        reverse("admin:accounts_apitoken_change", args=[token.pk]),
        reverse("admin:core_workspace_changelist"),
        reverse("admin:core_workspace_change", args=[tenants.ws_a.pk]),
        reverse("admin:core_membership_changelist"),
        reverse("admin:core_invitation_changelist"),
        reverse("admin:core_invitation_change", args=[invitation.pk]),
        reverse("admin:core_dayoff_changelist"),
        reverse("admin:core_businesshours_changelist"),
        reverse("admin:core_auditentry_changelist"),
        reverse("admin:core_auditentry_change", args=[entry.pk]),
    ]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
    workspace_page = admin_client.get(reverse("admin:core_workspace_change", args=[tenants.ws_a.pk]))
    assert tenants.agent_a.user.full_name in workspace_page.content.decode()  # the members inline


def test_audit_log_and_invitations_are_read_only(admin_client, tenants):
    entry = AuditEntry.objects.filter(workspace=tenants.ws_a).first()
    assert admin_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert admin_client.get(reverse("admin:core_invitation_add")).status_code == 403
    html = admin_client.get(reverse("admin:core_auditentry_change", args=[entry.pk])).content.decode()
    assert 'name="_save"' not in html
    response = admin_client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_api_tokens_show_their_hash_read_only_and_never_a_secret(admin_client, tenants):
    token = ApiToken.objects.filter(workspace=tenants.ws_a).first()
    html = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert token.token_hash in html
    assert 'name="token_hash"' not in html  # shown, not editable
    assert tenants.tokens["owner"] not in html
    assert admin_client.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_an_operator_revokes_tokens_and_the_workspace_audit_log_says_so(admin_client, tenants, operator):
    token = ApiToken.objects.get(membership=tenants.agent_a)
    response = admin_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.filter(workspace=tenants.ws_a, via="admin").get()
    assert entry.actor == operator
    assert entry.object_id == str(token.pk)


def test_an_operator_changing_a_role_is_audited(admin_client, tenants, operator):
    agent = tenants.agent_a
    response = admin_client.post(
        reverse("admin:core_membership_change", args=[agent.pk]),
        {"user": agent.user.pk, "workspace": tenants.ws_a.pk, "role": Role.SUPERVISOR},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    assert agent.role == Role.SUPERVISOR
    entry = AuditEntry.objects.filter(workspace=tenants.ws_a, via="admin").get()
    assert (entry.actor, entry.action) == (operator, "update")
    assert entry.before == {"role": "agent"}
    assert entry.after == {"role": "supervisor"}


def test_an_operator_creates_a_user_who_signs_in_by_email(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@Example.test",
            "full_name": "کاربر تازه",
            "usable_password": "true",
            "password1": "a-long-enough-password-9",
            "password2": "a-long-enough-password-9",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="new.person@example.test")
    assert user.check_password("a-long-enough-password-9")
    assert not user.is_staff


def test_deleting_a_day_off_in_the_admin_is_audited(admin_client, tenants):
    day = DayOff.objects.create(workspace=tenants.ws_a, date="2025-06-01", title="Inventory")
    response = admin_client.post(reverse("admin:core_dayoff_delete", args=[day.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not DayOff.objects.filter(pk=day.pk).exists()
    entry = AuditEntry.objects.filter(workspace=tenants.ws_a, via="admin").get()
    assert entry.action == "delete"
    assert entry.before["title"] == "Inventory"
    assert Invitation.objects.count() == 0
    assert Membership.objects.filter(workspace=tenants.ws_a).count() == 6


def test_members_edited_inline_on_the_workspace_page_are_audited(admin_client, tenants, operator):
    ws = tenants.ws_a
    members = list(Membership.objects.filter(workspace=ws).order_by("pk"))
    hours = ws.business_hours
    data = {
        "name": ws.name,
        "slug": ws.slug,
        "time_zone": ws.time_zone,
        "persian_digits": "on",
        "memberships-TOTAL_FORMS": str(len(members)),
        "memberships-INITIAL_FORMS": str(len(members)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "business_hours-TOTAL_FORMS": "1",
        "business_hours-INITIAL_FORMS": "1",
        "business_hours-MIN_NUM_FORMS": "0",
        "business_hours-MAX_NUM_FORMS": "1",
        "business_hours-0-id": hours.pk,
        "business_hours-0-workspace": ws.pk,
        "business_hours-0-week": '{"6": ["08:00", "17:00"]}',
        "business_hours-0-observe_official_holidays": "on",
    }
    for index, member in enumerate(members):
        role = Role.ANALYST if member == tenants.agent_a else member.role
        data |= {
            f"memberships-{index}-id": member.pk,
            f"memberships-{index}-workspace": ws.pk,
            f"memberships-{index}-user": member.user_id,
            f"memberships-{index}-role": role,
        }
    response = admin_client.post(reverse("admin:core_workspace_change", args=[ws.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    tenants.agent_a.refresh_from_db()
    assert tenants.agent_a.role == Role.ANALYST
    entries = {e.object_type: e for e in AuditEntry.objects.filter(workspace=ws, via="admin")}
    assert set(entries) == {"core.membership", "core.businesshours"}  # unchanged rows leave no entry
    assert entries["core.membership"].after == {"role": "analyst"}
    assert entries["core.membership"].actor == operator
    assert entries["core.businesshours"].after == {"week": {"6": ["08:00", "17:00"]}}


def test_business_hours_the_calendar_cannot_read_are_refused(admin_client, tenants):
    hours = tenants.ws_a.business_hours
    url = reverse("admin:core_businesshours_change", args=[hours.pk])
    for week in ('{"6": ["17:00", "08:00"]}', '{"9": ["08:00", "17:00"]}', '["08:00"]'):
        response = admin_client.post(
            url, {"workspace": tenants.ws_a.pk, "week": week, "observe_official_holidays": "on"}
        )
        assert response.status_code == 200, week  # the form again, with the error
        assert "errorlist" in response.content.decode()
    hours.refresh_from_db()
    assert hours.week["6"] == ["08:00", "17:00"]
