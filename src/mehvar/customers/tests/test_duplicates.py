"""Fuzzy duplicate detection: Persian-normalised names, blocking, evidence, review (dismiss)."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from mehvar.core.models import AuditEntry
from mehvar.customers.duplicates import duplicates_detect, suggestion_dismiss, suggestions_open
from mehvar.customers.models import Customer, DuplicateSuggestion
from mehvar.customers.services import customer_bulk_create
from mehvar.demo.generator import customers

pytestmark = pytest.mark.django_db

BIRTHDAY = dt.date(1985, 6, 1)


def _add(ws, first, last, **fields):
    return Customer.objects.create(
        workspace=ws, first_name=first, last_name=last, display_name=f"{first} {last}", **fields
    )


def _pairs(ws):
    return set(DuplicateSuggestion.objects.filter(workspace=ws).values_list("customer_a_id", "customer_b_id"))


def test_persian_and_arabic_spellings_with_the_same_birthday_are_suggested(tenants):
    ws = tenants.ws_a
    a = _add(ws, "علی", "رضایی", birthday=BIRTHDAY)
    b = _add(ws, "علي", "رضائي", birthday=BIRTHDAY)
    stats = duplicates_detect(workspace=ws)
    assert stats["created"] == 1
    suggestion = DuplicateSuggestion.objects.get(workspace=ws)
    assert (suggestion.customer_a_id, suggestion.customer_b_id) == (a.pk, b.pk)
    signals = {item["signal"]: item for item in suggestion.evidence}
    assert set(signals) == {"name", "birthday"}
    assert signals["name"]["a"] == "علی رضایی" and signals["name"]["b"] == "علي رضائي"
    assert signals["birthday"]["a"] == "1985-06-01" and signals["birthday"]["weight"] > 0
    assert suggestion.score == pytest.approx(sum(item["weight"] for item in suggestion.evidence))
    assert list(suggestions_open(workspace=ws)) == [suggestion]


def test_namesakes_with_different_birthdays_and_cities_are_not_suggested(tenants):
    ws = tenants.ws_a
    _add(ws, "محمد", "محمدی", birthday=dt.date(1970, 1, 1), city="تهران", phone="+989121111111")
    _add(ws, "محمد", "محمدی", birthday=dt.date(1995, 9, 9), city="شیراز", phone="+989351111111")
    _add(ws, "محمد", "محمدی", birthday=dt.date(1982, 2, 2), city="تبریز")
    assert duplicates_detect(workspace=ws)["created"] == 0


def test_same_name_and_city_alone_is_not_enough_but_a_shared_phone_is(tenants):
    ws = tenants.ws_a
    _add(ws, "زهرا", "احمدی", city="تهران")
    _add(ws, "زهرا", "احمدی", city="تهران")
    assert duplicates_detect(workspace=ws)["created"] == 0
    _add(ws, "زهرا", "احمدی\u200cنژاد", phone="+989127777777")
    _add(ws, "زهرا", "احمدی نژاد", phone="+989127777777", city="تهران")
    assert duplicates_detect(workspace=ws)["created"] == 1


def test_detection_is_repeatable_and_respects_dismissal(tenants):
    ws = tenants.ws_a
    _add(ws, "سارا", "کاظمی", email="sara@example.com")
    _add(ws, "سارا", "كاظمي", email="sara@example.com")
    assert duplicates_detect(workspace=ws)["created"] == 1
    suggestion = DuplicateSuggestion.objects.get(workspace=ws)
    suggestion_dismiss(acting=tenants.agent_a, suggestion=suggestion)
    assert duplicates_detect(workspace=ws)["created"] == 0
    suggestion.refresh_from_db()
    assert suggestion.status == DuplicateSuggestion.Status.DISMISSED
    assert list(suggestions_open(workspace=ws)) == []


def test_merged_customers_and_other_workspaces_are_left_out(tenants):
    a = _add(tenants.ws_a, "نگار", "صالحی", birthday=BIRTHDAY)
    b = _add(tenants.ws_a, "نگار", "صالحی", birthday=BIRTHDAY)
    _add(tenants.ws_b, "نگار", "صالحی", birthday=BIRTHDAY)
    Customer.objects.filter(pk=b.pk).update(merged_into=a)
    assert duplicates_detect(workspace=tenants.ws_a)["created"] == 0
    assert duplicates_detect(workspace=tenants.ws_b)["created"] == 0


def test_dismiss_is_audited_and_checked(tenants):
    ws = tenants.ws_a
    a = _add(ws, "رضا", "نوری", birthday=BIRTHDAY)
    b = _add(ws, "رضا", "نوری", birthday=BIRTHDAY)
    suggestion = DuplicateSuggestion.objects.create(
        workspace=ws, customer_a=a, customer_b=b, score=0.7, evidence=[]
    )
    with pytest.raises(Http404):
        suggestion_dismiss(acting=tenants.outsider_b, suggestion=suggestion)
    with pytest.raises(PermissionDenied):
        suggestion_dismiss(acting=tenants.by_role["analyst"], suggestion=suggestion)
    dismissed = suggestion_dismiss(acting=tenants.owner_a, suggestion=suggestion)
    assert dismissed.status == DuplicateSuggestion.Status.DISMISSED
    assert dismissed.reviewed_by == tenants.owner_a and dismissed.reviewed_at is not None
    assert AuditEntry.objects.filter(
        workspace=ws, object_type="customers.duplicatesuggestion", object_id=str(suggestion.pk)
    ).exists()
    with pytest.raises(ValidationError):
        suggestion_dismiss(acting=tenants.owner_a, suggestion=suggestion)


def test_precision_and_recall_against_the_generators_truth(tenants):
    ws, count = tenants.ws_a, 4000
    rows = list(customers(count, seed=7))
    customer_bulk_create(workspace=ws, rows=rows)
    ids = list(Customer.objects.filter(workspace=ws).order_by("pk").values_list("pk", flat=True))
    person_of = {pk: row.person for pk, row in zip(ids, rows, strict=True)}
    by_person: dict[int, list[int]] = {}
    for pk, person in person_of.items():
        by_person.setdefault(person, []).append(pk)
    truth = {pair for pks in by_person.values() for pair in itertools.combinations(sorted(pks), 2)}
    assert len(truth) > 150  # the generator writes about 6% duplicates

    stats = duplicates_detect(workspace=ws)
    found = _pairs(ws)
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert precision >= 0.95, (precision, recall)
    assert recall >= 0.9, (precision, recall)
    # Blocking, never all pairs: a handful of comparisons per customer.
    assert stats["pairs_compared"] < 20 * count < count * (count - 1) // 2
