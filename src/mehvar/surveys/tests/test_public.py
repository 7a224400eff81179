"""The customer's pages: the survey, one-tap links (valid, tampered, expired, reused), answers stored exactly
once, follow-ups with and without JavaScript, enormous and abusive text, anonymous surveys."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from mehvar.customers.models import Activity, Customer
from mehvar.surveys import authoring, links
from mehvar.surveys.models import Answer, Invitation, RecoveryTask, Response
from mehvar.surveys.tests.support import customer, invite, nps_survey, questions, reload, sms_channel, tehran

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock():
    with time_machine.travel(tehran(), tick=True) as traveller:
        yield traveller


@pytest.fixture
def invited(tenants, clock):
    sms_channel(tenants.ws_a)
    survey = nps_survey(tenants.owner_a, trigger="manual")
    person = customer(tenants.owner_a, first_name="مریم", phone="09125550000")
    invitation = invite(survey, person, now=tehran())
    return survey, reload(invitation)


def page_url(invitation, **query):
    url = links.survey_path(invitation)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def test_the_survey_page_is_persian_right_to_left_with_the_scale_from_zero(client, invited):
    survey, invitation = invited
    response = client.get(page_url(invitation))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in html
    assert survey.title_fa in html and questions(survey)[0].text_fa in html
    values = re.findall(r'data-testid="scale-(\d+)"', html)
    assert values == [str(v) for v in range(11)]  # DOM order 0..10: in RTL the 0 sits on the right
    assert "۱۰" in html  # Persian digits on the buttons
    assert "csrfmiddlewaretoken" not in html  # the key is the credential; no cookie needed
    assert reload(invitation).opened_at is not None
    english = client.get(page_url(invitation, lang="en")).content.decode()
    assert '<html lang="en" dir="ltr">' in english and "Your opinion" in english


def test_a_one_tap_link_records_the_score_once(client, invited):
    survey, invitation = invited
    first = questions(survey)[0]
    url = links.one_tap_path(invitation, first.pk, 9)
    response = client.get(url)
    assert response.status_code == 302 and "tapped=" in response["Location"]
    answer = Answer.objects.get(question=first)
    assert (answer.value, answer.via) == (9, "link")
    assert reload(invitation).answered_at is not None
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="notice-tapped"' in page
    # The follow-up for 9 (what did you like) is on the page; the one for low scores is not.
    assert questions(survey)[2].text_fa in page and questions(survey)[1].text_fa not in page
    # The same link again, and another score's link: nothing changes.
    again = client.get(url)
    assert "already=" in again["Location"]
    client.get(links.one_tap_path(invitation, first.pk, 2))
    assert list(Answer.objects.values_list("value", flat=True)) == [9]
    assert Response.objects.filter(invitation=invitation).count() == 1
    # The timeline shows it, and the customer's last NPS is filled.
    activity = Activity.objects.get(kind="survey_response", customer=invitation.customer)
    assert activity.summary.startswith("NPS 9")
    assert Customer.objects.get(pk=invitation.customer_id).last_nps == 9


def test_a_tampered_link_gets_a_clear_page(client, invited):
    survey, invitation = invited
    first = questions(survey)[0]
    good = links.one_tap_path(invitation, first.pk, 9)
    tampered = good.replace("/9/", "/0/")
    response = client.get(tampered)
    assert response.status_code == 400
    assert 'data-kind="tampered"' in response.content.decode()
    assert not Answer.objects.exists()
    cut = good.rstrip("/")[:-5] + "/"
    assert client.get(cut).status_code == 400
    # A signed link for a value off the scale is refused as well.
    key = links.invitation_key(invitation)
    signature = links.one_tap_signature(key=key, question_id=first.pk, value="11")
    off_scale = reverse("survey_public:one_tap", args=[key, first.pk, "11", signature])
    assert client.get(off_scale).status_code == 400
    unknown = client.get("/s/zz.nosuchtoken/")
    assert unknown.status_code == 404 and 'data-kind="unknown"' in unknown.content.decode()
    assert client.get("/s/not-a-key/").status_code == 404


def test_an_expired_link_gets_a_clear_page(client, invited, clock):
    survey, invitation = invited
    url = links.one_tap_path(invitation, questions(survey)[0].pk, 3)
    clock.move_to(tehran() + dt.timedelta(days=15))
    response = client.get(url)
    assert response.status_code == 410 and 'data-kind="expired"' in response.content.decode()
    assert client.get(page_url(invitation)).status_code == 410
    assert not Answer.objects.exists()


def test_an_old_signature_is_expired_even_if_the_invitation_is_not(client, invited, clock):
    survey, invitation = invited
    url = links.one_tap_path(invitation, questions(survey)[0].pk, 3)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=tehran() + dt.timedelta(days=400))
    clock.move_to(tehran() + links.ONE_TAP_MAX_AGE + dt.timedelta(days=1))
    assert client.get(url).status_code == 410


def _post(client, invitation, data):
    return client.post(page_url(invitation), data)


def test_the_form_is_stored_exactly_once(client, invited):
    survey, invitation = invited
    main, low, _high = questions(survey)
    data = {"shown": [main.pk, low.pk], f"q{main.pk}": "۳", f"q{low.pk}": "بسته دیر رسید و خراب بود"}
    first = _post(client, invitation, data)
    assert first.status_code == 302 and "/thanks/" in first["Location"]
    second = _post(client, invitation, data)  # the page sent again (back button, double click)
    assert second.status_code == 302 and "again=1" in second["Location"]
    response = Response.objects.get(invitation=invitation)
    assert response.submitted_at is not None and response.score == 3
    assert Answer.objects.filter(response=response).count() == 2
    assert client.get(second["Location"]).status_code == 200
    # A detractor with a comment: a recovery task, once.
    task = RecoveryTask.objects.get(response=response)
    assert task.reason == "detractor" and "دیر رسید" in task.comment
    # Opening the link again shows the thanks, not the form.
    assert "/thanks/" in client.get(page_url(invitation))["Location"]


def test_without_javascript_follow_ups_are_asked_before_anything_is_stored(client, invited):
    survey, invitation = invited
    main, low, _high = questions(survey)
    response = _post(client, invitation, {"shown": [main.pk], f"q{main.pk}": "2"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="notice-more"' in html and low.text_fa in html
    assert re.search(r'value="2"\s+checked', html)  # the score is kept on the page
    assert not Response.objects.exists()
    done = _post(client, invitation, {"shown": [main.pk, low.pk], f"q{main.pk}": "2", f"q{low.pk}": ""})
    assert done.status_code == 302
    assert Response.objects.get().score == 2


def test_htmx_fetches_the_follow_up_for_the_chosen_score(client, invited):
    survey, invitation = invited
    main, low, high = questions(survey)
    url = reverse("survey_public:follow_ups", args=[links.invitation_key(invitation), main.pk])
    low_html = client.get(url, {f"q{main.pk}": "4"}, **HX).content.decode()
    assert low.text_fa in low_html and high.text_fa not in low_html
    high_html = client.get(url, {f"q{main.pk}": "10"}, **HX).content.decode()
    assert high.text_fa in high_html and low.text_fa not in high_html
    assert client.get(url, {}, **HX).content.decode().strip() == ""


def test_a_required_question_and_a_bad_value_are_reported(client, invited):
    survey, invitation = invited
    main = questions(survey)[0]
    response = _post(client, invitation, {"shown": [main.pk]})
    assert response.status_code == 422 and 'aria-invalid="true"' in response.content.decode()
    response = _post(client, invitation, {"shown": [main.pk], f"q{main.pk}": "12"})
    assert response.status_code == 422
    assert not Response.objects.exists()


def test_enormous_and_abusive_text_is_capped_flagged_and_escaped(client, invited, tenants):
    survey, invitation = invited
    main, low, _high = questions(survey)
    text = "<script>alert(1)</script> احمق‌ها " + "خیلی بد بود " * 20_000
    response = _post(client, invitation, {"shown": [main.pk, low.pk], f"q{main.pk}": "1", f"q{low.pk}": text})
    assert response.status_code == 302
    answer = Answer.objects.get(question=low)
    assert len(answer.text) == 2000
    assert "truncated" in answer.flags and "insult" in answer.flags
    client.force_login(tenants.owner_a.user)
    page = client.get(reverse("surveys:recovery", args=["shop-a"]) + "?scope=open").content.decode()
    assert "&lt;script&gt;" in page and "<script>alert(1)" not in page


def test_anonymous_surveys_keep_no_link_to_the_person(client, tenants, clock):
    sms_channel(tenants.ws_a)
    survey = authoring.survey_create(
        acting=tenants.owner_a, kind="nps", title_fa="بی‌نام", anonymous=True, active=True
    )
    invitation = reload(invite(survey, customer(tenants.owner_a), now=tehran()))
    main = questions(survey)[0]
    tap = client.get(links.one_tap_path(invitation, main.pk, 8))
    assert tap.status_code == 302 and f"q{main.pk}=8" in tap["Location"]  # pre-fills, stores nothing
    assert not Response.objects.exists()
    assert re.search(r'value="8"\s+checked', client.get(tap["Location"]).content.decode())
    data = {"shown": [q.pk for q in questions(survey)], f"q{main.pk}": "8"}
    assert "/thanks/" in _post(client, invitation, data)["Location"]
    assert "again=1" in _post(client, invitation, data)["Location"]
    response = Response.objects.get()
    assert (response.invitation_id, response.customer_id, response.score) == (None, None, 8)
    assert (response.created_at.hour, response.created_at.minute) == (0, 0)  # only the day
    assert not Activity.objects.filter(kind="survey_response").exists()
