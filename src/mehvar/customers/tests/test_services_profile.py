import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from mehvar.core.models import AuditEntry
from mehvar.core.roles import Role
from mehvar.customers import services
from mehvar.customers.models import Activity, Consent, Customer, CustomField, Identity, Tag
from mehvar.customers.selectors import customer_profile


@pytest.fixture
def fields(tenants):
    admin = tenants.owner_a
    services.custom_field_define(acting=admin, key="shoe_size", label="سایز کفش", type="number")
    services.custom_field_define(acting=admin, key="joined", label="عضویت", type="date")
    services.custom_field_define(
        acting=admin, key="segment", label="بخش", type="choice", choices=["خرده", "عمده"]
    )
    services.custom_field_define(acting=admin, key="vip", label="ویژه", type="boolean")
    services.custom_field_define(acting=admin, key="note", label="یادداشت", type="text")
    return tenants


def _ali(acting, **extra):
    return services.customer_create(
        acting=acting,
        first_name="علي",
        last_name="رضائي",
        first_name_latin="Ali",
        last_name_latin="Rezaei",
        phone="۰۹۱۲ ۳۴۵ ۶۷۸۹",
        email="  Ali.Rezaei@Example.com ",
        **extra,
    )


def test_create_stores_a_full_profile_with_identities_and_audits(fields):
    agent = fields.agent_a
    customer = _ali(
        agent,
        birthday="1370/06/31",
        city="اصفهان",
        province="اصفهان",
        company="نقش جهان",
        job_title="مدیر خرید",
        lifecycle="active",
        owner_id=fields.owner_a.pk,
        tags=["مشتری ویژه"],
        custom_fields={"shoe_size": "۴۲", "joined": "1402/01/15", "segment": "عمده", "vip": "بله"},
        identities=[("telegram", "@Ali_Rezaei")],
    )

    customer.refresh_from_db()
    assert customer.first_name == "علی"  # normalised letters
    assert customer.display_name == "علی رضائی"  # ئ is a real spelling, kept
    assert (customer.phone, customer.email) == ("+989123456789", "ali.rezaei@example.com")
    assert customer.birthday == dt.date(1991, 9, 22)
    assert customer.owner == fields.owner_a
    assert customer.custom_fields == {
        "shoe_size": 42,
        "joined": "2023-04-04",
        "segment": "عمده",
        "vip": True,
    }
    kinds = set(Identity.objects.filter(customer=customer).values_list("kind", "value"))
    assert kinds == {
        ("phone", "+989123456789"),
        ("email", "ali.rezaei@example.com"),
        ("telegram", "ali_rezaei"),
    }
    assert {"09123456789", "ali_rezaei", "علیرضایی"} <= set(customer.search_text.split())
    entry = AuditEntry.objects.get(object_type="customers.customer", object_id=str(customer.pk))
    assert entry.action == "create" and entry.actor == agent.user
    assert entry.after["phone"] == "+989123456789" and entry.after["tags"] == ["مشتری ویژه"]


