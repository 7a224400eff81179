import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from mehvar.core.jalali import TEHRAN
from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.core.text import search_key
from mehvar.customers import bulk_actions, saved_views, search, services
from mehvar.customers.cleaning import NewCustomer
from mehvar.customers.models import Customer


def _ids(queryset):
    return {c.pk for c in queryset}


@pytest.fixture
def people(tenants):
    agent = tenants.agent_a
    ali = services.customer_create(
        acting=agent,
        first_name="علي",
        last_name="رضائي",
        first_name_latin="Ali",
        last_name_latin="Rezaei",
        phone="09123456789",
        email="ali.rezaei@example.com",
        identities=[("telegram", "@ali_shop")],
        city="اصفهان",
        province="اصفهان",
        company="نقش جهان",
        lifecycle="loyal",
        birthday="1370/07/10",
    )
    sara = services.customer_create(
        acting=agent,
        first_name="سارا",
        last_name="کریمی",
        phone="09359998877",
        email="sara@mail.example",
        city="تهران",
        lifecycle="active",
        birthday="1365/01/05",
    )
    reza = services.customer_create(acting=agent, display_name="رضا محمدی", phone="+44 7911 123456")
    other = services.customer_create(acting=tenants.outsider_b, display_name="علی رضایی", phone="09123456789")
    return tenants, ali, sara, reza, other


@pytest.mark.parametrize(
    "query",
    [
        "علی رضایی",
        "رضایي",
        "علی‌رضایی",
        "  علي   رضائي ",
        "۰۹۱۲۳۴۵",
        "912345",
        "+98912",
        "۳۴۵۶۷۸",
        "ALI.REZAEI@",
        "example.com",
        "ali_shop",
        "@ali_shop",
        "rezaei",
        "Ali Rezaei",
    ],
)
def test_search_finds_ali_however_it_is_written(people, query):
    tenants, ali, *_rest, other = people
    found = _ids(search.customer_search(workspace=tenants.ws_a, q=query))
    assert found == {ali.pk}
    assert other.pk not in found  # the same person in another workspace stays there


def test_search_by_foreign_phone_and_empty_query(people):
    tenants, ali, sara, reza, _other = people
    assert _ids(search.customer_search(workspace=tenants.ws_a, q="7911123")) == {reza.pk}
    assert _ids(search.customer_search(workspace=tenants.ws_a, q="")) == {ali.pk, sara.pk, reza.pk}
    assert _ids(search.customer_search(workspace=tenants.ws_a, q="کسی نیست")) == set()
    with pytest.raises(ValidationError) as caught:
        search.customer_search(workspace=tenants.ws_a, q="x" * 201)
    assert "q" in caught.value.message_dict


def test_search_hides_merged_and_erased_customers(people):
    tenants, ali, sara, reza, _other = people
    Customer.objects.filter(pk=ali.pk).update(merged_into=sara)
    Customer.objects.filter(pk=reza.pk).update(erased_at=timezone.now())
    assert _ids(search.customer_search(workspace=tenants.ws_a, q="")) == {sara.pk}
    assert not search.customer_search(workspace=tenants.ws_a, q="رضایی").exists()


def test_bulk_created_customers_are_searchable(tenants):
    services.customer_bulk_create(
        workspace=tenants.ws_a, rows=[NewCustomer(first_name="كريم", last_name="نوري", phone="09120001122")]
    )
    assert search.customer_search(workspace=tenants.ws_a, q="کریم نوری").count() == 1
    assert search.customer_search(workspace=tenants.ws_a, q="۰۰۱۱۲۲").count() == 1


def test_search_uses_the_trigram_index_on_postgresql(people):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    tenants = people[0]
    rows = (NewCustomer(first_name=f"مشتری {i}", phone=f"0912{i:07d}") for i in range(3000))
    services.customer_bulk_create(workspace=tenants.ws_a, rows=rows)
    queryset = search.customer_search(workspace=tenants.ws_a, q="رضایی")
    assert queryset.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'customer_search_trgm'")
        assert "gin_trgm_ops" in cursor.fetchone()[0]
        cursor.execute("SELECT gin_clean_pending_list('customer_search_trgm')")  # as autovacuum would
        cursor.execute("ANALYZE customers_customer")
        # 3,000 rows fit in a few pages, where any plan is cheap: leave the planner only bitmap scans
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        # The candidates come from the index (search pages over them when they are few: see _text_match)
        candidates = search.live_customers(workspace=tenants.ws_a).filter(search_text__contains="رضایی")
        sql, params = candidates.order_by().values_list("pk", flat=True).query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customer_search_trgm" in plan, plan


