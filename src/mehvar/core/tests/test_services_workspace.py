"""The services behind the workspace and account pages, called directly (as the API and tasks call them)."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone, translation

from mehvar.accounts.models import LoginFailure, User
from mehvar.accounts.services import (
    LoginThrottled,
    login_check,
    login_retry_after,
    user_create_from_invitation,
)
from mehvar.core.models import AuditEntry, BusinessHours, DayOff, Invitation, Membership
from mehvar.core.roles import Role
from mehvar.core.selectors import AuditCursor, audit_changes, audit_page
from mehvar.core.services import (
    business_hours_update,
    day_off_create,
    invitation_accept,
    invitation_create,
    membership_change_role,
    membership_remove,
    workspace_update,
)
from mehvar.testing import PASSWORD

pytestmark = pytest.mark.django_db


# --- Business hours ----------------------------------------------------------------------------------------


def test_business_hours_are_normalised(tenants):
    hours = business_hours_update(
        acting=tenants.owner_a,
        week={"6": ["8:00", "24:00"], "4": ["08:00", "13:00"], "5": []},
        observe_official_holidays=True,
    )
    assert hours.week == {"4": ["08:00", "13:00"], "6": ["08:00", "24:00"]}


@pytest.mark.parametrize(
    "week",
    [
        {"6": ["17:00", "08:00"]},
        {"6": ["08:00", "08:00"]},
        {"8": ["08:00", "17:00"]},
        {"6": ["8am", "5pm"]},
        {"6": ["08:00"]},
        {"6": "08:00-17:00"},
    ],
)
def test_a_bad_week_is_a_validation_error_on_week(tenants, week):
    with pytest.raises(ValidationError) as raised:
        business_hours_update(acting=tenants.owner_a, week=week, observe_official_holidays=True)
    assert "week" in raised.value.error_dict
    assert BusinessHours.objects.get(workspace=tenants.ws_a).week["6"] == ["08:00", "17:00"]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AGENT, Role.MARKETER, Role.ANALYST])
def test_only_managers_change_the_workspace(tenants, role):
    acting = tenants.by_role[role]
    with pytest.raises(PermissionDenied):
        workspace_update(acting=acting, name="x", persian_digits=True)
    with pytest.raises(PermissionDenied):
        business_hours_update(acting=acting, week={}, observe_official_holidays=True)
    with pytest.raises(PermissionDenied):
        day_off_create(acting=acting, date=dt.date(2027, 1, 1), title="x")
    assert not DayOff.objects.exists()


# --- Members -----------------------------------------------------------------------------------------------


def test_an_admin_cannot_grant_or_take_the_owner_role(tenants):
    admin = tenants.by_role[Role.ADMIN]
    with pytest.raises(PermissionDenied):
        membership_change_role(acting=admin, membership=tenants.agent_a, role=Role.OWNER)
    with pytest.raises(PermissionDenied):
        membership_change_role(acting=admin, membership=tenants.owner_a, role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        membership_remove(acting=admin, membership=tenants.owner_a)
    with pytest.raises(PermissionDenied):
        invitation_create(acting=admin, email="boss@example.com", role=Role.OWNER)
    assert Membership.objects.filter(workspace=tenants.ws_a, role=Role.OWNER).count() == 1


def test_the_last_owner_stays(tenants):
    with pytest.raises(ValidationError):
        membership_change_role(acting=tenants.owner_a, membership=tenants.owner_a, role=Role.ADMIN)
    with pytest.raises(ValidationError):
        membership_remove(acting=tenants.owner_a, membership=tenants.owner_a)
    assert Membership.objects.get(pk=tenants.owner_a.pk).role == Role.OWNER


# --- Invitations -------------------------------------------------------------------------------------------


def test_accepting_needs_the_invited_address_and_works_once(tenants):
    invitation, _secret = invitation_create(acting=tenants.owner_a, email="x@example.com", role=Role.AGENT)
    with pytest.raises(ValidationError):
        invitation_accept(invitation=invitation, user=tenants.outsider_b.user)
    user = User.objects.create_user(email="x@example.com", password=PASSWORD)
    invitation_accept(invitation=invitation, user=user)
    with pytest.raises(ValidationError):
        invitation_accept(invitation=Invitation.objects.get(pk=invitation.pk), user=user)


def test_a_new_account_from_an_invitation_is_all_or_nothing(tenants):
    invitation, _secret = invitation_create(acting=tenants.owner_a, email="y@example.com", role=Role.AGENT)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError):
        user_create_from_invitation(invitation=invitation, full_name="Y", password=PASSWORD, language="fa")
    assert not User.objects.filter(email="y@example.com").exists()


def test_a_new_account_is_refused_when_the_address_has_one(tenants):
    invitation, _secret = invitation_create(acting=tenants.owner_a, email="Outsider@B.test", role=Role.AGENT)
    with pytest.raises(ValidationError):
        user_create_from_invitation(invitation=invitation, full_name="O", password=PASSWORD, language="fa")


# --- Login throttling --------------------------------------------------------------------------------------


def test_login_retry_after_counts_from_the_oldest_failure_that_matters(tenants):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.1")
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        assert login_check(request=request, email="owner@a.test", password="wrong") is None
    wait = login_retry_after(email="owner@a.test", ip_address="10.0.0.1")
    assert settings.LOGIN_FAILURE_WINDOW_SECONDS - 5 <= wait <= settings.LOGIN_FAILURE_WINDOW_SECONDS
    with pytest.raises(LoginThrottled) as throttled:
        login_check(request=request, email="owner@a.test", password=PASSWORD)
    assert throttled.value.minutes == -(-settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
    # While locked, attempts are not recorded, so the lock does not slide forward forever.
    assert LoginFailure.objects.count() == settings.LOGIN_FAILURE_LIMIT


def test_one_address_guessing_many_emails_is_throttled_too(tenants):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.2")
    for index in range(settings.LOGIN_FAILURE_LIMIT * 4):
        login_check(request=request, email=f"guess{index}@a.test", password="wrong")
    with pytest.raises(LoginThrottled):
        login_check(request=request, email="owner@a.test", password=PASSWORD)


# --- Audit reading -----------------------------------------------------------------------------------------


def test_audit_cursor_round_trips_and_refuses_garbage():
    cursor = AuditCursor(dt.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC), 42)
    assert AuditCursor.decode(cursor.encode()) == cursor
    for bad in ("", "%%%", "bm90IGEgY3Vyc29y", "MjAyNS0wMS0wMXwx"):
        with pytest.raises(ValueError):
            AuditCursor.decode(bad)


def test_audit_page_is_scoped_to_the_workspace(tenants):
    page = audit_page(workspace=tenants.ws_b, limit=100)
    assert page.entries and {entry.workspace_id for entry in page.entries} == {tenants.ws_b.pk}
    assert page.next_cursor is None


def test_audit_changes_use_field_names_and_choice_labels(tenants):
    membership_change_role(acting=tenants.owner_a, membership=tenants.agent_a, role=Role.ANALYST)
    entry = AuditEntry.objects.get(object_type="core.membership", action="update")
    with translation.override("en"):
        [change] = audit_changes(entry)
        assert (str(change.field), change.before, change.after) == ("role", "Agent", "Analyst")