@pytest.mark.parametrize(
    ("field", "payload"),
    [
        ("phone", {"phone": "0912"}),
        ("email", {"email": "not an address"}),
        ("birthday", {"birthday": "1370/13/01"}),
        ("birthday", {"birthday": "2999-01-01"}),
        ("first_name", {"first_name": "ا" * 101}),
        ("lifecycle", {"lifecycle": "vip"}),
        ("owner_id", {"owner_id": 999999}),
        ("custom_fields.unknown", {"custom_fields": {"unknown": 1}}),
        ("custom_fields.shoe_size", {"custom_fields": {"shoe_size": "چهل"}}),
        ("custom_fields.joined", {"custom_fields": {"joined": "1402/14/01"}}),
        ("custom_fields.segment", {"custom_fields": {"segment": "دیگر"}}),
        ("custom_fields.vip", {"custom_fields": {"vip": "شاید"}}),
        ("custom_fields.note", {"custom_fields": {"note": "x" * 501}}),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(fields, field, payload):
    audits = AuditEntry.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.customer_create(acting=fields.agent_a, display_name="الف", **payload)
    assert field in caught.value.message_dict
    assert caught.value.message_dict[field][0]
    assert not Customer.objects.exists() and not Identity.objects.exists()
    assert AuditEntry.objects.count() == audits


def test_wrong_type_message_names_the_fields_label_in_the_active_language(fields):
    with translation.override("fa"), pytest.raises(ValidationError) as caught:
        services.customer_create(acting=fields.agent_a, display_name="الف", custom_fields={"shoe_size": "x"})
    message = caught.value.message_dict["custom_fields.shoe_size"][0]
    with translation.override("en"), pytest.raises(ValidationError) as english:
        services.customer_create(acting=fields.agent_a, display_name="الف", custom_fields={"shoe_size": "x"})
    assert "number" in english.value.message_dict["custom_fields.shoe_size"][0]
    assert "سایز کفش" in message


def test_a_phone_of_another_customer_is_refused(tenants):
    _ali(tenants.agent_a)
    with pytest.raises(ValidationError) as caught:
        services.customer_create(acting=tenants.agent_a, display_name="دیگری", phone="+98 912 345 6789")
    assert "phone" in caught.value.message_dict
    assert Customer.objects.count() == 1
    # another workspace may have the same person
    services.customer_create(acting=tenants.outsider_b, display_name="همان", phone="09123456789")


def test_update_changes_fields_replaces_primary_phone_and_audits_the_difference(fields):
    customer = _ali(fields.agent_a, custom_fields={"shoe_size": 41, "vip": False})
    services.customer_update(
        acting=fields.agent_a,
        customer=customer,
        phone="09350000000",
        city="شیراز",
        custom_fields={"shoe_size": "۴۳٫۵", "vip": None},
        tags=["عمده", "عمده "],
    )

    customer.refresh_from_db()
    assert customer.phone == "+989350000000" and customer.city == "شیراز"
    assert customer.custom_fields == {"shoe_size": 43.5}
    phones = list(Identity.objects.filter(customer=customer, kind="phone").values_list("value", flat=True))
    assert phones == ["+989350000000"]
    assert "09350000000" in customer.search_text and "09123456789" not in customer.search_text
    assert [t.name for t in customer.tags.all()] == ["عمده"]
    entry = AuditEntry.objects.filter(action="update", object_id=str(customer.pk)).latest("pk")
    assert entry.before["phone"] == "+989123456789" and entry.after["phone"] == "+989350000000"
    assert entry.before["city"] == "" and entry.after["city"] == "شیراز"
    assert "first_name" not in entry.after
    assert entry.after["tags"] == ["عمده"]


def test_update_with_bad_input_changes_nothing(fields):
    customer = _ali(fields.agent_a)
    with pytest.raises(ValidationError) as caught:
        services.customer_update(acting=fields.agent_a, customer=customer, city="یزد", email="bad@")
    assert "email" in caught.value.message_dict
    customer.refresh_from_db()
    assert customer.city == "" and customer.email == "ali.rezaei@example.com"


def test_owner_must_be_a_member_of_the_same_workspace(tenants):
    customer = _ali(tenants.agent_a)
    with pytest.raises(ValidationError) as caught:
        services.customer_update(acting=tenants.agent_a, customer=customer, owner_id=tenants.outsider_b.pk)
    assert "owner_id" in caught.value.message_dict
    services.customer_update(acting=tenants.agent_a, customer=customer, owner=tenants.agent_a)
    assert Customer.objects.get().owner == tenants.agent_a


def test_identities_are_added_and_removed_and_primary_follows(tenants):
    customer = _ali(tenants.agent_a)
    second = services.identity_add(
        acting=tenants.agent_a, customer=customer, kind="phone", value="09351112233"
    )
    services.identity_add(acting=tenants.agent_a, customer=customer, kind="instagram", value="@ali.shop")
    customer.refresh_from_db()
    assert customer.phone == "+989123456789"  # the primary stays
    assert "ali.shop" in customer.search_text and "09351112233" in customer.search_text

    primary = Identity.objects.get(customer=customer, value="+989123456789")
    services.identity_remove(acting=tenants.agent_a, identity=primary)
    customer.refresh_from_db()
    assert customer.phone == second.value
    assert "09123456789" not in customer.search_text

    other = services.customer_create(acting=tenants.agent_a, display_name="دیگری")
    with pytest.raises(ValidationError):
        services.identity_add(acting=tenants.agent_a, customer=other, kind="phone", value="0935 111 2233")
    with pytest.raises(ValidationError) as caught:
        services.identity_add(acting=tenants.agent_a, customer=other, kind="email", value="@@")
    assert "email" in caught.value.message_dict


def test_tags_are_one_per_spelling(tenants):
    customer = _ali(tenants.agent_a)
    services.tag_add(acting=tenants.agent_a, customer=customer, name="مشتری ویژه")
    services.tag_add(acting=tenants.agent_a, customer=customer, name="مشتري‌ويژه")
    assert Tag.objects.filter(workspace=tenants.ws_a).count() == 1
    assert customer.tags.count() == 1
    services.tag_remove(acting=tenants.agent_a, customer=customer, name="مشتري ويژه")
    assert customer.tags.count() == 0
    with pytest.raises(ValidationError) as caught:
        services.tag_add(acting=tenants.agent_a, customer=customer, name="ب" * 61)
    assert "tags" in caught.value.message_dict


def test_custom_field_definitions(tenants):
    with pytest.raises(PermissionDenied):
        services.custom_field_define(acting=tenants.agent_a, key="size", label="اندازه", type="number")
    with pytest.raises(ValidationError) as caught:
        services.custom_field_define(acting=tenants.owner_a, key="Size!", label="اندازه", type="number")
    assert "key" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.custom_field_define(acting=tenants.owner_a, key="size", label="اندازه", type="color")
    assert "type" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.custom_field_define(acting=tenants.owner_a, key="size", label="اندازه", type="choice")
    assert "choices" in caught.value.message_dict
    field = services.custom_field_define(
        acting=tenants.owner_a, key="size", label="اندازه", type="choice", choices=["S", "M"]
    )
    services.custom_field_define(
        acting=tenants.owner_a, key="size", label="سایز", type="choice", choices=["S", "M", "L"]
    )
    field.refresh_from_db()
    assert (field.label, field.choices) == ("سایز", ["S", "M", "L"])
    with pytest.raises(ValidationError):
        services.custom_field_define(acting=tenants.owner_a, key="size", label="سایز", type="text")
    assert CustomField.objects.filter(workspace=tenants.ws_a).count() == 1


def test_consent_history_and_current_consent(tenants):
    customer = _ali(tenants.agent_a)
    earlier = timezone.now() - dt.timedelta(days=3)
    services.consent_record(
        acting=tenants.agent_a,
        customer=customer,
        channel="sms",
        granted=True,
        source="فرم سایت",
        recorded_at=earlier,
    )
    services.consent_record(
        acting=tenants.agent_a, customer=customer, channel="sms", granted=False, source="تماس"
    )
    services.consent_record(
        acting=tenants.agent_a, customer=customer, channel="email", granted=True, source="فرم"
    )
    assert Consent.objects.filter(customer=customer).count() == 3
    profile = customer_profile(workspace=tenants.ws_a, pk=customer.pk)
    assert profile.consents["sms"].granted is False and profile.consents["sms"].source == "تماس"
    assert profile.consents["email"].granted is True
    with pytest.raises(ValidationError) as caught:
        services.consent_record(
            acting=tenants.agent_a, customer=customer, channel="fax", granted=True, source="x"
        )
    assert "channel" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.consent_record(
            acting=tenants.agent_a, customer=customer, channel="sms", granted=True, source=" "
        )
    assert "source" in caught.value.message_dict


def test_rights_acknowledgement_stores_when(tenants):
    customer = _ali(tenants.agent_a)
    before = timezone.now()
    services.rights_acknowledge(acting=tenants.agent_a, customer=customer)
    customer.refresh_from_db()
    assert customer.rights_acknowledged_at >= before
    assert AuditEntry.objects.filter(
        object_id=str(customer.pk), after__has_key="rights_acknowledged_at"
    ).exists()


def test_notes_and_calls_go_on_the_timeline(tenants):
    customer = _ali(tenants.agent_a)
    note = services.note_add(
        acting=tenants.agent_a, customer=customer, text="  مشتری   تماس عصر را ترجیح می‌دهد "
    )
    call = services.call_log(
        acting=tenants.agent_a,
        customer=customer,
        direction="outbound",
        outcome="answered",
        duration_seconds="۱۲۰",
        note="پیگیری سفارش",
    )
    assert note.kind == "note" and note.data["text"] == "مشتری تماس عصر را ترجیح می‌دهد"
    assert note.actor == tenants.agent_a
    assert (
        call.kind == "call" and call.data["duration_seconds"] == 120 and call.data["direction"] == "outbound"
    )
    customer.refresh_from_db()
    assert customer.last_contact_at == call.occurred_at
    assert AuditEntry.objects.filter(object_type="customers.activity").count() == 2

    with pytest.raises(ValidationError) as caught:
        services.note_add(acting=tenants.agent_a, customer=customer, text="ی" * 10_001)
    assert "text" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.call_log(
            acting=tenants.agent_a, customer=customer, direction="sideways", outcome="?", duration_seconds=-1
        )
    assert {"direction", "outcome", "duration_seconds"} <= set(caught.value.message_dict)
    assert Activity.objects.filter(customer=customer).count() == 2


def test_roles_agent_edits_analyst_and_outsider_may_not(tenants):
    customer = _ali(tenants.agent_a)
    analyst = tenants.by_role[Role.ANALYST]
    for call in (
        lambda who: services.customer_create(acting=who, display_name="الف"),
        lambda who: services.customer_update(acting=who, customer=customer, city="یزد"),
        lambda who: services.tag_add(acting=who, customer=customer, name="الف"),
        lambda who: services.note_add(acting=who, customer=customer, text="الف"),
        lambda who: services.consent_record(
            acting=who, customer=customer, channel="sms", granted=True, source="x"
        ),
        lambda who: services.rights_acknowledge(acting=who, customer=customer),
    ):
        with pytest.raises(PermissionDenied):
            call(analyst)
    with pytest.raises(PermissionDenied):
        services.customer_update(acting=tenants.outsider_b, customer=customer, city="یزد")
    services.customer_update(acting=tenants.by_role[Role.SUPERVISOR], customer=customer, city="یزد")


def test_profile_is_read_in_a_fixed_number_of_queries(fields, django_assert_num_queries):
    customer = _ali(fields.agent_a, owner=fields.owner_a, tags=["الف", "ب"], custom_fields={"vip": True})
    with django_assert_num_queries(5):
        small = customer_profile(workspace=fields.ws_a, pk=customer.pk)
    for index in range(5):
        services.identity_add(acting=fields.agent_a, customer=customer, kind="telegram", value=f"ali_{index}")
        services.tag_add(acting=fields.agent_a, customer=customer, name=f"برچسب {index}")
        services.consent_record(
            acting=fields.agent_a, customer=customer, channel="sms", granted=True, source="x"
        )
    with django_assert_num_queries(5):
        big = customer_profile(workspace=fields.ws_a, pk=customer.pk)
        assert big.owner.user.email == "owner@a.test"
        assert big.consents["sms"].recorded_by.user.email
    assert len(big.identities) == len(small.identities) + 5
    assert [v.definition.key for v in big.custom_fields] == ["shoe_size", "joined", "segment", "vip", "note"]
    assert big.custom_fields[3].value is True
    assert set(big.key_numbers) == {"first_seen_at", "last_contact_at", "lifetime_value", "last_nps"}


def test_profile_and_get_hide_other_workspaces_and_inactive_records(tenants):
    from django.http import Http404

    from mehvar.customers.selectors import customer_get

    customer = _ali(tenants.agent_a)
    with pytest.raises(Http404):
        customer_get(workspace=tenants.ws_b, pk=customer.pk)
    Customer.objects.filter(pk=customer.pk).update(erased_at=timezone.now())
    with pytest.raises(Http404):
        customer_profile(workspace=tenants.ws_a, pk=customer.pk)
