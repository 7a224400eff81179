"""PATCH /api/v1/surveys/{id}: a partial change through the authoring service (its checks, its audit entry);
a bad value is a 422 naming the field in the caller's language; another workspace's survey is a 404, a role
without surveys.manage a 403."""

import pytest

from mehvar.api.tests.apiclient import call, fields, message_of, problem
from mehvar.core.models import AuditEntry
from mehvar.surveys.models import Survey
from mehvar.surveys.responses import response_submit
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, sms_channel, tehran

pytestmark = pytest.mark.django_db


def _patch(client, tenants, survey, body, *, who="owner", lang=None):
    return call(client, "patch", f"/surveys/{survey.pk}", tenants=tenants, who=who, body=body, lang=lang)


def test_a_partial_change_keeps_the_rest_and_is_audited(client, tenants):
    survey = nps_survey(tenants.owner_a, trigger="manual", active=False)
    response = _patch(
        client,
        tenants,
        survey,
        {"title_fa": "  نظر شما درباره پشتيباني  ", "active": True, "throttle_days": "۴۵", "delay_days": 2},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["title_fa"] == "نظر شما درباره پشتیبانی"  # normalised: Persian ی, spaces trimmed
    assert data["active"] is True and data["throttle_days"] == 45 and data["delay_days"] == 2
    assert data["title_en"] == "Your opinion" and len(data["questions"]) == 3  # untouched
    survey.refresh_from_db()
    assert survey.active and survey.throttle_days == 45
    entry = AuditEntry.objects.filter(object_type="surveys.survey", via="api", action="update").get()
    assert entry.after["active"] is True and entry.before["active"] is False

    relationship = _patch(client, tenants, survey, {"trigger": "relationship", "delay_days": 90})
    assert relationship.json()["trigger"] == "relationship"


def test_a_bad_value_is_named_in_persian_and_in_english(client, tenants):
    survey = nps_survey(tenants.owner_a, trigger="manual")
    title = survey.title_fa
    persian = problem(_patch(client, tenants, survey, {"title_fa": "", "delay_days": 900}), 422)
    assert fields(persian) == {"title_fa", "delay_days"}
    assert "عنوان" in message_of(persian, "title_fa")
    english = problem(_patch(client, tenants, survey, {"title_fa": ""}, lang="en"), 422)
    assert message_of(english, "title_fa").startswith("Title (Persian)")
    # A relationship survey repeats every 7 days at the most often: the service says so on delay_days.
    weekly = problem(_patch(client, tenants, survey, {"trigger": "relationship", "delay_days": 3}), 422)
    assert fields(weekly) == {"delay_days"}
    # Questions are not changed here, and an unknown field is refused rather than ignored.
    extra = problem(_patch(client, tenants, survey, {"questions": []}), 422)
    assert fields(extra) == {"questions"}
    wrong_type = problem(_patch(client, tenants, survey, {"active": "شاید"}), 422)
    assert fields(wrong_type) == {"active"}
    survey.refresh_from_db()
    assert survey.title_fa == title != ""
    assert survey.trigger == "manual" and survey.delay_days == 0


def test_anonymous_changes_only_before_the_first_answer(client, tenants):
    survey = nps_survey(tenants.owner_a, trigger="manual")
    assert _patch(client, tenants, survey, {"anonymous": True}).json()["anonymous"] is True
    assert _patch(client, tenants, survey, {"anonymous": False}).json()["anonymous"] is False
    sms_channel(tenants.ws_a)
    invitation = invite(survey, customer(tenants.owner_a), now=tehran())
    shown = [q.pk for q in questions(survey)]
    outcome = response_submit(invitation=invitation, data={shown[0]: "9"}, shown=shown, now=tehran(minute=5))
    assert outcome.status == "stored"
    body = problem(_patch(client, tenants, survey, {"anonymous": True}), 422)
    assert fields(body) == {"anonymous"}
    assert Survey.objects.get(pk=survey.pk).anonymous is False


def test_outsider_gets_404_and_an_agent_403(client, tenants):
    survey = nps_survey(tenants.owner_a, trigger="manual")
    assert problem(_patch(client, tenants, survey, {"active": False}, who="outsider"), 404)
    assert problem(_patch(client, tenants, survey, {"active": False}, who="agent"), 403)
    assert problem(_patch(client, tenants, survey, {"active": False}, who="analyst"), 403)
    assert _patch(client, tenants, survey, {"active": False}, who="marketer").status_code == 200
    assert Survey.objects.get(pk=survey.pk).active is False