def test_many_matches_and_few_matches_give_the_same_rows_newest_first(people, monkeypatch):
    """_text_match pages over the index's candidates when they are few and walks newest-first when they are
    many: both plans must give exactly what the plain LIKE gives, in the same order."""
    tenants = people[0]
    rows = (NewCustomer(first_name="مشتری", last_name=f"رضايي {i}", phone=f"0913{i:07d}") for i in range(40))
    services.customer_bulk_create(workspace=tenants.ws_a, rows=rows)
    expected = list(
        search.live_customers(workspace=tenants.ws_a)
        .filter(search_text__contains=search_key("رضایی"))
        .order_by("-id")
        .values_list("pk", flat=True)
    )
    assert len(expected) >= 40
    for cap in (10_000, 5):  # all candidates fit / too many candidates
        monkeypatch.setattr(search, "TRIGRAM_CANDIDATES_MAX", cap)
        found = search.customer_search(workspace=tenants.ws_a, q="رضائي")
        assert list(found.values_list("pk", flat=True)) == expected
        assert list(found.filter(pk__lt=expected[3]).values_list("pk", flat=True)[:5]) == expected[4:9]


# --- Filters ----------------------------------------------------------------------------------------------


def _filtered(tenants, **filters):
    return _ids(search.customer_search(workspace=tenants.ws_a, q="", filters=filters))


def test_attribute_filters(people):
    tenants, ali, sara, reza, _other = people
    services.customer_update(acting=tenants.agent_a, customer=sara, owner=tenants.agent_a)
    assert _filtered(tenants, city="اصفهان") == {ali.pk}
    assert _filtered(tenants, province="اصفهان") == {ali.pk}
    assert _filtered(tenants, company="نقش جهان") == {ali.pk}
    assert _filtered(tenants, lifecycle="active") == {sara.pk}
    assert _filtered(tenants, lifecycle=["active", "loyal"]) == {ali.pk, sara.pk}
    assert _filtered(tenants, owner_id=tenants.agent_a.pk) == {sara.pk}
    assert _filtered(tenants, owner_id="none") == {ali.pk, reza.pk}
    with pytest.raises(ValidationError) as caught:
        _filtered(tenants, colour="red")
    assert "filters.colour" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _filtered(tenants, owner_id=tenants.outsider_b.pk)
    assert "filters.owner_id" in caught.value.message_dict


def test_tag_filters_any_and_all(people):
    tenants, ali, sara, _reza, _other = people
    services.tag_add(acting=tenants.agent_a, customer=ali, name="ویژه")
    services.tag_add(acting=tenants.agent_a, customer=ali, name="عمده")
    services.tag_add(acting=tenants.agent_a, customer=sara, name="ويژه")
    assert _filtered(tenants, tags_any=["ویژه", "عمده"]) == {ali.pk, sara.pk}
    assert _filtered(tenants, tag="عمده") == {ali.pk}
    assert _filtered(tenants, tags_all=["ویژه", "عمده"]) == {ali.pk}
    assert _filtered(tenants, tags_all=["ویژه", "ناموجود"]) == set()


