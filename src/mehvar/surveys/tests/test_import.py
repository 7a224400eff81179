"""Importing historic responses through the API: all or nothing with every bad item named, each external id
stored once, customers found by messy identities, Jalali dates, anonymous surveys, the timeline and last NPS,
no invitations or recovery tasks, and the report roll-ups of past months refreshed."""

import datetime as dt

import pytest

from mehvar.api.tests.apiclient import call, fields, message_of, problem
from mehvar.core.models import AuditEntry
from mehvar.customers.models import Activity, Customer
from mehvar.surveys import authoring
from mehvar.surveys.models import Answer, Invitation, RecoveryTask, Response, ScoreMonth, Survey, TopicMonth
from mehvar.surveys.reports.rollups import month_of, rolled_month, workspace_rollup
from mehvar.surveys.tests.support import TEHRAN, customer, nps_survey, questions

pytestmark = pytest.mark.django_db


def _import(client, tenants, survey, items, *, who="owner", lang=None, headers=None):
    return call(
        client,
        "post",
        f"/surveys/{survey.pk}/responses/import",
        tenants=tenants,
        who=who,
        body={"items": items},
        lang=lang,
        headers=headers,
    )


def _item(external_id, answered_at="۱۴۰۳/۰۷/۱۵ ۱۰:۳۰", *, score=9, text=None, **whose):
    answers = [{"position": 0, "value": score}]
    if text is not None:
        answers.append({"position": 1 if score <= 6 else 2, "text": text})
    return {"external_id": external_id, "answered_at": answered_at, "answers": answers, **whose}


@pytest.fixture
def survey(tenants):
    return nps_survey(tenants.owner_a, trigger="manual")


def test_one_bad_item_stores_nothing_and_every_bad_item_is_named(client, tenants, survey):
    person = customer(tenants.owner_a)
    q_nps = questions(survey)[0]
    items = [
        _item("ok-1", customer_id=person.pk),
        _item("bad-date", "۱۴۰۳/۱۳/۴۰ ۱۰:۳۰", customer_id=person.pk),
        _item("bad-score", customer_id=person.pk, score=11),
        {
            "external_id": "nobody",
            "answered_at": "1403/07/15",
            "answers": [{"question": q_nps.pk, "value": 5}],
        },
        {
            "external_id": "bad-question",
            "answered_at": "1403/07/15",
            "customer_id": person.pk,
            "answers": [{"question": 999999, "value": 5}],
        },
        _item("bad-phone", identities=[{"kind": "phone", "value": "۱۲۳"}]),
        _item("ok-1", customer_id=person.pk),  # the same external id twice in one request
        _item("future", "2099-01-01T10:00:00Z", customer_id=person.pk),
        _item("other-ws", customer_id=customer(tenants.outsider_b).pk),
        _item("huge-id", customer_id="۹" * 25, channel="pigeon"),
    ]
    body = problem(_import(client, tenants, survey, items), 422)
    assert fields(body) == {
        "items.1.answered_at",
        "items.2.answers.0.value",
        "items.3.customer_id",
        "items.4.answers.0.question",
        "items.5.identities.0.value",
        "items.6.external_id",
        "items.7.answered_at",
        "items.8.customer_id",
        "items.9.customer_id",
        "items.9.channel",
    }
    assert "عدد" in message_of(body, "items.2.answers.0.value")  # in Persian by default
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not Activity.objects.filter(source="survey-import").exists()
    assert Customer.objects.filter(workspace=tenants.ws_a).count() == 1  # no customer made for "bad-phone"

    english = problem(_import(client, tenants, survey, items, lang="en"), 422)
    assert "whose response" in message_of(english, "items.3.customer_id")
    assert "number from 0 to 10" in message_of(english, "items.2.answers.0.value")


