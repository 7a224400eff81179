"""What the customer's pages cost the database (issue 5, performance: hundreds of requests a second).

The number of queries of the survey page, the one-tap answer and the form is pinned: a change that adds one
fails here and has to say why (docs/benchmarks.md, "Survey public pages"). Inside a test the service's
transaction is a savepoint: its two statements stand for BEGIN and COMMIT. The questions are kept per
process (``questions.questions_cached``); the pinned figures are the warm ones, and the cold and stale cases
are tested below. The invitation is read by hand-written SQL (``links.invitation_by_key``): it must give
the very rows the ORM gives, on SQLite and PostgreSQL alike.
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.utils.http import int_to_base36

from mehvar.core.models import Workspace
from mehvar.customers.models import Activity, Customer
from mehvar.surveys import links
from mehvar.surveys import questions as survey_questions
from mehvar.surveys.authoring import survey_settings
from mehvar.surveys.models import Answer, Invitation, RecoveryTask, Response, Survey
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, reload, sms_channel, tehran

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(tehran(), tick=True) as traveller:
        yield traveller


@pytest.fixture
def survey(tenants, clock):
    sms_channel(tenants.ws_a)
    made = nps_survey(tenants.owner_a, trigger="manual")
    survey_settings(tenants.ws_a)  # as in a workspace that has surveys: the settings row exists
    return made


@pytest.fixture
def invitation(tenants, survey):
    return reload(invite(survey, customer(tenants.owner_a, first_name="مریم"), now=tehran()))


@pytest.fixture
def warm(survey):
    """The questions read once in this process, and the content type of a response (for its timeline entry)
    known, as after the first request a server answers."""
    survey_questions.questions_cached(Survey.objects.get(pk=survey.pk))
    ContentType.objects.get_for_model(Response)


def tap_url(invitation, question, value):
    return links.one_tap_path(invitation, question.pk, value)


def test_the_survey_page_reads_the_invitation_and_notes_the_opening(
    client, invitation, warm, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the invitation with its survey, workspace, channel; opened_at
        page = client.get(links.survey_path(invitation))
    assert page.status_code == 200 and 'data-testid="scale-10"' in page.content.decode()
    assert reload(invitation).opened_at is not None
    with django_assert_num_queries(1):  # opened already: the invitation only
        assert client.get(links.survey_path(invitation)).status_code == 200


def test_a_first_one_tap_answer_stores_everything_in_a_few_statements(
    client, survey, invitation, warm, django_assert_num_queries
):
    main = questions(survey)[0]
    # The invitation; then in the transaction: claimed as answered (which locks it), the response with its
    # score, the answer, the timeline entry, the customer's moments with the last NPS (one UPDATE).
    with django_assert_num_queries(1 + 2 + 5):
        tapped = client.get(tap_url(invitation, main, 9))
    assert tapped.status_code == 302 and "tapped=" in tapped["Location"]
    response = Response.objects.get(invitation=invitation)
    assert response.score == 9 and Answer.objects.get(response=response).value == 9
    assert Activity.objects.get(source="surveys", external_id=f"response:{response.pk}").summary == "NPS 9"
    assert Customer.objects.get(pk=invitation.customer_id).last_nps == 9
    # The page it leads to also reads the response and its answers (the score is shown locked).
    with django_assert_num_queries(4):
        page = client.get(tapped["Location"])
    assert 'value="9" checked disabled' in page.content.decode()
    # The same link again: the invitation, then the lock, the response and its answers; nothing written.
    with django_assert_num_queries(1 + 2 + 3):
        again = client.get(tap_url(invitation, main, 9))
    assert "already=" in again["Location"]


def test_a_detractors_tap_opens_the_recovery_task_without_looking_first(
    client, survey, invitation, warm, django_assert_num_queries
):
    main = questions(survey)[0]
    # The eight above, then the customer, the survey settings, the business calendar (hours, days off), the
    # apology reply and the task itself: no agent, account manager or conversation to read.
    with django_assert_num_queries(8 + 6):
        client.get(tap_url(invitation, main, 3))
    assert RecoveryTask.objects.get(response__invitation=invitation).score == 3


def test_the_form_stores_the_response_in_a_few_statements(
    client, survey, invitation, warm, django_assert_num_queries
):
    main, _low, high = questions(survey)
    data = {"shown": [main.pk, high.pk], f"q{main.pk}": "10", f"q{high.pk}": "همه چیز عالی بود"}
    # The invitation; then in the transaction: the claim (answered, which also locks the row), the response
    # (submitted, with its score), both answers in one statement, the timeline entry, the customer's
    # moments with the last NPS (one UPDATE).
    with django_assert_num_queries(1 + 2 + 5):
        sent = client.post(links.survey_path(invitation), data)
    assert sent.status_code == 302 and "/thanks/" in sent["Location"]
    response = Response.objects.get(invitation=invitation)
    assert (response.score, response.submitted_at is not None) == (10, True)
    assert sorted(Answer.objects.filter(response=response).values_list("question_id", flat=True)) == sorted(
        [main.pk, high.pk]
    )
    assert reload(invitation).answered_at is not None
    assert Customer.objects.get(pk=invitation.customer_id).last_nps == 10


def test_the_form_after_a_tap_keeps_the_tapped_answer(
    client, survey, invitation, warm, django_assert_num_queries
):
    main, low, _high = questions(survey)
    client.get(tap_url(invitation, main, 2))
    data = {"shown": [main.pk, low.pk], f"q{low.pk}": "دیر رسید"}
    # The invitation and its response (submitted already?); then the lock, the response and its answers
    # read under it, submitted, the comment, the timeline entry updated, the last NPS, the recovery task
    # (looked up, its comment added).
    with django_assert_num_queries(2 + 2 + 9):
        sent = client.post(links.survey_path(invitation), data)
    assert sent.status_code == 302
    response = Response.objects.get(invitation=invitation)
    assert response.score == 2 and response.submitted_at is not None
    assert Answer.objects.filter(response=response).count() == 2
    activity = Activity.objects.get(source="surveys", external_id=f"response:{response.pk}")
    assert activity.summary == "NPS 2 · دیر رسید"
    assert RecoveryTask.objects.get(response=response).comment == "دیر رسید"


def test_the_questions_are_read_once_and_again_after_a_change(client, tenants, survey, invitation):
    main = questions(survey)[0]
    first = client.get(links.survey_path(invitation)).content.decode()
    assert main.text_fa in first
    # Changed through the services: this process's copy is dropped at once.
    survey_questions.question_update(
        acting=tenants.owner_a,
        question=main,
        data={"type": "nps", "text_fa": "پیشنهاد ما به دیگران؟", "required": True},
    )
    assert "پیشنهاد ما به دیگران؟" in client.get(links.survey_path(invitation)).content.decode()
    # Changed by another process: its copy here is never used once the survey's updated_at moved.
    fresh = Survey.objects.get(pk=survey.pk)
    survey_questions.questions_cached(fresh)
    main.refresh_from_db()
    type(main).objects.filter(pk=main.pk).update(text_fa="از ما راضی بودید؟")
    Survey.objects.filter(pk=survey.pk).update(updated_at=fresh.updated_at + dt.timedelta(seconds=1))
    assert "از ما راضی بودید؟" in client.get(links.survey_path(invitation)).content.decode()


def test_a_removed_question_is_not_answered_by_its_old_link(client, tenants, survey, invitation):
    main, low, _high = questions(survey)
    url = tap_url(invitation, low, 3)  # a follow-up: never answerable by one tap
    assert client.get(url).status_code == 400
    old = tap_url(invitation, main, 9)
    client.get(links.survey_path(invitation))  # the questions kept in this process
    Answer.objects.create(  # answered before: removing it keeps it out of sight
        workspace_id=survey.workspace_id,
        response=Response.objects.create(workspace_id=survey.workspace_id, survey=survey),
        question=main,
        value=5,
    )
    survey_questions.question_remove(acting=tenants.owner_a, question=main)
    assert client.get(old).status_code == 400
    assert not Response.objects.filter(invitation=invitation).exists()


def test_the_invitation_read_by_key_is_the_rows_the_orm_reads(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(opened_at=tehran(hour=12))
    Workspace.objects.filter(pk=invitation.workspace_id).update(persian_digits=False)
    by_key = links.invitation_by_key(links.invitation_key(invitation))
    orm = Invitation.objects.select_related("survey", "workspace", "channel").get(pk=invitation.pk)
    for mine, theirs in [
        (by_key, orm),
        (by_key.survey, orm.survey),
        (by_key.workspace, orm.workspace),
        (by_key.channel, orm.channel),
    ]:
        for field in type(theirs)._meta.concrete_fields:
            value = getattr(mine, field.attname)
            assert value == getattr(theirs, field.attname), field.attname
            assert type(value) is type(getattr(theirs, field.attname)), field.attname
    assert by_key.opened_at.tzinfo is not None and by_key.workspace.persian_digits is False
    assert by_key.channel.config == orm.channel.config
    assert links.invitation_by_key(f"{links.invitation_key(invitation)}x") is None
    other = Workspace.objects.exclude(pk=invitation.workspace_id).first()
    wrong = f"{int_to_base36(other.pk)}.{invitation.token}"
    assert links.invitation_by_key(wrong) is None  # the token under another workspace
