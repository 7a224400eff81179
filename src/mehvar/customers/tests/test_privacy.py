import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils import timezone

from mehvar.core.models import AuditEntry
from mehvar.core.roles import Perm, Role, role_has
from mehvar.customers import privacy, search, services
from mehvar.customers.models import Activity, Consent, Customer, DuplicateSuggestion, Identity
from mehvar.customers.timeline import activity_record


@pytest.fixture
def ali(tenants):
    services.custom_field_define(acting=tenants.owner_a, key="size", label="سایز", type="number")
    customer = services.customer_create(
        acting=tenants.agent_a,
        first_name="علی",
        last_name="رضایی",
        phone="09123456789",
        email="ali@example.com",
        identities=[("telegram", "ali_shop")],
        birthday="1370/06/31",
        city="اصفهان",
        company="نقش جهان",
        tags=["ویژه"],
        custom_fields={"size": 42},
        lifecycle="loyal",
        contact_policy="فقط صبح‌ها",
    )
    services.consent_record(
        acting=tenants.agent_a, customer=customer, channel="sms", granted=True, source="فرم"
    )
    services.note_add(acting=tenants.agent_a, customer=customer, text="همسرش مریم است، شمارهٔ ۰۹۱۲۰۰۰۰۰۰۰")
    services.call_log(
        acting=tenants.agent_a,
        customer=customer,
        direction="inbound",
        outcome="answered",
        duration_seconds=95,
    )
    activity_record(
        workspace=tenants.ws_a,
        customer=customer,
        kind="order",
        occurred_at=timezone.now(),
        summary="سفارش ۱۲ برای علی رضایی",
        data={"amount": 1_500_000, "address": "اصفهان، خیابان چهارباغ"},
        source="shop",
        external_id="o-12",
    )
    Customer.objects.filter(pk=customer.pk).update(lifetime_value=1_500_000)
    customer.refresh_from_db()
    return customer


def test_only_owners_and_admins_have_the_privacy_permission():
    assert [r for r in Role.values if role_has(r, Perm.CUSTOMERS_PRIVACY)] == [Role.OWNER, Role.ADMIN]


def test_export_contains_everything_and_is_audited(tenants, ali):
    data = privacy.customer_export(acting=tenants.by_role[Role.ADMIN], customer=ali)

    json.dumps(data)  # JSON-ready
    profile = data["customer"]
    assert profile["id"] == ali.pk and profile["first_name"] == "علی" and profile["phone"] == "+989123456789"
    assert profile["birthday"] == "1991-09-22" and profile["company"] == "نقش جهان"
    assert profile["contact_policy"] == "فقط صبح‌ها" and profile["lifetime_value"] == 1_500_000
    assert {(i["kind"], i["value"]) for i in data["identities"]} == {
        ("phone", "+989123456789"),
        ("email", "ali@example.com"),
        ("telegram", "ali_shop"),
    }
    assert data["consents"] == [
        {
            "channel": "sms",
            "granted": True,
            "source": "فرم",
            "recorded_at": data["consents"][0]["recorded_at"],
        }
    ]
    assert data["custom_fields"] == [{"key": "size", "label": "سایز", "type": "number", "value": 42}]
    assert data["tags"] == ["ویژه"]
    assert sorted(a["kind"] for a in data["activities"]) == ["call", "note", "order"]
    note = next(a for a in data["activities"] if a["kind"] == "note")
    assert "مریم" in note["data"]["text"]
    entry = AuditEntry.objects.get(action="export")
    assert entry.object_id == str(ali.pk) and entry.actor == tenants.by_role[Role.ADMIN].user


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ANALYST, Role.MARKETER])
def test_other_roles_may_neither_export_nor_erase(tenants, ali, role):
    member = tenants.by_role[role]
    with pytest.raises(PermissionDenied):
        privacy.customer_export(acting=member, customer=ali)
    with pytest.raises(PermissionDenied):
        privacy.customer_erase(acting=member, customer=ali)
    assert not AuditEntry.objects.filter(action__in=["export", "delete"]).exists()