def test_sending_again_stores_each_response_once(client, tenants, survey):
    person = customer(tenants.owner_a)
    items = [_item("r-1", customer_id=person.pk), _item("r-2", "1403/07/16 09:00", customer_id=person.pk)]
    first = _import(client, tenants, survey, items)
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 2 and first.json()["existing"] == 0
    again = _import(client, tenants, survey, [*items, _item("r-3", customer_id=person.pk, score=7)])
    data = again.json()
    assert (data["created"], data["existing"]) == (1, 2)
    assert [i["created"] for i in data["items"]] == [False, False, True]
    assert [i["id"] for i in data["items"][:2]] == [i["id"] for i in first.json()["items"]]
    assert Response.objects.filter(survey=survey).count() == 3
    assert Activity.objects.filter(source="survey-import", customer=person).count() == 3
    assert AuditEntry.objects.filter(object_type="surveys.response").count() == 2

    # Another survey may use the same external ids: they are unique per survey.
    other = nps_survey(tenants.owner_a, trigger="manual")
    assert _import(client, tenants, other, items).json()["created"] == 2

    # The Idempotency-Key header works as on every API POST: the retry is answered from the first answer.
    keyed = [_item("r-9", customer_id=person.pk)]
    key = {"Idempotency-Key": "import-0001"}
    once = _import(client, tenants, survey, keyed, headers=key)
    replay = _import(client, tenants, survey, keyed, headers=key)
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == once.json()
    assert Response.objects.filter(survey=survey, external_id="r-9").count() == 1


def test_identities_are_resolved_in_bulk_and_the_timeline_shows_score_and_comment(client, tenants, survey):
    known = customer(tenants.owner_a, phone="09123456789")
    items = [
        _item("a", identities=[{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}], score=3, text="بسته دیر رسید"),
        _item("b", identities=[{"kind": "phone", "value": "+98 935 000 1122"}], score=10),
        _item("c", "1403/07/17 12:00", identities=[{"kind": "phone", "value": "۰۹۳۵۰۰۰۱۱۲۲"}], score=8),
        _item("d", identities=[{"kind": "email", "value": "Sara@Example.com"}], score=6),
    ]
    response = _import(client, tenants, survey, items)
    assert response.status_code == 200, response.content
    ids = [i["customer_id"] for i in response.json()["items"]]
    assert ids[0] == known.pk
    assert ids[1] == ids[2] != known.pk  # one new customer for the same phone written two ways
    assert len(set(ids)) == 3
    assert Customer.objects.get(pk=ids[3]).email == "sara@example.com"

    activity = Activity.objects.get(customer=known, kind="survey_response")
    assert activity.source == "survey-import" and activity.external_id == f"{survey.pk}:a"
    assert activity.summary == "NPS 3 · بسته دیر رسید"
    assert activity.record == Response.objects.get(external_id="a")
    assert activity.occurred_at == dt.datetime(2024, 10, 6, 10, 30, tzinfo=TEHRAN)
    comment = Answer.objects.get(response__external_id="a", text__gt="")
    assert comment.sentiment == "negative" and comment.via == "import"
    assert "delivery" in comment.topics  # the feedback engine's topics are kept for the reports
    known.refresh_from_db()
    assert known.last_nps == 3
    assert Customer.objects.get(pk=ids[1]).last_nps == 8  # the newer of its two answers
    # Historic answers open no recovery task and need no invitation.
    assert not RecoveryTask.objects.exists() and not Invitation.objects.exists()


def test_jalali_and_iso_dates(client, tenants, survey):
    person = customer(tenants.owner_a)
    items = [
        _item("fa", "۱۴۰۳/۰۷/۱۵ ۱۰:۳۰", customer_id=person.pk),
        _item("iso", "2024-10-07T08:15:00Z", customer_id=person.pk),
        _item("digits", "1403/07/20", customer_id=str(person.pk)),
    ]
    assert _import(client, tenants, survey, items).status_code == 200
    stored = {r.external_id: r for r in Response.objects.all()}
    assert stored["fa"].created_at == dt.datetime(2024, 10, 6, 7, 0, tzinfo=dt.UTC)
    assert stored["fa"].submitted_at == stored["fa"].created_at
    assert stored["iso"].created_at == dt.datetime(2024, 10, 7, 8, 15, tzinfo=dt.UTC)
    assert stored["digits"].created_at == dt.datetime(2024, 10, 11, tzinfo=TEHRAN)
    listed = call(client, "get", f"/surveys/{survey.pk}/responses", tenants=tenants, who="owner").json()
    assert {r["external_id"] for r in listed["items"]} == {"fa", "iso", "digits"}


