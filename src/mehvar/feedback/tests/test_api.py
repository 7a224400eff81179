"""POST /api/v1/feedback/analyze, POST /feedback/corrections and GET /feedback/model with real tokens."""

import json

import pytest

from mehvar.api.tests.apiclient import call, fields, message_of, problem
from mehvar.feedback.analysis import MAX_TEXT_LENGTH
from mehvar.feedback.models import FeedbackCorrection
from mehvar.feedback.services import feedback_correction_record, feedback_workspace_train
from mehvar.feedback.storage import base_model_path

pytestmark = pytest.mark.django_db


def analyze(client, tenants, texts, who="agent", **extra):
    return call(client, "post", "/feedback/analyze", tenants=tenants, who=who, body={"texts": texts}, **extra)


def test_analyze_answers_per_text(client, tenants):
    texts = ["غذا یخ کرده و یک ساعت دیر رسید", "خیلی خوشمزه بود، ممنون 😍", "مرتیکه احمق"]
    response = analyze(client, tenants, texts, who="analyst")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["model"], body["warning"]) == ("base", None)
    first, second, third = body["results"]
    assert set(first) == {"sentiment", "score", "level", "topics", "urgency", "abusive", "model"}
    assert (first["sentiment"], second["sentiment"]) == ("negative", "positive")
    assert first["score"] < 0 < second["score"] and -1 <= first["score"] <= 1
    assert "delivery" in first["topics"]
    assert (first["abusive"], second["abusive"], third["abusive"]) == (False, False, True)


def test_more_than_a_thousand_texts_is_a_422_naming_the_field_in_persian(client, tenants):
    body = problem(analyze(client, tenants, ["خوب"] * 1_001), 422)
    assert fields(body) == {"texts"}
    assert message_of(body, "texts") == "این فهرست حداکثر ۱۰۰۰ مورد می‌پذیرد."
    english = problem(analyze(client, tenants, ["خوب"] * 1_001, lang="en"), 422)
    assert "1000" in message_of(english, "texts")


def test_a_thousand_texts_are_fine(client, tenants):
    response = analyze(client, tenants, [f"سفارش {i} دیر رسید" for i in range(1_000)])
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1_000


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"texts": []}, "texts"),
        ({"texts": ["خوب", "خ" * (MAX_TEXT_LENGTH + 1)]}, "texts.1"),
        ({"texts": ["خوب", 5]}, "texts.1"),
        ({"texts": "خوب"}, "texts"),
        ({}, "texts"),
        ({"texts": ["خوب"], "lang": "fa"}, "lang"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, tenants, payload, field):
    response = call(client, "post", "/feedback/analyze", tenants=tenants, who="agent", body=payload)
    assert field in fields(problem(response, 422))


def test_a_body_that_is_not_json_is_a_400(client, tenants):
    response = call(client, "post", "/feedback/analyze", tenants=tenants, who="agent", raw="{not json")
    problem(response, 400)


def test_without_a_token_it_is_a_401(client):
    problem(call(client, "post", "/feedback/analyze", body={"texts": ["خوب"]}), 401)


def test_a_missing_model_answers_with_rules_and_says_so(client, tenants):
    base_model_path().unlink()
    body = analyze(client, tenants, ["غذا سرد بود"]).json()
    assert body["model"] == "rules" and body["results"][0]["model"] == "rules"
    assert body["warning"]  # translated; which words is the catalogue's business
    assert body["results"][0]["sentiment"] == "negative"


def test_another_workspaces_corrections_are_never_used(client, tenants):
    """B teaches its model a topic and a sentiment; A's answers come from the base model, unchanged."""
    probe = "پارکینگ هتل پر بود و ماشین رو بیرون گذاشتیم"
    before = analyze(client, tenants, [probe], who="owner").json()["results"][0]
    for text in [
        "پارکینگ هتل همیشه پر بود",
        "جای پارک نداشتن، دنبال پارکینگ گشتیم",
        "پارکینگ رایگان و بزرگ بود",
        "نگهبان پارکینگ ماشینو جابجا کرد",
        "برای پارکینگ جدا پول گرفتن",
    ]:
        feedback_correction_record(
            acting=tenants.outsider_b, text=text, topics=["parking"], sentiment="positive"
        )
    feedback_workspace_train(workspace_id=tenants.ws_b.pk)
    in_b = analyze(client, tenants, [probe], who="outsider").json()
    in_a = analyze(client, tenants, [probe], who="owner").json()
    assert in_b["model"] == "workspace" and "parking" in in_b["results"][0]["topics"]
    assert in_a["model"] == "base" and in_a["results"][0] == before
    model_a = call(client, "get", "/feedback/model", tenants=tenants, who="owner").json()
    model_b = call(client, "get", "/feedback/model", tenants=tenants, who="outsider").json()
    assert (model_a["model"], model_a["corrections"], model_a["topics"]) == ("base", 0, [])
    assert (model_b["model"], model_b["corrections"], model_b["topics"]) == ("workspace", 5, ["parking"])
    assert model_b["held_out"] == 1 and model_b["held_out_accuracy"] is not None


def test_corrections_through_the_api(client, tenants, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = call(
            client,
            "post",
            "/feedback/corrections",
            tenants=tenants,
            who="agent",
            body={"text": "دمبل خیلی سنگین بود", "sentiment": "positive", "topics": ["product_quality"]},
        )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["sentiment"], created["topics"], created["urgency"], created["abusive"]) == (
        "positive",
        ["product_quality"],
        None,
        None,
    )
    correction = FeedbackCorrection.objects.get(pk=created["id"])
    assert correction.workspace == tenants.ws_a and correction.corrected_by == tenants.agent_a
    assert len(callbacks) == 1


def test_correction_errors_and_permissions(client, tenants):
    body = {"text": "خوب", "sentiment": "great"}
    response = call(client, "post", "/feedback/corrections", tenants=tenants, who="agent", body=body)
    assert fields(problem(response, 422)) == {"sentiment"}
    response = call(
        client, "post", "/feedback/corrections", tenants=tenants, who="agent", body={"text": "خوب"}
    )
    assert fields(problem(response, 422)) == {"__all__"}
    for who in ("analyst", "marketer"):
        body = {"text": "خوب", "sentiment": "positive"}
        response = call(client, "post", "/feedback/corrections", tenants=tenants, who=who, body=body)
        problem(response, 403)
    assert not FeedbackCorrection.objects.exists()


def test_openapi_documents_the_routes_with_persian_examples(client):
    document = json.loads(client.get("/api/v1/openapi.json").content)
    analyze_route = document["paths"]["/api/v1/feedback/analyze"]["post"]
    assert analyze_route["tags"] == ["تحلیل بازخورد"]
    assert "422" in analyze_route["responses"]
    assert "/api/v1/feedback/corrections" in document["paths"]
    assert "/api/v1/feedback/model" in document["paths"]
