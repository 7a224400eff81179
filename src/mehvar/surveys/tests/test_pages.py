"""The staff's pages: who sees what, another workspace's survey or task is a 404, forms put the services'
errors on their fields, the recovery task closes over HTMX, and the list pages read a fixed number of rows."""

import pytest
import time_machine
from django.urls import reverse

from mehvar.surveys import authoring
from mehvar.surveys.models import Question, RecoveryTask, Survey
from mehvar.surveys.responses import answer_one_tap
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, reload, sms_channel, tehran
from mehvar.testing import login

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args, slug="shop-a"):
    return reverse(f"surveys:{name}", args=[slug, *args])


@pytest.fixture
def unhappy(tenants):
    """An NPS survey of A with one detractor whose task the agent of A owns (as account manager)."""
    from mehvar.customers.services import customer_update

    with time_machine.travel(tehran(), tick=True):
        sms_channel(tenants.ws_a)
        survey = nps_survey(tenants.owner_a, trigger="manual")
        person = customer(tenants.owner_a, first_name="نگار")
        customer_update(acting=tenants.owner_a, customer=person, owner=tenants.agent_a)
        invitation = reload(invite(survey, person, now=tehran()))
        answer_one_tap(invitation=invitation, question=questions(survey)[0], raw_value="2")
    return survey, RecoveryTask.objects.get()


def test_who_sees_the_survey_pages(client, tenants, unhappy):
    survey, _task = unhappy
    pages = [url("list"), url("create"), url("settings"), url("edit", survey.pk)]
    login(client, tenants.owner_a)
    for page in pages:
        assert client.get(page).status_code == 200, page
    login(client, tenants.by_role["marketer"])
    assert client.get(url("list")).status_code == 200
    assert client.get(url("recovery")).status_code == 403
    login(client, tenants.agent_a)
    for page in pages:
        assert client.get(page).status_code == 403, page
    page = client.get(url("recovery"))
    assert page.status_code == 200 and 'data-testid="recovery-task"' in page.content.decode()
    login(client, tenants.by_role["analyst"])
    assert client.get(url("recovery")).status_code == 403


def test_another_workspaces_survey_and_task_are_not_found(client, tenants, unhappy):
    survey, task = unhappy
    question = questions(survey)[0]
    login(client, tenants.outsider_b)
    for page in [url("edit", survey.pk), url("recovery")]:
        assert client.get(page).status_code == 404
    # Inside their own workspace, A's ids do not exist either.
    assert client.get(url("edit", survey.pk, slug="shop-b")).status_code == 404
    assert client.post(url("question_edit", survey.pk, question.pk, slug="shop-b"), {}).status_code == 404
    assert client.post(url("question_remove", survey.pk, question.pk, slug="shop-b")).status_code == 404
    close = client.post(url("recovery_close", task.pk, slug="shop-b"), {f"t{task.pk}-resolution": "x"})
    assert close.status_code == 404
    assert RecoveryTask.objects.get().status == "open"
    assert Question.objects.filter(pk=question.pk, removed_at__isnull=True).exists()


def test_creating_and_editing_a_survey_through_the_pages(client, tenants):
    login(client, tenants.owner_a)
    response = client.post(
        url("create"),
        {
            "title_fa": "رضایت از پشتیبانی",
            "kind": "csat",
            "trigger": "conversation_resolved",
            "delay_days": "۰",
            "throttle_days": "0",
        },
    )
    survey = Survey.objects.get(workspace=tenants.ws_a)
    assert response.status_code == 302 and response["Location"] == url("edit", survey.pk)
    assert [q.type for q in questions(survey)] == ["csat", "text"]
    page = client.get(url("edit", survey.pk)).content.decode()
    assert "رضایت از پشتیبانی" in page and 'data-testid="question-edit"' in page
    bad = client.post(
        url("edit", survey.pk),
        {"title_fa": "x", "trigger": "relationship", "delay_days": "3", "throttle_days": "0", "active": "on"},
    )
    assert bad.status_code == 422 and "errorlist" in bad.content.decode()
    ok = client.post(
        url("edit", survey.pk),
        {
            "title_fa": "رضایت",
            "trigger": "conversation_resolved",
            "delay_days": "0",
            "throttle_days": "0",
            "active": "on",
        },
    )
    assert ok.status_code == 302
    survey.refresh_from_db()
    assert survey.active and survey.title_fa == "رضایت"
    first = questions(survey)[0]
    added = client.post(
        url("question_add", survey.pk),
        {
            "new-type": "single",
            "new-text_fa": "از کدام بخش ناراضی بودید؟",
            "new-choices": "ارسال | Delivery\nقیمت",
            "new-show_if_question": str(first.pk),
            "new-show_if_op": "lte",
            "new-show_if_value": "۲",
        },
    )
    assert added.status_code == 302
    question = questions(survey)[-1]
    assert question.choices == [
        {"key": "c1", "fa": "ارسال", "en": "Delivery"},
        {"key": "c2", "fa": "قیمت", "en": ""},
    ]
    assert (question.show_if_question_id, question.show_if_op, question.show_if_value) == (first.pk, "lte", 2)
    refused = client.post(
        url("question_add", survey.pk),
        {"new-type": "single", "new-text_fa": "کدام؟", "new-choices": "فقط یکی"},
    )
    assert refused.status_code == 422 and 'class="errorlist' in refused.content.decode()
    assert len(questions(survey)) == 3
    moved = client.post(url("question_move", survey.pk, question.pk), {"direction": "up"})
    assert moved.status_code == 302
    assert client.post(url("question_remove", survey.pk, question.pk)).status_code == 302
    assert len(questions(survey)) == 2