def test_last_nps_moves_only_to_a_newer_answer(client, tenants, survey):
    person = customer(tenants.owner_a)
    _import(client, tenants, survey, [_item("now", "1403/08/01 10:00", customer_id=person.pk, score=9)])
    person.refresh_from_db()
    assert person.last_nps == 9
    _import(client, tenants, survey, [_item("older", "1403/02/01 10:00", customer_id=person.pk, score=2)])
    person.refresh_from_db()
    assert person.last_nps == 9
    _import(client, tenants, survey, [_item("newer", "1403/08/02 10:00", customer_id=person.pk, score=4)])
    person.refresh_from_db()
    assert person.last_nps == 4


def test_anonymous_survey_imports_without_a_customer(client, tenants):
    anonymous = nps_survey(tenants.owner_a, trigger="manual")  # an anonymous customer survey
    Survey.objects.filter(pk=anonymous.pk).update(anonymous=True)
    anonymous.refresh_from_db()
    score = questions(anonymous)[0]
    items = [
        {
            "external_id": "e-1",
            "answered_at": "1403/07/15 10:30",
            "answers": [{"question": score.pk, "value": 8}],
        }
    ]
    assert _import(client, tenants, anonymous, items).json()["items"][0]["customer_id"] is None
    stored = Response.objects.get(survey=anonymous)
    assert stored.customer_id is None and stored.score == 8
    assert stored.created_at == dt.datetime(2024, 10, 6, tzinfo=dt.UTC)  # only the day is kept
    assert not Activity.objects.filter(source="survey-import").exists()
    person = customer(tenants.owner_a)
    named = [{**items[0], "external_id": "e-2", "customer_id": person.pk}]
    body = problem(_import(client, tenants, anonymous, named), 422)
    assert fields(body) == {"items.0.customer_id"}


def test_past_months_rolled_up_show_the_imported_responses(client, tenants, survey):
    person = customer(tenants.owner_a)
    now = dt.datetime.now(dt.UTC)
    long_ago, later = now - dt.timedelta(days=100), now - dt.timedelta(days=65)
    _import(client, tenants, survey, [_item("first", long_ago.isoformat(), customer_id=person.pk, score=9)])
    assert rolled_month(tenants.ws_a.pk) is None
    workspace_rollup(workspace_id=tenants.ws_a.pk)
    assert rolled_month(tenants.ws_a.pk) is not None
    month = month_of(later)
    assert not ScoreMonth.objects.filter(workspace=tenants.ws_a, month=month, score__isnull=False).exists()

    items = [
        _item("p1", later.isoformat(), customer_id=person.pk, score=3, text="پشتیبانی جواب نداد"),
        _item("p2", (later + dt.timedelta(hours=1)).isoformat(), customer_id=person.pk, score=3),
    ]
    assert _import(client, tenants, survey, items).status_code == 200
    row = ScoreMonth.objects.get(workspace=tenants.ws_a, month=month, dimension="all", score=3)
    assert (row.responses, row.commented, row.survey_id) == (2, 1, survey.pk)
    assert TopicMonth.objects.filter(workspace=tenants.ws_a, month=month, topic="support").exists()
    assert not ScoreMonth.objects.filter(workspace=tenants.ws_b).exists()


def test_who_may_import(client, tenants, survey):
    person = customer(tenants.owner_a)
    items = [_item("x", customer_id=person.pk)]
    assert problem(_import(client, tenants, survey, items, who="agent"), 403)
    assert problem(_import(client, tenants, survey, items, who="outsider"), 404)
    assert _import(client, tenants, survey, items, who="marketer").status_code == 200


def test_an_enps_survey_takes_no_import(client, tenants):
    """Staff answers are anonymous and come only through pulses: the API names the survey, stores nothing."""
    enps = authoring.survey_create(
        acting=tenants.owner_a, kind="enps", title_fa="حال‌وهوای کار", trigger="manual"
    )
    main = questions(enps)[0]
    items = [
        {"external_id": "e-1", "answered_at": "1403/07/15", "answers": [{"question": main.pk, "value": 9}]}
    ]
    body = problem(_import(client, tenants, enps, items), 422)
    assert fields(body) == {"survey"} and "eNPS" in message_of(body, "survey")
    assert not Response.objects.filter(survey=enps).exists()
