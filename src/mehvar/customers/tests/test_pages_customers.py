"""The customer pages: the list (search, filters, pages, saved views, bulk actions), the 360 page and its
quick actions, the duplicates queue with merge and undo, and the privacy buttons; who may see and do what."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mehvar.core.models import AuditEntry
from mehvar.customers import services
from mehvar.customers.cleaning import NewCustomer
from mehvar.customers.models import Activity, Customer, CustomField, DuplicateSuggestion, Merge, SavedView
from mehvar.customers.timeline import activity_record
from mehvar.testing import login

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
PERSIAN = re.compile(r"[\u0600-\u06FF]")


def url(name, *args, slug="shop-a"):
    return reverse(f"customers:{name}", args=[slug, *args])


def make(tenants, **fields):
    fields.setdefault("first_name", "علی")
    fields.setdefault("last_name", "رضایی")
    return services.customer_create(acting=tenants.owner_a, **fields)


def errors_of(html):
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)


# --- Access -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "agent", "analyst"])
def test_members_see_the_pages(client, tenants, role):
    customer = make(tenants, phone="09121234567")
    login(client, tenants.by_role[role])
    for path in (url("list"), url("detail", customer.pk), url("duplicates")):
        response = client.get(path)
        assert response.status_code == 200, path
    body = client.get(url("detail", customer.pk)).content.decode()
    writes = 'data-testid="note-form"' in body
    assert writes == (role != "analyst")
    list_body = client.get(url("list")).content.decode()
    assert ('data-testid="bulk-form"' in list_body) == (role != "analyst")


def test_analyst_cannot_write(client, tenants):
    customer = make(tenants)
    login(client, tenants.by_role["analyst"])
    posts = [
        (url("note_add", customer.pk), {"text": "x"}),
        (url("call_log", customer.pk), {"direction": "inbound", "outcome": "answered"}),
        (url("edit", customer.pk), {"lifecycle": "active"}),
        (url("tag_add", customer.pk), {"name": "vip"}),
        (url("rights_acknowledge", customer.pk), {}),
        (url("bulk"), {"action": "tag", "tag": "x", "scope": "all"}),
        (url("privacy_export", customer.pk), {}),
        (url("privacy_erase", customer.pk), {"confirm": customer.pk}),
        (url("create"), {"first_name": "x", "lifecycle": "new"}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 403, path
    assert not Activity.objects.filter(customer=customer).exists()
    assert client.get(url("edit", customer.pk)).status_code == 403


def test_outsider_gets_404_for_a_real_customer(client, tenants):
    customer = make(tenants)
    login(client, tenants.outsider_b)
    assert client.get(url("detail", customer.pk)).status_code == 404
    # and in their own workspace, A's customer does not exist
    assert client.get(url("detail", customer.pk, slug="shop-b")).status_code == 404
    assert client.post(url("note_add", customer.pk, slug="shop-b"), {"text": "x"}).status_code == 404


def test_anonymous_is_sent_to_login(client, tenants):
    customer = make(tenants)
    response = client.get(url("detail", customer.pk))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_navigation_has_customers(client, tenants):
    login(client, tenants.agent_a)
    body = client.get(reverse("web:workspace_home", args=["shop-a"])).content.decode()
    assert 'data-nav="customers:list"' in body


# --- The list ---------------------------------------------------------------------------------------------


def test_search_ignores_letter_variants_and_digit_scripts(client, tenants):
    make(tenants, first_name="علی", last_name="رضایی", phone="09121234567")
    make(tenants, first_name="مریم", last_name="کاظمی", phone="09351112233")
    login(client, tenants.agent_a)
    arabic = client.get(url("list"), {"q": "علي رضائي"}, **HX).content.decode()
    assert "رضایی" in arabic and "کاظمی" not in arabic
    digits = client.get(url("list"), {"q": "۰۹۳۵۱۱۱"}, **HX).content.decode()
    assert "کاظمی" in digits and "رضایی" not in digits


def test_htmx_search_returns_the_results_fragment_only(client, tenants):
    make(tenants)
    login(client, tenants.agent_a)
    response = client.get(
        url("list"), {"q": "علی"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-results"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="customer-results"' in body


def test_filters_lifecycle_city_and_tag(client, tenants):
    make(tenants, first_name="الف", lifecycle="loyal", city="اصفهان", tags=["ویژه"])
    make(tenants, first_name="ب", lifecycle="lead", city="تهران")
    login(client, tenants.agent_a)
    body = client.get(url("list"), {"lifecycle": "loyal"}).content.decode()
    assert body.count('data-testid="customer-row"') == 1 and "الف" in body
    body = client.get(url("list"), {"city": "تهران"}).content.decode()
    assert body.count('data-testid="customer-row"') == 1
    body = client.get(url("list"), {"tag": "ويژه"}).content.decode()  # Arabic yeh in the tag
    assert body.count('data-testid="customer-row"') == 1


def test_bad_filters_show_field_errors_in_persian(client, tenants):
    make(tenants)
    login(client, tenants.agent_a)
    body = client.get(url("list"), {"last_contact_from": "1404/12/30"}).content.decode()
    assert 'data-testid="customer-row"' not in body
    assert errors_of(body) and PERSIAN.search(" ".join(errors_of(body)))
    body = client.get(url("list"), {"owner_id": "999999"}).content.decode()
    assert errors_of(body)


def test_keyset_pages_without_offset(client, tenants):
    services.customer_bulk_create(
        workspace=tenants.ws_a, rows=[NewCustomer(display_name=f"مشتری {n}") for n in range(60)]
    )
    login(client, tenants.agent_a)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url("list")).content.decode()
    assert first.count('data-testid="customer-row"') == 50
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
    next_url = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(url("list") + next_url).content.decode()
    assert second.count('data-testid="customer-row"') == 10
    assert 'rel="next"' not in second


def _list_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("list")).status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(client, tenants, django_assert_max_num_queries):
    login(client, tenants.owner_a)
    for n in range(2):
        make(tenants, first_name=f"x{n}", tags=["a", "b"], owner_id=tenants.agent_a.pk)
    few = _list_queries(client)
    for n in range(2, 30):
        make(tenants, first_name=f"x{n}", tags=["a", f"t{n}"], owner_id=tenants.by_role["admin"].pk)
    assert _list_queries(client) == few
    with django_assert_max_num_queries(few):
        client.get(url("list"))


def test_saved_views_private_and_shared(client, tenants):
    make(tenants, lifecycle="loyal")
    login(client, tenants.agent_a)
    client.post(url("view_save"), {"name": "وفادارها", "query": "lifecycle=loyal&q=علی"})
    client.post(url("view_save"), {"name": "همه", "query": "", "shared": "on"})
    assert SavedView.objects.filter(workspace=tenants.ws_a).count() == 2
    mine = client.get(url("list")).content.decode()
    assert "وفادارها" in mine and "lifecycle=loyal" in mine
    login(client, tenants.owner_a)
    theirs = client.get(url("list")).content.decode()
    assert "همه" in theirs and "وفادارها" not in theirs


def test_bulk_tag_selected_and_assign_owner_to_filtered(client, tenants):
    a = make(tenants, first_name="الف", city="یزد")
    b = make(tenants, first_name="ب", city="یزد")
    c = make(tenants, first_name="پ", city="قم")
    login(client, tenants.agent_a)
    client.post(
        url("bulk"), {"action": "tag", "tag": "پیگیری", "scope": "selected", "ids": [a.pk], "query": ""}
    )
    assert list(a.tags.values_list("name", flat=True)) == ["پیگیری"] and not b.tags.exists()
    client.post(
        url("bulk"),
        {"action": "owner", "owner": tenants.agent_a.pk, "scope": "all", "query": "city=یزد"},
    )
    owners = dict(Customer.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "owner_id"))
    assert owners == {a.pk: tenants.agent_a.pk, b.pk: tenants.agent_a.pk, c.pk: None}


def test_export_links_carry_the_filter(client, tenants):
    login(client, tenants.by_role["analyst"])
    body = client.get(url("list"), {"city": "یزد"}).content.decode()
    assert 'data-testid="export-csv"' in body
    link = re.search(r'data-testid="export-csv"', body) and re.search(
        r'href="([^"]*format=csv)"', body
    ).group(1)
    assert "city=" in link


# --- The 360 page -----------------------------------------------------------------------------------------


def test_360_page_shows_the_profile(client, tenants):
    CustomField.objects.create(workspace=tenants.ws_a, key="size", label="سایز", type="number")
    customer = make(
        tenants,
        phone="+989121234567",
        email="ali@example.com",
        contact_policy="فقط بعدازظهرها تماس بگیرید",
        owner_id=tenants.agent_a.pk,
        tags=["ویژه"],
        custom_fields={"size": 42},
        birthday="1370/05/12",
    )
    login(client, tenants.agent_a)
    body = client.get(url("detail", customer.pk)).content.decode()
    assert "۰۹۱۲" in body  # the phone in Persian digits, national form
    assert 'data-testid="contact-policy"' in body and "فقط بعدازظهرها" in body
    assert "ویژه" in body and "سایز" in body and "۴۲" in body
    assert "۱۳۷۰" in body  # Jalali birthday
    assert 'data-testid="conversations-panel"' in body and 'data-testid="promises-placeholder"' in body


def test_viewing_is_audited_at_most_once_an_hour(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    client.get(url("detail", customer.pk))
    client.get(url("detail", customer.pk))
    views = AuditEntry.objects.filter(
        workspace=tenants.ws_a, action=AuditEntry.Action.VIEW_PERSONAL, object_id=str(customer.pk)
    )
    assert views.count() == 1 and views.get().actor == tenants.agent_a.user
    views.update(created_at=timezone.now() - dt.timedelta(hours=2))
    client.get(url("detail", customer.pk))
    assert views.count() == 2


def _detail_queries(client, customer):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("detail", customer.pk)).status_code == 200
    return len(queries)


def test_360_query_count_is_fixed(client, tenants, django_assert_max_num_queries):
    customer = make(tenants, tags=["a"])
    login(client, tenants.agent_a)
    services.note_add(acting=tenants.agent_a, customer=customer, text="یک")
    client.get(url("detail", customer.pk))  # the view audit is written once; measure afterwards
    few = _detail_queries(client, customer)
    for n in range(30):
        actor = tenants.agent_a if n % 2 else tenants.owner_a
        services.note_add(acting=actor, customer=customer, text=f"یادداشت {n}")
        services.tag_add(acting=tenants.owner_a, customer=customer, name=f"t{n}")
    assert _detail_queries(client, customer) == few
    with django_assert_max_num_queries(few):
        client.get(url("detail", customer.pk))


def test_add_note_with_htmx_returns_the_timeline_and_a_fresh_form(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    response = client.post(url("note_add", customer.pk), {"text": "مشتری خوش‌قول است"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="timeline"' in body and "مشتری خوش‌قول است" in body
    assert 'hx-swap-oob="true"' in body
    assert Activity.objects.filter(customer=customer, kind="note").count() == 1


def test_add_note_without_js_redirects(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    response = client.post(url("note_add", customer.pk), {"text": "سلام"})
    assert response.status_code == 302 and response["Location"] == url("detail", customer.pk)


def test_empty_note_is_an_error_and_writes_nothing(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    response = client.post(url("note_add", customer.pk), {"text": "  "}, **HX)
    assert response["HX-Retarget"] == "#note-form"
    assert errors_of(response.content.decode())
    assert not Activity.objects.filter(customer=customer).exists()


def test_log_a_call_with_persian_digits(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    response = client.post(
        url("call_log", customer.pk),
        {
            "direction": "inbound",
            "outcome": "answered",
            "minutes": "۳",
            "seconds": "۱۵",
            "note": "پیگیری سفارش",
        },
        **HX,
    )
    assert response.status_code == 200
    call = Activity.objects.get(customer=customer, kind="call")
    assert call.data["duration_seconds"] == 195 and call.data["direction"] == "inbound"
    assert "پیگیری سفارش" in response.content.decode()


def test_timeline_filter_and_older_pages(client, tenants):
    customer = make(tenants)
    now = timezone.now()
    for n in range(25):
        activity_record(
            workspace=tenants.ws_a,
            customer=customer,
            kind="message" if n % 2 else "order",
            occurred_at=now - dt.timedelta(days=n),
            summary=f"رویداد {n}",
            channel="sms" if n % 2 else "",
        )
    login(client, tenants.agent_a)
    page = client.get(url("detail", customer.pk)).content.decode()
    assert page.count('data-testid="timeline-item"') == 20
    older = re.search(r'data-testid="timeline-older"', page) and re.search(
        r'href="([^"]*cursor=[^"]*)"', page
    )
    more = client.get(older.group(1).replace("&amp;", "&"), **HX).content.decode()
    assert more.count('data-testid="timeline-item"') == 5 and "hx-swap-oob" in more
    filtered = client.get(url("timeline", customer.pk), {"kind": "order"}, **HX).content.decode()
    assert filtered.count('data-kind="order"') == 13 and 'data-kind="message"' not in filtered
    bad = client.get(url("timeline", customer.pk), {"date_from": "1404/12/30"}, **HX).content.decode()
    assert errors_of(bad) and PERSIAN.search(" ".join(errors_of(bad)))


def test_edit_profile_saves_jalali_birthday_and_custom_fields(client, tenants):
    CustomField.objects.create(workspace=tenants.ws_a, key="vip", label="ویژه", type="boolean")
    customer = make(tenants, phone="09121234567")
    login(client, tenants.agent_a)
    data = {
        "first_name": "علی",
        "last_name": "رضایی",
        "phone": "۰۹۱۲ ۷۷۷ ۶۶۵۵",
        "birthday": "۱۳۷۰/۰۵/۱۲",
        "lifecycle": "loyal",
        "owner": tenants.agent_a.pk,
        "custom.vip": "true",
    }
    response = client.post(url("edit", customer.pk), data, **HX)
    assert response.status_code == 200 and 'id="profile"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.phone == "+989127776655"
    assert customer.birthday == dt.date(1991, 8, 3)
    assert customer.lifecycle == "loyal" and customer.owner_id == tenants.agent_a.pk
    assert customer.custom_fields == {"vip": True}


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "12345"), ("birthday", "1404/12/30"), ("owner", "999999"), ("email", "not-an-email")],
)
def test_bad_profile_input_is_a_field_error_and_writes_nothing(client, tenants, field, value):
    customer = make(tenants, phone="09121234567")
    before = Customer.objects.values().get(pk=customer.pk)
    login(client, tenants.agent_a)
    data = {"first_name": "دیگر", "lifecycle": "active", field: value}
    response = client.post(url("edit", customer.pk), data)
    body = response.content.decode()
    assert response.status_code == 200
    errors = errors_of(body)
    assert errors and PERSIAN.search(" ".join(errors))
    assert Customer.objects.values().get(pk=customer.pk) == before


def test_owner_from_another_workspace_is_refused(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    response = client.post(url("edit", customer.pk), {"lifecycle": "active", "owner": tenants.outsider_b.pk})
    assert errors_of(response.content.decode())
    customer.refresh_from_db()
    assert customer.owner_id is None


def test_tags_add_and_remove_with_htmx(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    body = client.post(url("tag_add", customer.pk), {"name": "مشتري ويژه"}, **HX).content.decode()
    assert 'id="tags"' in body and "<html" not in body
    assert list(customer.tags.values_list("name", flat=True)) == ["مشتری ویژه"]
    client.post(url("tag_remove", customer.pk), {"name": "مشتری ویژه"}, **HX)
    assert not customer.tags.exists()


def test_rights_acknowledgement(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    body = client.post(url("rights_acknowledge", customer.pk), **HX).content.decode()
    assert 'id="rights"' in body
    customer.refresh_from_db()
    assert customer.rights_acknowledged_at is not None


def test_create_customer_page(client, tenants):
    login(client, tenants.agent_a)
    assert client.get(url("create")).status_code == 200
    response = client.post(url("create"), {"first_name": "سارا", "phone": "09120001122", "lifecycle": "new"})
    customer = Customer.objects.get(workspace=tenants.ws_a, first_name="سارا")
    assert response["Location"] == url("detail", customer.pk)
    bad = client.post(url("create"), {"first_name": "بد", "phone": "0912", "lifecycle": "new"})
    assert errors_of(bad.content.decode()) and not Customer.objects.filter(first_name="بد").exists()


# --- Merged and erased ------------------------------------------------------------------------------------


def test_merged_customer_redirects_to_the_survivor(client, tenants):
    from mehvar.customers.merging import customer_merge

    a, b = make(tenants, first_name="الف"), make(tenants, first_name="ب")
    customer_merge(acting=tenants.owner_a, survivor=a, merged=b)
    login(client, tenants.agent_a)
    response = client.get(url("detail", b.pk))
    assert response.status_code == 302 and response["Location"] == url("detail", a.pk)
    page = client.get(url("detail", a.pk)).content.decode()
    assert 'data-testid="undo-merge"' in page


def test_erased_customer_says_erased(client, tenants):
    from mehvar.customers.privacy import customer_erase

    customer = make(tenants)
    customer_erase(acting=tenants.owner_a, customer=customer)
    login(client, tenants.agent_a)
    response = client.get(url("detail", customer.pk))
    assert response.status_code == 410 and 'data-testid="erased"' in response.content.decode()


# --- Duplicates, merge, undo ------------------------------------------------------------------------------


def _pair(tenants):
    a = make(tenants, first_name="علی", last_name="رضایی", city="اصفهان", birthday="1370/01/01")
    b = make(tenants, first_name="علي", last_name="رضائي", city="کاشان", birthday="1370/01/01")
    suggestion = DuplicateSuggestion.objects.create(
        workspace=tenants.ws_a,
        customer_a=a,
        customer_b=b,
        score=0.7,
        evidence=[
            {"signal": "name", "a": "علی رضایی", "b": "علي رضائي", "weight": 0.35},
            {"signal": "birthday", "a": "1991-03-21", "b": "1991-03-21", "weight": 0.3},
            {"signal": "city differs", "a": "اصفهان", "b": "کاشان", "weight": -0.3},
        ],
    )
    return a, b, suggestion


def test_queue_shows_the_pair_with_evidence_and_choices(client, tenants):
    _a, _b, suggestion = _pair(tenants)
    login(client, tenants.agent_a)
    body = client.get(url("duplicates")).content.decode()
    assert 'data-testid="suggestion"' in body and "کاشان" in body
    assert f'name="s{suggestion.pk}-city"' in body  # a radio per conflicting field
    assert "۱۳۷۰" in body  # evidence dates in Jalali


def test_merge_with_a_choice_then_undo(client, tenants):
    a, b, suggestion = _pair(tenants)
    login(client, tenants.agent_a)
    response = client.post(url("duplicate_merge", suggestion.pk), {f"s{suggestion.pk}-city": "b"})
    assert response.status_code == 302 and response["Location"] == url("detail", a.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.merged_into_id == a.pk and a.city == "کاشان"
    merge = Merge.objects.get(survivor=a)
    page = client.get(url("detail", a.pk)).content.decode()
    assert 'data-testid="undo-merge"' in page
    client.post(url("merge_undo", merge.pk))
    b.refresh_from_db()
    a.refresh_from_db()
    assert b.merged_into_id is None and a.city == "اصفهان"
    assert 'data-testid="undo-merge"' not in client.get(url("detail", a.pk)).content.decode()


def test_dismiss_a_suggestion(client, tenants):
    _a, _b, suggestion = _pair(tenants)
    login(client, tenants.agent_a)
    response = client.post(url("duplicate_dismiss", suggestion.pk), **HX)
    assert response.status_code == 200 and response.content == b""
    suggestion.refresh_from_db()
    assert suggestion.status == DuplicateSuggestion.Status.DISMISSED
    assert 'data-testid="suggestion"' not in client.get(url("duplicates")).content.decode()


def test_analyst_cannot_merge_or_dismiss(client, tenants):
    _a, _b, suggestion = _pair(tenants)
    login(client, tenants.by_role["analyst"])
    body = client.get(url("duplicates")).content.decode()
    assert 'data-testid="merge-form"' not in body
    assert client.post(url("duplicate_merge", suggestion.pk), {}).status_code == 403
    assert client.post(url("duplicate_dismiss", suggestion.pk)).status_code == 403


# --- Privacy ----------------------------------------------------------------------------------------------


def test_privacy_buttons_only_for_admins(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    assert 'data-testid="privacy"' not in client.get(url("detail", customer.pk)).content.decode()
    assert client.get(url("privacy_erase", customer.pk)).status_code == 403
    login(client, tenants.owner_a)
    assert 'data-testid="privacy"' in client.get(url("detail", customer.pk)).content.decode()


def test_privacy_export_downloads_json(client, tenants):
    customer = make(tenants, phone="09121234567")
    login(client, tenants.owner_a)
    response = client.post(url("privacy_export", customer.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert "+989121234567" in response.content.decode()
    assert AuditEntry.objects.filter(workspace=tenants.ws_a, action=AuditEntry.Action.EXPORT).exists()


def test_erase_needs_the_confirmation_naming_the_customer(client, tenants):
    customer = make(tenants, first_name="نگار", last_name="احمدی")
    login(client, tenants.owner_a)
    page = client.get(url("privacy_erase", customer.pk)).content.decode()
    assert "نگار احمدی" in page
    client.post(url("privacy_erase", customer.pk), {})
    customer.refresh_from_db()
    assert customer.erased_at is None
    response = client.post(url("privacy_erase", customer.pk), {"confirm": str(customer.pk)})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.first_name == ""


def test_edit_in_place_with_htmx_and_on_its_own_page_without(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    fragment = client.get(url("edit", customer.pk), **HX).content.decode()
    assert "<html" not in fragment and 'data-testid="profile-form"' in fragment
    page = client.get(url("edit", customer.pk)).content.decode()
    assert "<html" in page and 'data-testid="profile-form"' in page
    response = client.post(url("edit", customer.pk), {"first_name": "رضا", "lifecycle": "active"})
    assert response.status_code == 302 and response["Location"] == url("detail", customer.pk)


def test_timeline_without_js_goes_to_the_page(client, tenants):
    customer = make(tenants)
    login(client, tenants.agent_a)
    response = client.get(url("timeline", customer.pk), {"kind": "note"})
    assert response.status_code == 302 and response["Location"] == url("detail", customer.pk) + "?kind=note"
    body = client.get(url("detail", customer.pk), {"kind": "note"}).content.decode()
    assert 'data-testid="timeline-empty"' in body


def test_filters_custom_field_consent_spend_and_last_contact(client, tenants):
    CustomField.objects.create(workspace=tenants.ws_a, key="vip", label="ویژه", type="boolean")
    rich = make(tenants, first_name="پولدار", custom_fields={"vip": True})
    make(tenants, first_name="معمولی", custom_fields={"vip": False})
    Customer.objects.filter(pk=rich.pk).update(
        lifetime_value=5_000_000, last_contact_at=timezone.now() - dt.timedelta(days=3)
    )
    services.consent_record(acting=tenants.owner_a, customer=rich, channel="sms", granted=True, source="فرم")
    login(client, tenants.agent_a)

    def names(params):
        body = client.get(url("list"), params).content.decode()
        return body.count('data-testid="customer-row"'), body

    count, body = names({"custom.vip": "true"})
    assert count == 1 and "پولدار" in body
    assert names({"consent": "sms"})[0] == 1
    assert names({"spend_min": "۱٬۰۰۰٬۰۰۰"})[0] == 1
    assert names({"spend_max": "1000"})[0] == 1
    today = timezone.now().date()
    assert names({"last_contact_from": (today - dt.timedelta(days=10)).isoformat()})[0] == 1


def test_export_links_only_for_those_who_may_export(client, tenants):
    login(client, tenants.agent_a)
    assert 'data-testid="export-csv"' not in client.get(url("list")).content.decode()
    login(client, tenants.owner_a)
    body = client.get(url("list"), {"spend_min": "۱٬۰۰۰", "city": "یزد"}).content.decode()
    assert 'data-testid="export-xlsx"' in body
    link = re.search(r'href="([^"]*format=csv)"', body).group(1).replace("&amp;", "&")
    assert "spend_min=1000" in link
    assert client.get(link).status_code == 200


def test_a_bad_cursor_is_an_error_not_a_500(client, tenants):
    login(client, tenants.agent_a)
    response = client.get(url("list"), {"cursor": "not-a-cursor"})
    assert response.status_code == 200 and 'data-testid="customer-row"' not in response.content.decode()