def test_an_owner_of_another_workspace_may_not(tenants, ali):
    with pytest.raises(PermissionDenied):
        privacy.customer_export(acting=tenants.outsider_b, customer=ali)
    with pytest.raises(PermissionDenied):
        privacy.customer_erase(acting=tenants.outsider_b, customer=ali)


def test_erase_wipes_personal_data_and_keeps_the_counts(tenants, ali):
    other = services.customer_create(acting=tenants.agent_a, display_name="علی رضائی", city="اصفهان")
    DuplicateSuggestion.objects.create(
        workspace=tenants.ws_a,
        customer_a_id=min(ali.pk, other.pk),
        customer_b_id=max(ali.pk, other.pk),
        score=0.9,
        evidence=[{"signal": "name", "a": "علی رضایی", "b": "علی رضائی", "weight": 0.9}],
    )
    kinds_before = dict(
        Activity.objects.filter(customer=ali)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )

    privacy.customer_erase(acting=tenants.owner_a, customer=ali)

    ali.refresh_from_db()
    assert ali.erased_at is not None
    for name in ("first_name", "last_name", "display_name", "phone", "email", "company", "search_text"):
        assert getattr(ali, name) == "", name
    assert ali.birthday is None and ali.custom_fields == {} and ali.contact_policy == ""
    assert not Identity.objects.filter(customer=ali).exists()
    assert not DuplicateSuggestion.objects.exists()
    # aggregates stay
    assert (ali.lifecycle, ali.city, ali.lifetime_value) == ("loyal", "اصفهان", 1_500_000)
    assert [t.name for t in ali.tags.all()] == ["ویژه"]
    assert Consent.objects.filter(customer=ali, channel="sms", granted=True).count() == 1
    kinds_after = dict(
        Activity.objects.filter(customer=ali)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    assert kinds_after == kinds_before
    order = Activity.objects.get(customer=ali, kind="order")
    assert order.summary == "" and order.data == {"amount": 1_500_000}
    assert Activity.objects.get(customer=ali, kind="call").data["duration_seconds"] == 95
    assert not any(
        "مریم" in json.dumps(a.data, ensure_ascii=False) for a in Activity.objects.filter(customer=ali)
    )
    # no personal data left in the audit log either, and the erasure itself is there
    entries = AuditEntry.objects.filter(object_type="customers.customer", object_id=str(ali.pk))
    dumped = json.dumps([[e.object_label, e.before, e.after] for e in entries], ensure_ascii=False)
    assert "09123456789" not in dumped and "+989123456789" not in dumped and "رضایی" not in dumped
    erased = entries.get(action="delete")
    assert erased.actor == tenants.owner_a.user and erased.after["erased"] is True
    # hidden from search, the phone is free for a new customer, and it cannot be undone or repeated
    assert not search.customer_search(workspace=tenants.ws_a, q="0912345").exists()
    services.customer_create(acting=tenants.agent_a, display_name="تازه", phone="09123456789")
    with pytest.raises(ValidationError):
        privacy.customer_erase(acting=tenants.owner_a, customer=ali)
    with pytest.raises(ValidationError):
        services.customer_update(acting=tenants.agent_a, customer=ali, first_name="علی")
    with pytest.raises(ValidationError):
        privacy.customer_export(acting=tenants.owner_a, customer=ali)


def test_erase_refuses_a_merged_record(tenants, ali):
    survivor = services.customer_create(acting=tenants.agent_a, display_name="اصلی")
    Customer.objects.filter(pk=ali.pk).update(merged_into=survivor)
    ali.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        privacy.customer_erase(acting=tenants.owner_a, customer=ali)
    assert "customer" in caught.value.message_dict
    ali.refresh_from_db()
    assert ali.erased_at is None and ali.first_name == "علی"


def test_erasing_a_survivor_erases_what_was_merged_into_it(tenants, ali):
    twin = services.customer_create(acting=tenants.agent_a, display_name="علی ر.", email="ali.r@example.com")
    Customer.objects.filter(pk=twin.pk).update(merged_into=ali)
    privacy.customer_erase(acting=tenants.owner_a, customer=ali)
    twin.refresh_from_db()
    assert twin.erased_at is not None and twin.display_name == "" and twin.email == ""
    assert not Identity.objects.filter(customer=twin).exists()