def test_custom_field_filters(people):
    tenants, ali, sara, _reza, _other = people
    owner = tenants.owner_a
    services.custom_field_define(acting=owner, key="size", label="سایز", type="number")
    services.custom_field_define(acting=owner, key="joined", label="عضویت", type="date")
    services.custom_field_define(
        acting=owner, key="segment", label="بخش", type="choice", choices=["خرده", "عمده"]
    )
    services.custom_field_define(acting=owner, key="vip", label="ویژه", type="boolean")
    services.customer_update(
        acting=tenants.agent_a,
        customer=ali,
        custom_fields={"size": 42, "joined": "1402/01/15", "segment": "عمده", "vip": True},
    )
    services.customer_update(
        acting=tenants.agent_a,
        customer=sara,
        custom_fields={"size": 38, "joined": "1403/05/01", "segment": "خرده", "vip": False},
    )
    assert _filtered(tenants, custom={"segment": "عمده"}) == {ali.pk}
    assert _filtered(tenants, custom={"vip": "بله"}) == {ali.pk}
    assert _filtered(tenants, custom={"size": "۳۸"}) == {sara.pk}
    assert _filtered(tenants, custom={"size": {"min": 40}}) == {ali.pk}
    assert _filtered(tenants, custom={"size": {"min": "۳۰", "max": 40}}) == {sara.pk}
    assert _filtered(tenants, custom={"joined": {"from": "1403/01/01"}}) == {sara.pk}
    assert _filtered(tenants, custom={"joined": {"from": "1401/01/01", "to": "1402/12/29"}}) == {ali.pk}
    with pytest.raises(ValidationError) as caught:
        _filtered(tenants, custom={"colour": "red"})
    assert "filters.custom.colour" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _filtered(tenants, custom={"size": {"min": "بزرگ"}})
    assert "filters.custom.size" in caught.value.message_dict


def test_consent_filter_uses_the_newest_decision(people):
    tenants, ali, sara, reza, _other = people
    earlier = timezone.now() - dt.timedelta(days=2)
    record = services.consent_record
    record(
        acting=tenants.agent_a, customer=ali, channel="sms", granted=True, source="فرم", recorded_at=earlier
    )
    record(
        acting=tenants.agent_a, customer=sara, channel="sms", granted=True, source="فرم", recorded_at=earlier
    )
    record(acting=tenants.agent_a, customer=sara, channel="sms", granted=False, source="لغو")
    record(acting=tenants.agent_a, customer=reza, channel="email", granted=True, source="فرم")
    assert _filtered(tenants, consent="sms") == {ali.pk}
    assert _filtered(tenants, consent="email") == {reza.pk}
    assert _filtered(tenants, consent=["sms", "email"]) == set()


def test_last_contact_spend_and_birthday_month_filters(people):
    tenants, ali, sara, reza, _other = people
    # 1403/01/01 00:30 in Tehran is still 1402/12/29 in UTC: days are Tehran days
    first_minutes = dt.datetime(2024, 3, 20, 0, 30, tzinfo=TEHRAN)
    Customer.objects.filter(pk=ali.pk).update(last_contact_at=first_minutes, lifetime_value=5_000_000)
    Customer.objects.filter(pk=sara.pk).update(last_contact_at=first_minutes - dt.timedelta(hours=1))
    Customer.objects.filter(pk=reza.pk).update(lifetime_value=100_000)
    assert _filtered(tenants, last_contact_from="1403/01/01") == {ali.pk}
    assert _filtered(tenants, last_contact_to="۱۴۰۲/۱۲/۲۹") == {sara.pk}
    assert _filtered(tenants, last_contact_from="1402/12/29", last_contact_to="1403/01/01") == {
        ali.pk,
        sara.pk,
    }
    assert _filtered(tenants, spend_min="1,000,000") == {ali.pk}
    assert _filtered(tenants, spend_max=100_000) == {sara.pk, reza.pk}
    assert _filtered(tenants, birthday_month=7) == {ali.pk}  # 1370/07/10
    assert _filtered(tenants, birthday_month="۱") == {sara.pk}
    assert _filtered(tenants, birthday_month=12) == set()
    with pytest.raises(ValidationError) as caught:
        _filtered(tenants, last_contact_from="1403/13/01")
    assert "filters.last_contact_from" in caught.value.message_dict
    with pytest.raises(ValidationError):
        _filtered(tenants, birthday_month=13)


def test_orderings(people):
    tenants, ali, sara, reza, _other = people
    Customer.objects.filter(pk=sara.pk).update(lifetime_value=9)
    Customer.objects.filter(pk=reza.pk).update(last_contact_at=timezone.now())
    qs = search.customer_search
    assert [c.pk for c in qs(workspace=tenants.ws_a, filters={})] == [reza.pk, sara.pk, ali.pk]
    assert qs(workspace=tenants.ws_a, filters={"order": "-lifetime_value"}).first() == sara
    assert qs(workspace=tenants.ws_a, filters={"order": "-last_contact_at"}).first() == reza
    with pytest.raises(ValidationError):
        qs(workspace=tenants.ws_a, filters={"order": "password"})


