"""POST /api/v1/feedback/reviews/bulk and GET /feedback/reviews with real tokens: all or nothing, stored once,
analysed, customers found by their identities, a timeline entry each."""

import json
import re

import pytest

from mehvar.api.tests.apiclient import call, fields, message_of, problem
from mehvar.customers.models import Activity
from mehvar.feedback.models import Review
from mehvar.surveys.tests.support import customer

pytestmark = pytest.mark.django_db

BOX = "گوشی سالم رسید ولی جعبه‌اش له شده بود و بسته‌بندی افتضاح بود"
FAST = "خیلی سریع رسید، ممنون از فروشنده، عالی بود"
RUDE = "پیک بی‌ادب بود و دیر رسید"


def _items():
    return [
        {
            "source": "digikala",
            "external_id": "dk-1",
            "text": BOX,
            "rating": "۲",
            "written_at": "۱۴۰۳/۰۷/۱۵ ۱۰:۳۰",
            "identities": [{"kind": "phone", "value": "۰۹۱۲ ۱۲۳ ۴۵۶۷"}],
        },
        {
            "source": "digikala",
            "external_id": "dk-2",
            "text": FAST,
            "rating": 5,
            "written_at": "2024-10-07T08:15:00Z",
        },
        {
            "source": "google",
            "external_id": "g-1",
            "text": RUDE,
            "rating": 1,
            "rating_max": "۵",
            "written_at": "۱۴۰۳/۰۸/۰۲",
        },
    ]


def bulk(client, tenants, items, who="agent", **extra):
    return call(
        client, "post", "/feedback/reviews/bulk", tenants=tenants, who=who, body={"items": items}, **extra
    )


def listing(client, tenants, who="agent", **query):
    path = "/feedback/reviews" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    response = call(client, "get", path, tenants=tenants, who=who)
    assert response.status_code == 200, response.content
    return response.json()


def test_reviews_are_imported_analysed_and_tied_to_the_customer(client, tenants):
    known = customer(tenants.owner_a, phone="09121234567")
    response = bulk(client, tenants, _items())
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["existing"]) == (3, 0)
    assert [item["index"] for item in body["items"]] == [0, 1, 2]
    assert body["items"][0]["customer_id"] == known.pk  # Persian digits and spaces: the same phone
    assert body["items"][1]["customer_id"] is None

    box, fast, rude = (Review.objects.get(pk=item["id"]) for item in body["items"])
    assert box.workspace == tenants.ws_a and box.customer_id == known.pk
    assert (box.rating, box.rating_max, rude.rating, rude.rating_max) == (2, 5, 1, 5)
    assert (box.sentiment, fast.sentiment) == ("negative", "positive")
    assert "packaging" in box.topics and box.score < 0 < fast.score
    assert box.model == "base" and box.written_at.isoformat() == "2024-10-06T07:00:00+00:00"

    [activity] = Activity.objects.filter(workspace=tenants.ws_a, kind="review")
    assert (activity.customer_id, activity.source, activity.external_id) == (
        known.pk,
        "review-import",
        "digikala:dk-1",
    )
    assert activity.occurred_at == box.written_at and activity.record_id == str(box.pk)
    assert activity.data["rating"] == 2 and BOX in activity.summary


def test_sending_the_same_reviews_again_stores_nothing_new(client, tenants):
    first = bulk(client, tenants, _items()).json()
    new = {"source": "digikala", "external_id": "dk-3", "text": "خوب بود", "written_at": "1403/07/20"}
    items = [*_items(), new]
    again = bulk(client, tenants, items).json()
    assert (again["created"], again["existing"]) == (1, 3)
    assert [i["id"] for i in again["items"][:3]] == [i["id"] for i in first["items"]]
    assert [i["created"] for i in again["items"]] == [False, False, False, True]
    assert Review.objects.count() == 4
    assert Activity.objects.filter(kind="review").count() == 1


def test_a_batch_with_bad_items_stores_nothing_and_names_every_bad_field(client, tenants):
    items = _items()
    items[0]["identities"] = [{"kind": "phone", "value": "۱۲۳"}]
    items[1]["written_at"] = "۱۴۰۳/۱۳/۰۱"
    items[2]["rating"] = 7
    items.append(
        {"source": "Digi Kala", "external_id": "", "text": "  ", "written_at": "2099-01-01T00:00:00Z"}
    )
    items.append({"source": "digikala", "external_id": "dk-2", "text": "دوباره", "written_at": "1403/07/20"})
    items.append(
        {
            "source": "snappfood",
            "external_id": "s-1",
            "text": "خوب",
            "written_at": "1403/07/20",
            "rating": "خوب",
        }
    )
    body = problem(bulk(client, tenants, items), 422)
    assert fields(body) == {
        "items.0.identities.0.value",
        "items.1.written_at",
        "items.2.rating",
        "items.3.source",
        "items.3.external_id",
        "items.3.text",
        "items.3.written_at",
        "items.4.external_id",
        "items.5.rating",
    }
    for path in ("items.0.identities.0.value", "items.1.written_at"):  # in the caller's language (Persian)
        assert re.search("[\u0600-\u06ff]", message_of(body, path)), message_of(body, path)
    assert not Review.objects.exists()
    assert not Activity.objects.filter(kind="review").exists()

    english = problem(bulk(client, tenants, items, lang="en"), 422)
    assert message_of(english, "items.2.rating") == "The rating is a whole number from 0 to 5."
    assert message_of(english, "items.4.external_id") == (
        "Items 1 and 4 have the same source and external id."
    )