def test_settings_page_saves_quiet_hours_with_persian_digits(client, tenants):
    login(client, tenants.owner_a)
    response = client.post(
        url("settings"),
        {
            "throttle_days": "۴۵",
            "quiet_start": "۲۱:۳۰",
            "quiet_end": "۰۸:۰۰",
            "expiry_days": "7",
            "reminder_after_days": "2",
            "recovery_deadline_hours": "8",
            "resurvey_after_days": "10",
        },
    )
    assert response.status_code == 302
    settings = authoring.survey_settings(tenants.ws_a)
    assert (settings.throttle_days, str(settings.quiet_start), settings.expiry_days) == (45, "21:30:00", 7)
    bad = client.post(
        url("settings"),
        {
            "throttle_days": "1",
            "quiet_start": "25:00",
            "quiet_end": "08:00",
            "expiry_days": "7",
            "reminder_after_days": "2",
            "recovery_deadline_hours": "8",
            "resurvey_after_days": "10",
        },
    )
    assert bad.status_code == 422


def test_the_owner_closes_a_recovery_task_over_htmx(client, tenants, unhappy):
    _survey, task = unhappy
    login(client, tenants.agent_a)
    empty = client.post(url("recovery_close", task.pk), {f"t{task.pk}-resolution": ""}, **HX)
    assert empty.status_code == 200 and 'aria-invalid="true"' in empty.content.decode()
    closed = client.post(
        url("recovery_close", task.pk),
        {
            f"t{task.pk}-resolution": "تماس گرفتم و کد تخفیف دادم.",
            f"t{task.pk}-customer_message": "پوزش، کد تخفیف: X1",
            f"t{task.pk}-resurvey": "on",
        },
        **HX,
    )
    html = closed.content.decode()
    assert closed.status_code == 200 and 'data-status="done"' in html and "کد تخفیف دادم" in html
    task.refresh_from_db()
    assert task.status == "done" and task.resurvey_id is not None
    # Another agent may not close someone else's task.
    from mehvar.testing import make_member

    login(client, make_member(workspace=tenants.ws_a, email="agent2@a.test", role="agent"))
    assert client.post(url("recovery_close", task.pk), {f"t{task.pk}-resolution": "x"}).status_code == 403


def test_list_pages_read_a_fixed_number_of_rows(client, tenants, unhappy, django_assert_max_num_queries):
    survey, _task = unhappy
    for i in range(3):
        authoring.survey_create(acting=tenants.owner_a, kind="custom", title_fa=f"نظرسنجی {i}", questions=[])
    login(client, tenants.owner_a)
    with django_assert_max_num_queries(12):
        assert client.get(url("list")).status_code == 200
    with time_machine.travel(tehran(), tick=True):
        authoring.survey_settings_update(acting=tenants.owner_a, throttle_days=0)
        for i in range(4):
            person = customer(tenants.owner_a, first_name=f"ناراضی {i}")
            invitation = reload(invite(survey, person, now=tehran()))
            answer_one_tap(invitation=invitation, question=questions(survey)[0], raw_value="1")
    with django_assert_max_num_queries(12):
        page = client.get(url("recovery") + "?scope=open")
    assert page.content.decode().count('data-testid="recovery-task"') == 5