# --- Saved views and bulk actions -------------------------------------------------------------------------


def test_saved_views_private_shared_and_never_outside(people):
    tenants, ali, *_rest = people
    agent, supervisor = tenants.agent_a, tenants.by_role[Role.SUPERVISOR]
    mine = saved_views.saved_view_create(acting=agent, name="اصفهانی‌ها", filters={"city": "اصفهان"})
    shared = saved_views.saved_view_create(
        acting=agent, name="وفادار", filters={"lifecycle": "loyal", "q": "رضایی"}, shared=True
    )
    assert set(saved_views.saved_views_for(membership=agent)) == {mine, shared}
    assert set(saved_views.saved_views_for(membership=supervisor)) == {shared}
    assert set(saved_views.saved_views_for(membership=tenants.outsider_b)) == set()
    assert _ids(saved_views.saved_view_search(membership=supervisor, view=shared)) == {ali.pk}
    with pytest.raises(Http404):
        saved_views.saved_view_search(membership=supervisor, view=mine)
    with pytest.raises(Http404):
        saved_views.saved_view_search(membership=tenants.outsider_b, view=shared)
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_update(acting=supervisor, view=shared, name="عوض")
    with pytest.raises(Http404):
        saved_views.saved_view_delete(acting=tenants.outsider_b, view=mine)

    saved_views.saved_view_update(acting=agent, view=mine, shared=True, name="اصفهان")
    assert set(saved_views.saved_views_for(membership=supervisor)) == {mine, shared}
    saved_views.saved_view_delete(acting=agent, view=mine)
    assert set(saved_views.saved_views_for(membership=agent)) == {shared}
    assert AuditEntry.objects.filter(object_type="customers.savedview").count() == 4

    with pytest.raises(ValidationError) as caught:
        saved_views.saved_view_create(acting=agent, name="بد", filters={"colour": "red"})
    assert "filters.colour" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        saved_views.saved_view_create(acting=agent, name="", filters={})
    assert "name" in caught.value.message_dict


def test_bulk_tag_and_assign_owner_act_on_the_filtered_list(people):
    tenants, ali, sara, _reza, _other = people
    agent = tenants.agent_a
    services.tag_add(acting=agent, customer=sara, name="پیگیری")
    count = bulk_actions.customers_bulk_tag(
        acting=agent, name="پيگيري", filters={"lifecycle": ["active", "loyal"]}
    )
    assert count == 1  # sara had it already
    assert {c.pk for c in Customer.objects.filter(tags__key="پیگیری")} == {ali.pk, sara.pk}
    entry = AuditEntry.objects.filter(object_type="customers.customer", after__has_key="tag_added").latest(
        "pk"
    )
    assert entry.after["count"] == 1 and entry.object_id == ""

    moved = bulk_actions.customers_bulk_assign_owner(acting=agent, owner=tenants.owner_a.pk, q="۰۹")
    assert moved == 2
    assert {c.pk for c in Customer.objects.filter(owner=tenants.owner_a)} == {ali.pk, sara.pk}
    entry = AuditEntry.objects.filter(after__has_key="owner", after__count=2).get()
    assert entry.after["owner"] == tenants.owner_a.pk

    assert bulk_actions.customers_bulk_assign_owner(acting=agent, owner=None, ids=[ali.pk]) == 1
    assert Customer.objects.get(pk=ali.pk).owner is None

    with pytest.raises(PermissionDenied):
        bulk_actions.customers_bulk_tag(acting=tenants.by_role[Role.ANALYST], name="x")
    with pytest.raises(ValidationError):
        bulk_actions.customers_bulk_assign_owner(acting=agent, owner=tenants.outsider_b)
    # the other workspace's customers are never touched
    assert bulk_actions.customers_bulk_tag(acting=tenants.outsider_b, name="ب") == 1
    assert not Customer.objects.filter(workspace=tenants.ws_a, tags__key="ب").exists()
