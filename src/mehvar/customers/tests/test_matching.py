"""Identity normalisation and deterministic resolution (customer_resolve, customers_resolve_bulk)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from mehvar.core.models import AuditEntry
from mehvar.customers.matching import (
    CONFLICT_SIGNAL,
    customer_resolve,
    customers_resolve_bulk,
    normalize_identity,
)
from mehvar.customers.models import Customer, DuplicateSuggestion, Identity

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("phone", "۰۹۱۲ ۳۴۵ ۶۷۸۹", "+989123456789"),
        ("phone", "00989123456789", "+989123456789"),
        ("phone", "+98 912-345-6789", "+989123456789"),
        ("whatsapp", "0912 345 6789", "+989123456789"),
        ("email", "  Ali.Rezaei@Example.COM ", "ali.rezaei@example.com"),
        ("email", "ali@googlemail.com", "ali@gmail.com"),
        ("email", "ali.rezaei+shop@gmail.com", "ali.rezaei+shop@gmail.com"),
        ("telegram", "@Ali_Rezaei", "ali_rezaei"),
        ("telegram", "https://t.me/Ali_Rezaei", "ali_rezaei"),
        ("telegram", "t.me/ali_rezaei/", "ali_rezaei"),
        ("instagram", "https://www.instagram.com/Ali.Rezaei/?hl=fa", "ali.rezaei"),
        ("bale", "@ali_rezaei", "ali_rezaei"),
        ("web_visitor", "  v-123abc ", "v-123abc"),
        ("shop_account", "Order-User-77", "Order-User-77"),
    ],
)
def test_normalize_identity(kind, raw, expected):
    assert normalize_identity(kind, raw) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("phone", "0912"),
        ("phone", "salam"),
        ("email", "not-an-email"),
        ("telegram", "@"),
        ("web_visitor", "  "),
    ],
)
def test_normalize_identity_refuses_bad_input_with_a_field_error(kind, raw):
    with pytest.raises(ValidationError) as error:
        normalize_identity(kind, raw)
    assert kind in error.value.message_dict


def test_unknown_kind_is_refused():
    with pytest.raises(ValidationError) as error:
        normalize_identity("fax", "123")
    assert "kind" in error.value.message_dict


def test_one_phone_written_three_ways_is_one_customer(tenants):
    ws = tenants.ws_a
    first = customer_resolve(
        workspace=ws, identities=[("phone", "۰۹۱۲ ۳۴۵ ۶۷۸۹")], defaults={"first_name": "علی"}
    )
    second = customer_resolve(workspace=ws, identities=[("phone", "00989123456789")])
    third = customer_resolve(workspace=ws, identities=[("phone", "+98 912-345-6789")])
    assert first.created and not second.created and not third.created
    assert first.customer.pk == second.customer.pk == third.customer.pk
    assert Customer.objects.filter(workspace=ws).count() == 1
    customer = Customer.objects.get(pk=first.customer.pk)
    assert customer.phone == "+989123456789"
    assert customer.display_name == "علی"
    assert "09123456789" in customer.search_text
    assert Identity.objects.get(customer=customer).written_as == "۰۹۱۲ ۳۴۵ ۶۷۸۹"
    assert AuditEntry.objects.filter(workspace=ws, object_id=str(customer.pk)).exists()


def test_email_case_and_spaces_resolve_to_one_customer(tenants):
    ws = tenants.ws_a
    a = customer_resolve(workspace=ws, identities=[("email", "Sara@Example.com")]).customer
    b = customer_resolve(workspace=ws, identities=[("email", "  sara@example.COM")]).customer
    assert a.pk == b.pk
    assert Customer.objects.get(pk=a.pk).email == "sara@example.com"


def test_telegram_handle_forms_resolve_to_one_customer(tenants):
    ws = tenants.ws_a
    pks = {
        customer_resolve(workspace=ws, identities=[("telegram", raw)]).customer.pk
        for raw in ("@Sara_Ahmadi", "sara_ahmadi", "https://t.me/sara_ahmadi", "t.me/SARA_AHMADI")
    }
    assert len(pks) == 1


def test_new_identity_is_attached_to_the_customer_found(tenants):
    ws = tenants.ws_a
    customer = customer_resolve(workspace=ws, identities=[("phone", "09121112233")]).customer
    again = customer_resolve(workspace=ws, identities=[("phone", "09121112233"), ("telegram", "@reza")])
    assert again.customer.pk == customer.pk and not again.created
    assert set(Identity.objects.filter(customer=customer).values_list("kind", "value")) == {
        ("phone", "+989121112233"),
        ("telegram", "reza"),
    }
    by_handle = customer_resolve(workspace=ws, identities=[("telegram", "reza")])
    assert by_handle.customer.pk == customer.pk
    customer_resolve(workspace=ws, identities=[("telegram", "@Reza"), ("email", "Reza@Example.ir")])
    customer.refresh_from_db()
    assert customer.email == "reza@example.ir"  # the empty primary e-mail is filled
    assert "reza@example.ir" in customer.search_text and "reza" in customer.search_text.split()


def test_create_false_finds_nothing_and_writes_nothing(tenants):
    assert customer_resolve(workspace=tenants.ws_a, identities=[("email", "x@y.ir")], create=False) is None
    assert not Customer.objects.exists()


def test_customer_stored_without_identity_rows_is_found_by_primary_phone(tenants):
    ws = tenants.ws_a
    stored = Customer.objects.create(workspace=ws, first_name="مریم", phone="+989351234567")
    result = customer_resolve(workspace=ws, identities=[("phone", "0935 123 4567")])
    assert result.customer.pk == stored.pk and not result.created
    assert Identity.objects.filter(customer=stored, value="+989351234567").exists()


def test_resolution_stays_inside_the_workspace(tenants):
    a = customer_resolve(workspace=tenants.ws_a, identities=[("phone", "09123456789")]).customer
    b = customer_resolve(workspace=tenants.ws_b, identities=[("phone", "09123456789")]).customer
    assert a.pk != b.pk and b.workspace_id == tenants.ws_b.pk


def test_conflicting_identities_give_a_suggestion_not_a_merge(tenants):
    ws = tenants.ws_a
    by_phone = customer_resolve(workspace=ws, identities=[("phone", "09120000001")]).customer
    by_email = customer_resolve(workspace=ws, identities=[("email", "neda@example.com")]).customer
    result = customer_resolve(
        workspace=ws, identities=[("email", "neda@example.com"), ("phone", "09120000001")]
    )
    # The rule: the customer of the first identity given wins; nothing moves, nothing is merged.
    assert result.customer.pk == by_email.pk
    assert [c.pk for c in result.conflicts] == [by_phone.pk]
    assert Identity.objects.get(value="+989120000001").customer_id == by_phone.pk
    assert Customer.objects.filter(workspace=ws, merged_into__isnull=False).count() == 0
    suggestion = DuplicateSuggestion.objects.get(workspace=ws)
    assert {suggestion.customer_a_id, suggestion.customer_b_id} == {by_phone.pk, by_email.pk}
    assert suggestion.evidence[0]["signal"] == CONFLICT_SIGNAL
    # Asked again, no second suggestion.
    customer_resolve(workspace=ws, identities=[("email", "neda@example.com"), ("phone", "09120000001")])
    assert DuplicateSuggestion.objects.filter(workspace=ws).count() == 1


def test_bad_identity_writes_nothing(tenants):
    with pytest.raises(ValidationError):
        customer_resolve(workspace=tenants.ws_a, identities=[("email", "a@b.ir"), ("phone", "12")])
    assert not Customer.objects.exists()


def _items(count: int) -> list[list[tuple[str, str]]]:
    items = []
    for n in range(count):
        national = f"912{n % 700:07d}"  # 700 people, some seen several times, written differently
        phone = f"0{national}" if n % 2 else f"+98 {national[:3]}-{national[3:6]}-{national[6:]}"
        item = [("phone", phone)]
        if n % 3 == 0:
            item.append(("email", f"Person{n % 700}@Example.com"))
        if n % 5 == 0:
            item.append(("telegram", f"@user{n % 700}"))
        items.append(item)
    return items


def test_bulk_resolve_of_1000_items_uses_few_queries_and_matches_one_by_one(
    tenants, django_assert_max_num_queries
):
    ws, other = tenants.ws_a, tenants.ws_b
    # Some customers already known, one of them only by the primary phone.
    customer_resolve(workspace=ws, identities=[("phone", "09120000005")])
    customer_resolve(workspace=other, identities=[("phone", "09120000005")])
    Customer.objects.create(workspace=ws, phone="+989120000006")
    Customer.objects.create(workspace=other, phone="+989120000006")
    items = _items(1000)
    with django_assert_max_num_queries(_bulk_query_budget(customers=700, identities=1100)):
        bulk = customers_resolve_bulk(workspace=ws, items=items)
    assert len(bulk) == 1000

    # The same requests one by one in the other workspace give the same partition of items.
    single = [customer_resolve(workspace=other, identities=item).customer for item in items]
    assert _partition(bulk) == _partition(single)
    assert (
        Customer.objects.filter(workspace=ws).count()
        == Customer.objects.filter(workspace=other).count()
        == 700
    )
    assert Identity.objects.filter(workspace=ws).count() == Identity.objects.filter(workspace=other).count()
    sixth = Customer.objects.get(workspace=ws, phone="+989120000006")
    assert bulk[6].pk == sixth.pk and sixth.email == "person6@example.com"
    assert AuditEntry.objects.filter(workspace=ws, object_type="customers.customer").exists()
    # Resolving the same items again creates nothing.
    again = customers_resolve_bulk(workspace=ws, items=items)
    assert [c.pk for c in again] == [c.pk for c in bulk]
    assert Customer.objects.filter(workspace=ws).count() == 700


def _bulk_query_budget(*, customers: int, identities: int) -> int:
    """A fixed number of lookups and writes, plus the batches a backend splits bulk inserts into.

    PostgreSQL takes 1,000 rows per INSERT (one each); SQLite binds at most 999 parameters per statement,
    so Django splits the same INSERT into ceil(rows / rows-per-statement) statements.
    """
    fixed = 10  # savepoint, lookups (identities, primary contacts), known rows, reload, audit...

    def batches(model, rows: int) -> int:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        per_statement = min(1000, connection.ops.bulk_batch_size(fields, [None] * rows))
        return -(-rows // per_statement)

    return fixed + batches(Customer, customers) * 2 + batches(Identity, identities)


def _partition(customers: list[Customer]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for n, customer in enumerate(customers):
        groups.setdefault(customer.pk, set()).add(n)
    return {frozenset(g) for g in groups.values()}


def test_bulk_items_sharing_an_identity_resolve_together(tenants):
    items = [
        [("phone", "09121234567")],
        [("phone", "09121234567"), ("email", "a@b.ir")],
        [("email", "A@B.ir")],
    ]
    customers = customers_resolve_bulk(workspace=tenants.ws_a, items=items)
    assert len({c.pk for c in customers}) == 1
    assert Customer.objects.get(workspace=tenants.ws_a).email == "a@b.ir"


def test_bulk_conflict_gives_a_suggestion(tenants):
    ws = tenants.ws_a
    a = customer_resolve(workspace=ws, identities=[("phone", "09121234567")]).customer
    b = customer_resolve(workspace=ws, identities=[("email", "b@b.ir")]).customer
    customers = customers_resolve_bulk(workspace=ws, items=[[("phone", "09121234567"), ("email", "b@b.ir")]])
    assert customers[0].pk == a.pk
    assert DuplicateSuggestion.objects.filter(workspace=ws, customer_a=min(a.pk, b.pk)).exists()


def test_bulk_bad_item_names_its_position_and_writes_nothing(tenants):
    items = [[("phone", "09121234567")], [("email", "broken")]]
    with pytest.raises(ValidationError) as error:
        customers_resolve_bulk(workspace=tenants.ws_a, items=items)
    assert "items.1.email" in error.value.message_dict
    assert not Customer.objects.exists()


def test_bulk_refuses_more_than_1000_items(tenants):
    with pytest.raises(ValidationError):
        customers_resolve_bulk(workspace=tenants.ws_a, items=[[("phone", "09121234567")]] * 1001)


@pytest.mark.django_db(transaction=True)
def test_concurrent_resolution_of_one_phone_gives_one_customer():
    from mehvar.testing import build_tenants

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    ws = build_tenants().ws_a
    results, barrier = [], threading.Barrier(4)

    def resolve():
        barrier.wait()
        try:
            results.append(customer_resolve(workspace=ws, identities=[("phone", "09129999999")]).customer.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=resolve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(results) == 4
