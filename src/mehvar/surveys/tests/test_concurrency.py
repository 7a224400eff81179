"""Two requests at the same moment (a double tap, a page sent twice) still store one response: the invitation
row is locked while answering and the unique constraints catch the rest. Real threads on PostgreSQL; SQLite
serialises writers by itself, so there it runs the same calls one after the other."""

import threading

import pytest
from django.db import connection

from mehvar.surveys.models import Answer, RecoveryTask, Response
from mehvar.surveys.responses import answer_one_tap, response_submit
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, reload, sms_channel, tehran

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls):
    """Run the calls together (threads released at once on PostgreSQL); return their results in order."""
    if connection.vendor != "postgresql":
        return [call() for call in calls]
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        from django.db import connections

        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # reported by the assertion below
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def invited(tenants):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    return survey, invite(survey, customer(tenants.owner_a), now=tehran())


def test_two_submissions_at_once_store_one_response(invited):
    survey, invitation = invited
    main, low, _high = questions(survey)
    data = {main.pk: "4", low.pk: "دیر رسید"}

    def submit():
        return response_submit(
            invitation=reload(invitation), data=data, shown={main.pk, low.pk}, now=tehran()
        )

    outcomes = _race([submit, submit, submit])
    statuses = sorted(getattr(o, "status", repr(o)) for o in outcomes)
    assert statuses == ["duplicate", "duplicate", "stored"]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 2
    assert RecoveryTask.objects.count() == 1


def test_two_taps_at_once_store_one_answer(invited):
    survey, invitation = invited
    main = questions(survey)[0]

    def tap(value):
        return lambda: answer_one_tap(
            invitation=reload(invitation), question=main, raw_value=value, now=tehran()
        )

    outcomes = _race([tap("2"), tap("9")])
    statuses = sorted(getattr(o, "status", repr(o)) for o in outcomes)
    assert statuses == ["already_answered", "recorded"]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 1


def test_a_form_read_before_a_tap_keeps_the_tapped_answer(invited):
    """The page read the invitation unanswered; a tap answered it before the form arrived: the form's claim
    finds it taken, and the form is read again under the lock, keeping the tapped score."""
    survey, invitation = invited
    main, low, _high = questions(survey)
    stale = reload(invitation)
    assert stale.answered_at is None
    tapped = answer_one_tap(invitation=reload(invitation), question=main, raw_value="3", now=tehran())
    assert tapped.status == "recorded"
    outcome = response_submit(
        invitation=stale, data={main.pk: "10", low.pk: "دیر رسید"}, shown={main.pk, low.pk}, now=tehran()
    )
    assert outcome.status == "stored"
    response = Response.objects.get()
    assert (response.score, response.submitted_at is not None) == (3, True)
    assert sorted(
        Answer.objects.filter(response=response).values_list("value", flat=True), key=str
    ) == sorted([3, None], key=str)
    assert RecoveryTask.objects.get().comment == "دیر رسید"
