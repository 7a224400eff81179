import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.customers.cleaning import NewCustomer
from mehvar.customers.models import Customer
from mehvar.customers.selectors import customers_of
from mehvar.customers.services import customer_bulk_create

MESSY_PHONES = {
    "۰۹۱۲ ۳۴۵ ۶۷۸۹": "+989123456789",
    "00989123456780": "+989123456780",
    "+98 912-345-6781": "+989123456781",
    "9123456782": "+989123456782",
    "٠٩١٢٣٤٥٦٧٨٣": "+989123456783",
    "(0912) 345 6784": "+989123456784",
}


def test_bulk_create_normalises_phones_and_emails(tenants):
    rows = [NewCustomer(first_name="علی", last_name="رضایی", phone=raw) for raw in MESSY_PHONES]
    rows.append(NewCustomer(first_name=" سارا ", last_name="نوری", email="  Sara.Nouri@Mail.Example "))
    rows.append(NewCustomer(display_name="مشتری بی‌نام", birthday=dt.date(1990, 3, 21)))

    created = customer_bulk_create(workspace=tenants.ws_a, rows=rows)

    assert created == len(MESSY_PHONES) + 2
    stored = list(Customer.objects.filter(workspace=tenants.ws_a).order_by("pk"))
    assert [c.phone for c in stored[: len(MESSY_PHONES)]] == list(MESSY_PHONES.values())
    sara = stored[len(MESSY_PHONES)]
    assert (sara.first_name, sara.email, sara.phone) == ("سارا", "sara.nouri@mail.example", "")
    assert sara.display_name == "سارا نوری"
    assert stored[-1].display_name == "مشتری بی‌نام"
    assert stored[-1].birthday == dt.date(1990, 3, 21)


def test_bulk_create_is_scoped_to_the_workspace(tenants):
    customer_bulk_create(workspace=tenants.ws_a, rows=[NewCustomer(first_name="الف", phone="09121111111")])

    assert customers_of(workspace=tenants.ws_a).count() == 1
    assert not customers_of(workspace=tenants.ws_b).exists()
    assert Customer.objects.get().workspace == tenants.ws_a


def test_bulk_create_reads_a_generator_in_batches_and_audits_once(tenants):
    rows = (NewCustomer(first_name=f"مشتری {i}", phone=f"0912{i:07d}") for i in range(2500))

    assert customer_bulk_create(workspace=tenants.ws_a, rows=rows, batch_size=1000) == 2500

    assert Customer.objects.filter(workspace=tenants.ws_a).count() == 2500
    entry = AuditEntry.objects.get(workspace=tenants.ws_a, object_type="customers.customer")
    assert entry.after == {"count": 2500}
    assert entry.actor is None and entry.via == "system"


def test_a_bad_row_stores_nothing_and_names_its_position(tenants):
    rows = [NewCustomer(phone="09121234567"), NewCustomer(phone="0912"), NewCustomer(phone="09121234568")]

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        customer_bulk_create(workspace=tenants.ws_a, rows=rows)

    assert caught.value.message_dict["phone"][0].startswith("Row 2: ")
    assert not Customer.objects.exists()

    with pytest.raises(ValidationError) as caught:
        customer_bulk_create(workspace=tenants.ws_a, rows=[NewCustomer(email="not an address")])
    assert "email" in caught.value.message_dict


def test_a_member_needs_customers_edit_in_that_workspace(tenants):
    row = [NewCustomer(first_name="الف", phone="09121111111")]

    with pytest.raises(PermissionDenied):
        customer_bulk_create(workspace=tenants.ws_a, rows=row, acting=tenants.by_role[Role.ANALYST])
    with pytest.raises(PermissionDenied):
        customer_bulk_create(workspace=tenants.ws_a, rows=row, acting=tenants.outsider_b)
    assert not Customer.objects.exists()

    assert customer_bulk_create(workspace=tenants.ws_a, rows=row, acting=tenants.agent_a, via="api") == 1
    entry = AuditEntry.objects.get(workspace=tenants.ws_a, object_type="customers.customer")
    assert entry.actor == tenants.agent_a.user and entry.via == "api"


def test_customers_are_in_the_operators_admin():
    assert admin.site.is_registered(Customer)
