"""The Feedback panel on the Customer 360 page: latest NPS and CSAT with the survey and the Jalali day, the
last comments escaped with their sentiment, the open recovery task, the header's last NPS and the timeline
entry; three queries whatever the customer has; another workspace's rows never show."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mehvar.core.roles import Role
from mehvar.customers import panels
from mehvar.surveys import authoring
from mehvar.surveys.imports import responses_import
from mehvar.surveys.models import Answer, RecoveryTask, Response
from mehvar.surveys.responses import response_submit
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, sms_channel, tehran
from mehvar.testing import login

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script> بسته دیر رسید"


def detail(person):
    return reverse("customers:detail", args=["shop-a", person.pk])


def panel_of(html):
    assert 'data-testid="feedback-panel"' in html
    return html.split('data-testid="feedback-panel"')[1].split("</section>")[0]


def answer_live(survey, person, score, text, now):
    """A real answer through the public flow (throttle off): the recovery task opens as it would."""
    invitation = invite(survey, person, now=now)
    shown = [q.pk for q in questions(survey)]
    follow_up = shown[1] if score <= 6 else shown[2]
    outcome = response_submit(
        invitation=invitation, data={shown[0]: str(score), follow_up: text}, shown=shown, now=now
    )
    assert outcome.status == "stored"
    return outcome.response


def historic(acting, survey, person, external_id, answered_at, score, text=""):
    first = questions(survey)[0]
    answers = [{"question": first.pk, "value": score}]
    if text:
        answers.append({"position": 1, "text": text})
    responses_import(
        acting=acting,
        survey=survey,
        items=[
            {
                "external_id": external_id,
                "answered_at": answered_at,
                "customer_id": person.pk,
                "answers": answers,
            }
        ],
    )


@pytest.fixture
def setup(tenants):
    sms_channel(tenants.ws_a)
    authoring.survey_settings_update(acting=tenants.owner_a, throttle_days=0)
    person = customer(tenants.owner_a, owner_id=tenants.agent_a.pk)
    nps = nps_survey(tenants.owner_a, trigger="manual")
    csat = authoring.survey_create(acting=tenants.owner_a, kind="csat", title_fa="رضایت از پاسخ")
    return person, nps, csat


def test_the_panel_shows_latest_scores_comments_and_the_open_task(client, tenants, setup):
    person, nps, csat = setup
    historic(tenants.owner_a, nps, person, "old-1", "1402/01/10 10:00", 10)
    historic(tenants.owner_a, csat, person, "csat-1", "1403/05/01 09:00", 4, "عالی بود، پشتیبانی خوب و سریع")
    answer_live(nps, person, 3, SCRIPT, tehran())
    task = RecoveryTask.objects.get(customer=person)
    login(client, tenants.agent_a)
    html = client.get(detail(person)).content.decode()
    panel = panel_of(html)

    scores = dict(re.findall(r'data-kind="(\w+)" data-score="(\d+)"', panel))
    assert scores == {"nps": "3", "csat": "4"}  # the newest NPS, not the older 10
    assert "رضایت از پاسخ" in panel and "۱۴۰۳/۰۵/۰۱" in panel  # survey title, Jalali day
    assert "Detractor" in panel or "منتقد" in panel

    comments = re.findall(r'data-testid="feedback-comment" data-sentiment="(\w*)"', panel)
    assert comments == ["negative", "positive"]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in panel and "<script>alert" not in html

    assert panel.count('data-testid="feedback-task"') == 1
    assert "۱۴۰۵" in panel.split('data-testid="feedback-tasks"')[1]  # the deadline, a Jalali moment
    assert tenants.agent_a.user.get_full_name() in panel  # the owner: the account manager
    assert task.owner_id == tenants.agent_a.pk
    assert 'data-testid="feedback-recovery-link"' in panel
    assert "?kind=survey_response" in panel  # the link to all their responses

    header = html.split('data-testid="key-numbers"')[1].split("</div>\n  </section>")[0]
    assert "۳" in header and "no-nps" not in header

    timeline = html.split('data-testid="timeline"')[1]
    entry = timeline.split('data-kind="survey_response"')[1].split("</li>")[0]
    assert "NPS 3 · &lt;script&gt;" in entry  # score and comment, escaped

    # "All their survey responses": the timeline filtered to them (HTMX swap, or the page without JavaScript).
    link = reverse("customers:timeline", args=["shop-a", person.pk]) + "?kind=survey_response"
    fragment = client.get(link, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.count('data-kind="survey_response"') == 3 and 'data-kind="note"' not in fragment
    page = client.get(detail(person) + "?kind=survey_response").content.decode()
    assert page.split('data-testid="timeline"')[1].count('data-kind="survey_response"') == 3


def test_a_marketer_sees_the_panel_without_the_recovery_link(client, tenants, setup):
    person, nps, _csat = setup
    answer_live(nps, person, 2, "بد بود", tehran())
    login(client, tenants.by_role[Role.MARKETER])
    panel = panel_of(client.get(detail(person)).content.decode())
    assert 'data-testid="feedback-task"' in panel and "feedback-recovery-link" not in panel


def test_a_customer_without_answers(client, tenants):
    person = customer(tenants.owner_a)
    login(client, tenants.agent_a)
    html = client.get(detail(person)).content.decode()
    assert 'data-testid="feedback-empty"' in panel_of(html) and 'data-testid="no-nps"' in html


def _queries(client, person):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(person)).status_code == 200
    return len(queries)


def test_three_queries_whatever_the_customer_has(client, tenants, setup, monkeypatch):
    person, nps, csat = setup
    answer_live(nps, person, 3, "دیر رسید", tehran())
    login(client, tenants.agent_a)
    client.get(detail(person))  # the view audit is written once; measure afterwards
    few = _queries(client, person)
    for n in range(15):
        historic(
            tenants.owner_a, nps, person, f"n{n}", f"1403/0{1 + n % 9}/1{n % 9} 10:00", n % 11, f"نظر {n}"
        )
        historic(tenants.owner_a, csat, person, f"c{n}", f"1403/0{1 + n % 9}/2{n % 9} 10:00", 1 + n % 5)
    for n in range(4):
        answer_live(nps, person, 1, f"بد {n}", tehran(day=10 + n))
    assert RecoveryTask.objects.filter(customer=person).count() == 5
    assert _queries(client, person) == few
    without = {slot: panel for slot, panel in panels._PANELS.items() if slot != "surveys"}
    monkeypatch.setattr(panels, "_PANELS", without)
    assert _queries(client, person) == few - 3


def test_another_workspace_never_shows(client, tenants, setup):
    person, nps, _csat = setup
    answer_live(nps, person, 9, "خوب بود", tehran())
    # A row of workspace B that names A's customer (it cannot happen through the services): never shown.
    other = nps_survey(tenants.outsider_b, trigger="manual")
    stray = Response.objects.create(
        workspace=tenants.ws_b, survey=other, customer=person, score=0, created_at=tehran(day=25)
    )
    Answer.objects.create(
        workspace=tenants.ws_b,
        response=stray,
        question=questions(other)[1],
        text="secret of B",
        created_at=tehran(day=25) + dt.timedelta(minutes=1),
    )
    login(client, tenants.agent_a)
    panel = panel_of(client.get(detail(person)).content.decode())
    assert re.findall(r'data-kind="nps" data-score="(\d+)"', panel) == ["9"]
    assert "secret of B" not in panel
    login(client, tenants.outsider_b)
    assert client.get(detail(person)).status_code == 404
