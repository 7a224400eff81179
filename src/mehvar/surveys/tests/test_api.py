"""The surveys API: create and read surveys, send an invitation by hand (the same rules), list invitations
and responses; another workspace's survey is a 404, a role that may not gets 403."""

import pytest
import time_machine

from mehvar.api.tests.apiclient import call, problem
from mehvar.surveys.models import Invitation, Survey
from mehvar.surveys.responses import answer_one_tap
from mehvar.surveys.tests.support import customer, questions, reload, sms_channel, tehran

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def midday():
    with time_machine.travel(tehran(), tick=True):
        yield


def test_create_a_survey_with_questions_and_read_it(client, tenants):
    body = {
        "kind": "custom",
        "title_fa": "تجربهٔ خرید",
        "questions": [
            {"type": "csat", "text_fa": "چقدر راضی بودید؟", "required": True},
            {
                "type": "multiple",
                "text_fa": "چه چیزی اذیتتان کرد؟",
                "choices": [{"fa": "ارسال"}, {"fa": "قیمت", "key": "price"}],
                "show_if": {"question": 0, "op": "lte", "value": 2},
            },
        ],
    }
    created = call(client, "post", "/surveys", tenants=tenants, who="owner", body=body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert [q["type"] for q in data["questions"]] == ["csat", "multiple"]
    assert data["questions"][1]["show_if_question_id"] == data["questions"][0]["id"]
    assert data["questions"][1]["choices"][1]["key"] == "price"
    read = call(client, "get", f"/surveys/{data['id']}", tenants=tenants, who="owner").json()
    assert read["title_fa"] == Survey.objects.get().title_fa
    listed = call(client, "get", "/surveys", tenants=tenants, who="owner").json()
    assert [s["id"] for s in listed["items"]] == [data["id"]]


def test_bad_input_names_the_field(client, tenants):
    response = call(
        client, "post", "/surveys", tenants=tenants, who="owner", body={"kind": "nps", "title_fa": ""}
    )
    body = problem(response, 422)
    assert "title_fa" in str(body)


def test_send_by_hand_list_invitations_and_responses(client, tenants):
    sms_channel(tenants.ws_a)
    survey_id = call(
        client,
        "post",
        "/surveys",
        tenants=tenants,
        who="owner",
        body={"kind": "nps", "title_fa": "نظر شما", "active": True},
    ).json()["id"]
    person = customer(tenants.owner_a)
    sent = call(
        client,
        "post",
        f"/surveys/{survey_id}/invitations",
        tenants=tenants,
        who="owner",
        body={"customer_id": person.pk},
    )
    assert sent.status_code == 201, sent.content
    assert sent.json()["url"].startswith("https://mehvar.test/s/") and sent.json()["sent_at"]
    again = call(
        client,
        "post",
        f"/surveys/{survey_id}/invitations",
        tenants=tenants,
        who="owner",
        body={"customer_id": person.pk},
    )
    assert "customer_id" in str(problem(again, 422))  # the workspace's throttle
    invitation = reload(Invitation.objects.get())
    answer_one_tap(invitation=invitation, question=questions(invitation.survey)[0], raw_value="9")
    invitations = call(
        client, "get", f"/surveys/{survey_id}/invitations", tenants=tenants, who="owner"
    ).json()
    assert [i["answered_at"] is not None for i in invitations["items"]] == [True]
    responses = call(client, "get", f"/surveys/{survey_id}/responses", tenants=tenants, who="analyst").json()
    [response] = responses["items"]
    assert response["score"] == 9 and response["answers"][0]["via"] == "link"


def test_outsider_gets_404_and_roles_get_403(client, tenants):
    survey_id = call(
        client, "post", "/surveys", tenants=tenants, who="owner", body={"kind": "nps", "title_fa": "نظر"}
    ).json()["id"]
    person = customer(tenants.owner_a)
    for method, path, body in [
        ("get", f"/surveys/{survey_id}", None),
        ("get", f"/surveys/{survey_id}/invitations", None),
        ("post", f"/surveys/{survey_id}/invitations", {"customer_id": person.pk}),
        ("get", f"/surveys/{survey_id}/responses", None),
    ]:
        problem(call(client, method, path, tenants=tenants, who="outsider", body=body), 404)
    assert call(client, "get", "/surveys", tenants=tenants, who="outsider").json()["items"] == []
    problem(call(client, "get", "/surveys", tenants=tenants, who="agent"), 403)
    problem(
        call(client, "post", "/surveys", tenants=tenants, who="agent", body={"kind": "nps", "title_fa": "x"}),
        403,
    )
    assert not Invitation.objects.exists()
