"""Exporting the filtered customer list: CSV (UTF-8 with BOM, streamed) and XLSX, the filtered rows only,
never another workspace's, audited, for data.export only."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.customers.exporting import filters_from_query
from mehvar.customers.models import Customer, CustomField, Tag
from mehvar.customers.search import search_text_refresh
from mehvar.testing import login

pytestmark = pytest.mark.urls("mehvar.customers.tests.import_urlconf")


@pytest.fixture
def people(tenants):
    vip = Tag.objects.create(workspace=tenants.ws_a, name="ویژه", key="ویژه")
    ali = Customer.objects.create(
        workspace=tenants.ws_a, display_name="علی رضایی", phone="+989123456789", city="تهران"
    )
    ali.tags.add(vip)
    Customer.objects.create(workspace=tenants.ws_a, display_name="=HYPERLINK(1)", city="تهران")
    Customer.objects.create(workspace=tenants.ws_a, display_name="سارا کریمی", city="شیراز")
    Customer.objects.create(workspace=tenants.ws_b, display_name="بیرونی", city="تهران")
    search_text_refresh(customers=list(Customer.objects.all()))
    return tenants


def export_url(slug: str = "shop-a", **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("customers:export", args=[slug]) + (f"?{query}" if query else "")


def test_csv_has_the_filtered_rows_only(client, people):
    login(client, people.owner_a)
    response = client.get(export_url(format="csv", city="تهران"))
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "نام"  # the member's language
    names = sorted(row[0] for row in rows[1:])
    assert names == ["'=HYPERLINK(1)", "علی رضایی"]  # a formula-looking value is made harmless
    ali = next(row for row in rows if row[0] == "علی رضایی")
    assert "0912 345 6789" in ali
    assert "ویژه" in ali
    entry = AuditEntry.objects.get(workspace=people.ws_a, action=AuditEntry.Action.EXPORT)
    assert entry.after["count"] == 2 and entry.after["filters"] == {"city": "تهران"}


def test_xlsx_has_the_filtered_rows_only(client, people):
    login(client, people.by_role[Role.ANALYST])
    response = client.get(export_url(format="xlsx", q="سارا"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["سارا کریمی"]


def test_no_filter_exports_this_workspace_only(client, people):
    login(client, people.owner_a)
    body = b"".join(client.get(export_url(format="csv")).streaming_content).decode()
    assert "بیرونی" not in body
    assert body.count("\n") == 4  # header + three customers


def test_tag_lifecycle_and_custom_field_filters(client, people):
    size = CustomField.objects.create(workspace=people.ws_a, key="size", label="Size", type="number")
    sara = Customer.objects.get(display_name="سارا کریمی")
    sara.custom_fields = {size.key: 42}
    sara.lifecycle = "loyal"
    sara.save()
    login(client, people.owner_a)

    def names(**params) -> list[str]:
        body = b"".join(client.get(export_url(format="csv", **params)).streaming_content).decode()
        return sorted(row[0] for row in list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:])

    assert names(tag="ویژه") == ["علی رضایی"]
    assert names(lifecycle="loyal") == ["سارا کریمی"]
    assert names(**{"custom.size": "۴۲"}) == ["سارا کریمی"]
    body = b"".join(client.get(export_url(format="csv", lifecycle="loyal")).streaming_content).decode()
    assert "Size" in body.splitlines()[0] and ",42," in body


def test_who_may_export(client, people):
    login(client, people.agent_a)
    assert client.get(export_url(format="csv")).status_code == 403
    login(client, people.outsider_b)
    assert client.get(export_url(format="csv")).status_code == 404
    login(client, people.owner_a)
    assert client.get(export_url(format="pdf")).status_code == 400
    assert client.get(export_url(format="csv", order="nonsense")).status_code == 400
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_filters_from_the_query_string():
    from django.http import QueryDict

    query = QueryDict("q=ali&city=x&lifecycle=active&lifecycle=loyal&custom.size=4&page=2&format=csv")
    assert filters_from_query(query) == (
        "ali",
        {"city": "x", "lifecycle": ["active", "loyal"], "custom": {"size": "4"}},
    )