def test_a_thousand_reviews_are_fine_and_one_more_is_a_422_on_items(client, tenants):
    items = [
        {
            "source": "google",
            "external_id": f"g-{i}",
            "text": f"سفارش {i} دیر رسید",
            "written_at": "1403/07/20",
        }
        for i in range(1001)
    ]
    assert "items" in fields(problem(bulk(client, tenants, items), 422))
    assert not Review.objects.exists()
    response = bulk(client, tenants, items[:1000])
    assert response.status_code == 200 and response.json()["created"] == 1000
    assert Review.objects.filter(workspace=tenants.ws_a, sentiment="negative").count() > 900


def test_importing_needs_customers_edit(client, tenants):
    for who in ("analyst", "marketer"):
        problem(bulk(client, tenants, _items(), who=who), 403)
    assert not Review.objects.exists()


def test_listing_filters_and_pages(client, tenants):
    bulk(client, tenants, _items())
    everything = listing(client, tenants, who="analyst")
    assert [r["external_id"] for r in everything["items"]] == ["g-1", "dk-2", "dk-1"]  # newest written first
    assert everything["items"][0]["rating_max"] == 5 and everything["next"] is None
    assert [r["external_id"] for r in listing(client, tenants, source="digikala")["items"]] == [
        "dk-2",
        "dk-1",
    ]
    assert [r["external_id"] for r in listing(client, tenants, sentiment="positive")["items"]] == ["dk-2"]
    assert [r["external_id"] for r in listing(client, tenants, topic="packaging")["items"]] == ["dk-1"]
    first = listing(client, tenants, limit=2)
    second = listing(client, tenants, limit=2, cursor=first["next"])
    assert [r["external_id"] for r in first["items"] + second["items"]] == ["g-1", "dk-2", "dk-1"]
    assert second["next"] is None


def test_bad_filters_are_a_422_naming_them(client, tenants):
    for query, field in [
        ("sentiment=angry", "sentiment"),
        ("topic=Bad%20Topic", "topic"),
        ("source=A", "source"),
    ]:
        response = call(client, "get", f"/feedback/reviews?{query}", tenants=tenants, who="agent")
        assert field in fields(problem(response, 422))


def test_another_workspace_sees_none_of_them_and_its_imports_stay_its_own(client, tenants):
    bulk(client, tenants, _items())
    assert listing(client, tenants, who="outsider")["items"] == []
    mine = bulk(client, tenants, _items()[:1], who="outsider").json()
    assert mine["created"] == 1  # the same (source, external id) in B is B's own review
    review = Review.objects.get(pk=mine["items"][0]["id"])
    assert review.workspace == tenants.ws_b and review.customer.workspace == tenants.ws_b
    assert [r["id"] for r in listing(client, tenants, who="outsider")["items"]] == [review.pk]
    assert Review.objects.filter(workspace=tenants.ws_a).count() == 3


def test_openapi_documents_the_review_routes_with_persian_examples(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    route = document["paths"]["/api/v1/feedback/reviews/bulk"]["post"]
    example = route["requestBody"]["content"]["application/json"]["examples"]["digikala"]["value"]
    assert example["items"][0]["text"] == "گوشی سالم رسید ولی جعبه‌اش له شده بود"
    assert "/api/v1/feedback/reviews" in document["paths"]


def test_reviews_follow_a_merge_of_customers_and_its_undo(client, tenants):
    from mehvar.customers.merging import customer_merge, merge_undo

    known = customer(tenants.owner_a, phone="09121234567")
    survivor = customer(tenants.owner_a, first_name="مریم", phone="09127654321")
    body = bulk(client, tenants, _items()).json()
    review = Review.objects.get(pk=body["items"][0]["id"])
    assert review.customer_id == known.pk
    merge = customer_merge(acting=tenants.owner_a, survivor=survivor, merged=known)
    review.refresh_from_db()
    assert review.customer_id == survivor.pk
    merge_undo(acting=tenants.owner_a, merge=merge)
    review.refresh_from_db()
    assert review.customer_id == known.pk


def test_erasing_the_customer_blanks_their_reviews_text_and_keeps_the_rating(client, tenants):
    from mehvar.customers.privacy import customer_erase

    known = customer(tenants.owner_a, phone="09121234567")
    assert bulk(client, tenants, _items()).status_code == 200
    customer_erase(acting=tenants.owner_a, customer=known)
    mine = Review.objects.get(workspace=tenants.ws_a, external_id="dk-1")
    assert (mine.text, mine.topics, mine.rating) == ("", [], 2)
    assert Review.objects.get(workspace=tenants.ws_a, external_id="dk-2").text == FAST
