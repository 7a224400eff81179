"""Merging two customers keeps everything, and undo within 30 days puts everything back exactly."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from mehvar.core.models import AuditEntry
from mehvar.core.text import to_ascii_digits
from mehvar.customers.matching import customer_resolve
from mehvar.customers.merging import customer_merge, merge_undo
from mehvar.customers.models import Activity, Consent, Customer, DuplicateSuggestion, Identity, Merge, Tag

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _customer(ws, identities, **fields):
    return customer_resolve(workspace=ws, identities=identities, defaults=fields).customer


def _tag(ws, name):
    return Tag.objects.get_or_create(workspace=ws, key=name, defaults={"name": name})[0]


def _activity(customer, kind, days_ago, summary):
    return Activity.objects.create(
        workspace=customer.workspace,
        customer=customer,
        kind=kind,
        occurred_at=NOW - dt.timedelta(days=days_ago),
        summary=summary,
    )


def _consent(customer, channel, granted, days_ago):
    return Consent.objects.create(
        workspace=customer.workspace,
        customer=customer,
        channel=channel,
        granted=granted,
        source="form",
        recorded_at=NOW - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def pair(tenants):
    ws = tenants.ws_a
    survivor = _customer(
        ws,
        [("phone", "09121111111"), ("telegram", "@ali")],
        first_name="علی",
        last_name="رضایی",
        city="تهران",
        custom_fields={"size": "L", "vip": True},
        lifetime_value=1000,
    )
    merged = _customer(
        ws,
        [("email", "ali@example.com"), ("instagram", "ali.r")],
        first_name="علي",
        last_name="رضائي",
        city="کرج",
        birthday=dt.date(1990, 3, 21),
        custom_fields={"size": "XL", "shoe": 42},
        lifetime_value=500,
    )
    survivor.tags.add(_tag(ws, "vip"))
    merged.tags.add(_tag(ws, "vip"), _tag(ws, "wholesale"))
    _activity(survivor, "note", 10, "survivor note")
    _activity(merged, "message", 3, "merged message")
    _activity(merged, "note", 5, "merged note")
    _consent(survivor, "sms", True, 20)
    _consent(merged, "sms", False, 30)  # older, but a denial: it wins
    _consent(merged, "email", True, 2)
    _consent(survivor, "telegram", False, 4)
    _consent(merged, "telegram", True, 1)  # newer grant does not beat the denial
    return survivor, merged


def _state(customer):
    """Everything a merge may touch, in a comparable form."""
    customer = Customer.objects.get(pk=customer.pk)
    fields = {
        f.attname: getattr(customer, f.attname)
        for f in Customer._meta.concrete_fields
        if f.name not in ("updated_at",)
    }
    return {
        "fields": fields,
        "identities": sorted(
            Identity.objects.filter(customer=customer).values_list("pk", "kind", "value", "merge")
        ),
        "activities": sorted(
            Activity.objects.filter(customer=customer)
            .exclude(kind="merge")
            .values_list("pk", "summary", "merge")
        ),
        "consents": sorted(Consent.objects.filter(customer=customer).values_list("pk", "channel", "granted")),
        "tags": sorted(customer.tags.values_list("name", flat=True)),
    }


def _current_consent(customer, channel):
    return (
        Consent.objects.filter(customer=customer, channel=channel)
        .order_by("-recorded_at", "-pk")
        .first()
        .granted
    )


def test_merge_keeps_everything(tenants, pair):
    survivor, merged = pair
    merge = customer_merge(
        acting=tenants.owner_a,
        survivor=survivor,
        merged=merged,
        choices={"city": "merged", "custom_fields.size": "merged"},
    )
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert merged.merged_into_id == survivor.pk and not merged.is_active_record
    assert set(Identity.objects.filter(customer=survivor).values_list("value", flat=True)) == {
        "+989121111111",
        "ali",
        "ali@example.com",
        "ali.r",
    }
    assert Identity.objects.filter(merge=merge).count() == 2
    summaries = set(Activity.objects.filter(customer=survivor).values_list("summary", flat=True))
    assert {"survivor note", "merged message", "merged note"} <= summaries
    assert Activity.objects.filter(customer=survivor, kind="merge").count() == 1
    assert not Activity.objects.filter(customer=merged).exists()
    # Consents: the strictest per channel.
    assert _current_consent(survivor, "sms") is False
    assert _current_consent(survivor, "telegram") is False
    assert _current_consent(survivor, "email") is True
    # Tags: the union; fields: chosen, filled, combined.
    assert sorted(survivor.tags.values_list("name", flat=True)) == ["vip", "wholesale"]
    assert survivor.city == "کرج"  # chosen
    assert survivor.first_name == "علی"  # survivor by default
    assert survivor.birthday == dt.date(1990, 3, 21)  # filled
    assert survivor.email == "ali@example.com"  # filled
    assert survivor.custom_fields == {"size": "XL", "vip": True, "shoe": 42}
    assert survivor.lifetime_value == 1500
    assert "ali@example.com" in survivor.search_text
    entry = AuditEntry.objects.get(object_type="customers.merge", object_id=str(merge.pk))
    assert entry.action == AuditEntry.Action.CREATE and entry.actor == tenants.owner_a.user


def test_undo_restores_both_customers_exactly(tenants, pair):
    survivor, merged = pair
    before = (_state(survivor), _state(merged))
    merge = customer_merge(
        acting=tenants.owner_a,
        survivor=survivor,
        merged=merged,
        choices={"city": "merged", "lifecycle": "merged"},
    )
    assert _state(survivor) != before[0]
    merge_undo(acting=tenants.owner_a, merge=merge)
    assert (_state(survivor), _state(merged)) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == tenants.owner_a
    assert AuditEntry.objects.filter(
        object_type="customers.merge", object_id=str(merge.pk), action=AuditEntry.Action.UPDATE
    ).exists()
    assert Activity.objects.filter(customer=survivor, kind="merge", data__undone=True).exists()
    with pytest.raises(ValidationError):
        merge_undo(acting=tenants.owner_a, merge=merge)  # already undone


def test_chained_merges_undo_in_reverse_order_exactly(tenants, pair):
    survivor, merged = pair
    third = _customer(tenants.ws_a, [("phone", "09123333333")], first_name="علی")
    _activity(third, "order", 7, "third order")
    before = [_state(c) for c in (survivor, merged, third)]
    first = customer_merge(acting=tenants.owner_a, survivor=merged, merged=third)
    second = customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)
    with pytest.raises(ValidationError):
        merge_undo(acting=tenants.owner_a, merge=first)  # the later merge first
    merge_undo(acting=tenants.owner_a, merge=second)
    merge_undo(acting=tenants.owner_a, merge=first)
    assert [_state(c) for c in (survivor, merged, third)] == before


def test_field_edited_after_the_merge_is_kept_by_undo(tenants, pair):
    survivor, merged = pair
    merge = customer_merge(
        acting=tenants.owner_a, survivor=survivor, merged=merged, choices={"city": "merged"}
    )
    Customer.objects.filter(pk=survivor.pk).update(city="اصفهان")
    merge_undo(acting=tenants.owner_a, merge=merge)
    survivor.refresh_from_db()
    assert survivor.city == "اصفهان"
    assert survivor.birthday is None  # untouched since the merge: restored


def test_undo_after_31_days_is_refused(tenants, pair):
    survivor, merged = pair
    merge = customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)
    Merge.objects.filter(pk=merge.pk).update(performed_at=timezone.now() - dt.timedelta(days=31))
    merge.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        merge_undo(acting=tenants.owner_a, merge=merge)
    assert "30" in to_ascii_digits(str(error.value))  # "۳۰" in Persian
    assert Customer.objects.get(pk=merged.pk).merged_into_id == survivor.pk


def test_undo_at_29_days_is_allowed(tenants, pair):
    survivor, merged = pair
    merge = customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)
    Merge.objects.filter(pk=merge.pk).update(performed_at=timezone.now() - dt.timedelta(days=29))
    merge.refresh_from_db()
    merge_undo(acting=tenants.owner_a, merge=merge)
    assert Customer.objects.get(pk=merged.pk).merged_into_id is None


def test_cross_workspace_merge_is_impossible(tenants, pair):
    survivor, _merged = pair
    foreign = _customer(tenants.ws_b, [("phone", "09124444444")])
    with pytest.raises(Http404):
        customer_merge(acting=tenants.owner_a, survivor=survivor, merged=foreign)
    with pytest.raises(Http404):
        customer_merge(acting=tenants.outsider_b, survivor=foreign, merged=survivor)
    assert Customer.objects.get(pk=survivor.pk).merged_into_id is None
    assert Customer.objects.get(pk=foreign.pk).merged_into_id is None
    assert not Merge.objects.exists()


def test_cross_workspace_undo_is_impossible(tenants, pair):
    survivor, merged = pair
    merge = customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)
    with pytest.raises(Http404):
        merge_undo(acting=tenants.outsider_b, merge=merge)


def test_analyst_may_not_merge(tenants, pair):
    survivor, merged = pair
    with pytest.raises(PermissionDenied):
        customer_merge(acting=tenants.by_role["analyst"], survivor=survivor, merged=merged)


def test_bad_merges_are_refused(tenants, pair):
    survivor, merged = pair
    with pytest.raises(ValidationError):
        customer_merge(acting=tenants.owner_a, survivor=survivor, merged=survivor)
    with pytest.raises(ValidationError) as error:
        customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged, choices={"pk": "merged"})
    assert "pk" in error.value.message_dict
    with pytest.raises(ValidationError):
        customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged, choices={"city": "both"})
    customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)
    with pytest.raises(ValidationError):  # merged already
        customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)


def test_merge_marks_the_suggestion_merged_and_undo_reopens_it(tenants, pair):
    survivor, merged = pair
    a, b = sorted((survivor.pk, merged.pk))
    suggestion = DuplicateSuggestion.objects.create(
        workspace=tenants.ws_a, customer_a_id=a, customer_b_id=b, score=0.8, evidence=[]
    )
    merge = customer_merge(acting=tenants.agent_a, survivor=survivor, merged=merged)
    suggestion.refresh_from_db()
    assert (
        suggestion.status == DuplicateSuggestion.Status.MERGED and suggestion.reviewed_by == tenants.agent_a
    )
    merge_undo(acting=tenants.agent_a, merge=merge)
    suggestion.refresh_from_db()
    assert suggestion.status == DuplicateSuggestion.Status.OPEN and suggestion.reviewed_by is None


def test_resolution_after_a_merge_finds_the_survivor(tenants, pair):
    survivor, merged = pair
    customer_merge(acting=tenants.owner_a, survivor=survivor, merged=merged)
    found = customer_resolve(workspace=tenants.ws_a, identities=[("email", "ALI@example.com")])
    assert found.customer.pk == survivor.pk and not found.created
