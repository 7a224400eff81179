"""The agents' feedback page: who may see it, the model's state, the feed over three sources with its pages
and filters, corrections from the page (HTMX and plain), and the "try it" box."""

import re

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from mehvar.conversations.tests.inbox_helpers import HX, receive, sms_channel
from mehvar.feedback.models import FeedbackCorrection, MessageReading, Review, WorkspaceModel
from mehvar.feedback.readings import message_readings_run
from mehvar.feedback.reviews import reviews_import
from mehvar.feedback.selectors import feed_page
from mehvar.feedback.storage import base_model_path
from mehvar.surveys.models import Answer, Survey
from mehvar.surveys.tests.support import nps_survey, respond, tehran
from mehvar.testing import login

pytestmark = pytest.mark.django_db

COMMENT = "پیک خیلی دیر آورد و غذا سرد بود"
MESSAGE = "سلام، سه روزه پولم برنگشته، جواب هم نمیدید!"
REVIEW = "جعبه له شده بود ولی کالا سالم بود"


def page_url(slug="shop-a", **query):
    url = reverse("feedback:page", args=[slug])
    if query:
        from django.utils.http import urlencode

        url += "?" + urlencode(query)
    return url


def correct_url(source, pk, slug="shop-a"):
    return reverse("feedback:correct", args=[slug, source, pk])


def survey_comment(tenants, text=COMMENT, at=None, **labels):
    survey = Survey.objects.filter(workspace=tenants.ws_a).first() or nps_survey(tenants.owner_a)
    labels = {"sentiment": "negative", "sentiment_score": -0.8, "topics": ["delivery"], **labels}
    response = respond(survey, 3, at or tehran(hour=9), text=text, **labels)
    return Answer.objects.get(response=response, text=text)


def inbound_reading(workspace, text=MESSAGE):
    message = receive(sms_channel(workspace), text, phone="09121239999")
    message_readings_run()
    return MessageReading.objects.get(message=message)


def review(tenants, text=REVIEW, external_id="dk-1", written_at="1403/07/15 10:30", acting=None):
    result = reviews_import(
        acting=acting or tenants.owner_a,
        items=[{"source": "digikala", "external_id": external_id, "text": text, "written_at": written_at}],
    )
    return Review.objects.get(pk=result.items[0].review_id)


def form_data(item_key, **values):
    """The correction form of one item as the browser posts it (prefixed fields; checkboxes only if on)."""
    data = {}
    for name, value in values.items():
        data[f"{item_key}-{name}"] = value
    return data


def test_an_agent_sees_the_model_and_the_three_sources(client, tenants):
    answer = survey_comment(tenants)
    reading = inbound_reading(tenants.ws_a)
    imported = review(tenants)
    login(client, tenants.agent_a)
    response = client.get(page_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="model-state" data-model="base"' in html
    assert 'data-testid="model-warning"' not in html
    for text in (COMMENT, MESSAGE, REVIEW):
        assert text in html
    for key in (f"survey-{answer.pk}", f"message-{reading.pk}", f"review-{imported.pk}"):
        assert f'id="feedback-{key}"' in html
    assert 'data-nav="feedback:page"' in html  # in the agent's navigation
    assert (
        f'href="{reverse("inbox:conversation", args=["shop-a", reading.message.conversation.number])}' in html
    )


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_members_who_may_not_correct_get_a_403(client, tenants, role):
    answer = survey_comment(tenants)
    login(client, tenants.by_role[role])
    assert client.get(page_url()).status_code == 403
    data = form_data(f"survey-{answer.pk}", sentiment="positive")
    assert client.post(correct_url("survey", answer.pk), data).status_code == 403
    assert not FeedbackCorrection.objects.exists()


def test_an_outsider_gets_a_404_everywhere(client, tenants):
    answer = survey_comment(tenants)
    login(client, tenants.outsider_b)
    assert client.get(page_url()).status_code == 404
    data = form_data(f"survey-{answer.pk}", sentiment="positive")
    assert client.post(correct_url("survey", answer.pk), data).status_code == 404
    assert client.post(reverse("feedback:try", args=["shop-a"]), {"text": "خوب"}).status_code == 404
    # ... and A's item through B's own page is missing too: one answer for missing and forbidden.
    assert client.post(correct_url("survey", answer.pk, slug="shop-b"), data, **HX).status_code == 404
    assert client.post(correct_url("nothing", answer.pk, slug="shop-b"), data).status_code == 404
    assert not FeedbackCorrection.objects.exists()


def test_a_correction_from_the_page_is_recorded_and_retrains_in_the_background(
    client, tenants, django_capture_on_commit_callbacks
):
    imported = review(tenants)
    key = f"review-{imported.pk}"
    login(client, tenants.agent_a)
    data = form_data(key, sentiment="positive", urgency=imported.urgency, new_topic="fragile_box")
    data[f"{key}-topics"] = [*imported.topics, "packaging"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(correct_url("review", imported.pk), data, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="correction-saved"' in html
    correction = FeedbackCorrection.objects.get()
    assert (correction.workspace, correction.corrected_by, correction.text) == (
        tenants.ws_a,
        tenants.agent_a,
        REVIEW,
    )
    assert correction.sentiment == "positive"
    assert set(correction.topics) == {*imported.topics, "packaging", "fragile_box"}
    assert (correction.urgency, correction.abusive) == ("", None)  # unchanged labels are not corrections
    assert len(callbacks) == 1
    [queued] = DBTaskResult.objects.filter(task_path__endswith="feedback_workspace_train_task")
    assert queued.args_kwargs["kwargs"] == {"workspace_id": tenants.ws_a.pk}
    assert 'data-testid="feedback-corrected"' in html  # the card shows the correction now
    # The page shows it too, the next time.
    page = client.get(page_url()).content.decode()
    assert 'data-testid="feedback-corrected"' in page


def test_a_correction_without_javascript_redirects_with_a_message(client, tenants):
    answer = survey_comment(tenants)
    login(client, tenants.agent_a)
    data = form_data(f"survey-{answer.pk}", sentiment="positive")
    response = client.post(correct_url("survey", answer.pk), data, follow=True)
    assert response.redirect_chain[-1][0] == page_url()
    assert FeedbackCorrection.objects.get().sentiment == "positive"


def _field_errors(html, field):
    match = re.search(rf'name="[^"]*-{field}".*?(<ul class="errorlist[^"]*"[^>]*>.*?</ul>)', html, re.S)
    return match.group(1) if match else ""


def test_correction_errors_are_named_by_field_in_persian_and_nothing_is_stored(client, tenants):
    imported = review(tenants)
    key = f"review-{imported.pk}"
    login(client, tenants.agent_a)
    url = correct_url("review", imported.pk)
    current = {"urgency": imported.urgency, "sentiment": imported.sentiment}
    if imported.abusive:
        current["abusive"] = "on"
    topics = {f"{key}-topics": list(imported.topics)}

    html = client.post(
        url, {**form_data(key, **current, new_topic="پارکینگ"), **topics}, **HX
    ).content.decode()
    assert "نام موضوع معتبری نیست" in _field_errors(html, "new_topic")

    html = client.post(
        url, {**form_data(key, **{**current, "sentiment": "angry"}), **topics}, **HX
    ).content.decode()
    assert "یکی از این موارد را انتخاب کنید" in _field_errors(html, "sentiment")

    response = client.post(url, {**form_data(key, **current), **topics}, **HX)  # nothing changed
    assert response.status_code == 200
    assert "دست‌کم یکی از برچسب‌ها را اصلاح کنید" in response.content.decode()

    plain = client.post(url, {**form_data(key, **current), **topics})
    assert plain.status_code == 422
    assert not FeedbackCorrection.objects.exists()


def test_the_rules_fallback_is_visible_when_the_model_file_is_missing(client, tenants):
    survey_comment(tenants)
    base_model_path().unlink()
    login(client, tenants.agent_a)
    html = client.get(page_url()).content.decode()
    assert 'data-testid="model-state" data-model="rules"' in html
    warning = re.search(r'data-testid="model-warning">(.*?)</div></div>', html, re.S).group(1)
    assert "مدل تحلیل هنوز ساخته نشده است" in warning
    # Trying a text still works, with rules and the same warning.
    response = client.post(reverse("feedback:try", args=["shop-a"]), {"text": "غذا سرد بود"}, **HX)
    assert 'data-model="rules"' in response.content.decode()
    assert 'data-testid="try-warning"' in response.content.decode()


def test_the_rules_fallback_is_visible_when_the_model_file_is_corrupt(client, tenants):
    path = base_model_path()
    path.write_bytes(path.read_bytes()[:1000])
    login(client, tenants.agent_a)
    html = client.get(page_url()).content.decode()
    assert 'data-model="rules"' in html
    assert "مدل تحلیل" in re.search(r'data-testid="model-warning">(.*?)</div></div>', html, re.S).group(1)


def test_the_workspace_models_state_and_accuracy_are_shown(client, tenants):
    WorkspaceModel.objects.create(
        workspace=tenants.ws_a,
        trained_at=tehran(),
        examples=4120,
        corrections=12,
        held_out=2,
        held_out_accuracy=0.75,
        base_held_out_accuracy=0.5,
        topics=["parking"],
    )
    login(client, tenants.agent_a)
    html = client.get(page_url()).content.decode()
    accuracy = re.search(r'data-testid="model-accuracy">(.*?)</dd>', html, re.S).group(1)
    assert "۷۵" in accuracy and "۵۰" in accuracy and "۲" in accuracy
    assert "۱۲" in re.search(r'data-testid="model-corrections">(.*?)</dd>', html, re.S).group(1)


def test_texts_are_escaped(client, tenants):
    review(tenants, text='<script>alert("x")</script> <img src=x onerror=alert(1)> بد بود')
    login(client, tenants.agent_a)
    html = client.get(page_url()).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_feed_pages_newest_first_and_filters_by_source_and_sentiment(client, tenants):
    older = survey_comment(tenants, text="غذا سرد بود", at=tehran(hour=8))
    newer = survey_comment(tenants, text="عالی بود ممنون", at=tehran(hour=10), sentiment="positive")
    first_review = review(tenants, external_id="dk-1", written_at="1403/07/15 10:30")
    second_review = review(tenants, text="بسته دیر رسید", external_id="dk-2", written_at="1403/07/16 10:30")
    reading = inbound_reading(tenants.ws_a)
    review(tenants, external_id="b-1", acting=tenants.outsider_b)  # another workspace's
    everything = []
    cursor = ""
    while True:
        page = feed_page(workspace=tenants.ws_a, cursor=cursor, limit=2)
        everything += [item.key for item in page.items]
        if not page.next:
            break
        cursor = page.next
    assert everything == [
        f"message-{reading.pk}",  # read just now
        f"survey-{newer.pk}",
        f"survey-{older.pk}",
        f"review-{second_review.pk}",
        f"review-{first_review.pk}",
    ]
    only_reviews = [i.key for i in feed_page(workspace=tenants.ws_a, source="review").items]
    assert only_reviews == [f"review-{second_review.pk}", f"review-{first_review.pk}"]
    positive = [i.key for i in feed_page(workspace=tenants.ws_a, sentiment="positive").items]
    assert f"survey-{newer.pk}" in positive and f"survey-{older.pk}" not in positive

    login(client, tenants.agent_a)
    html = client.get(page_url(source="survey", sentiment="negative")).content.decode()
    assert f'id="feedback-survey-{older.pk}"' in html
    assert f'id="feedback-survey-{newer.pk}"' not in html and "feedback-review-" not in html
    assert client.get(page_url(cursor="not-a-cursor")).status_code == 200  # a bad cursor: the first page


def test_the_page_costs_the_same_number_of_queries_for_more_items(client, tenants, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        review(tenants, text=f"بسته دیر رسید {i}", external_id=f"dk-{i}")
        survey_comment(tenants, text=f"غذا سرد بود {i}")
    inbound_reading(tenants.ws_a)
    login(client, tenants.agent_a)
    client.get(page_url())  # warm the model
    with CaptureQueriesContext(connection) as few:
        client.get(page_url())
    for i in range(3, 12):
        review(tenants, text=f"بسته دیر رسید {i}", external_id=f"dk-{i}")
        survey_comment(tenants, text=f"غذا سرد بود {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(page_url())
    assert len(many.captured_queries) == len(few.captured_queries) <= 14


def test_trying_a_text(client, tenants):
    login(client, tenants.agent_a)
    url = reverse("feedback:try", args=["shop-a"])
    html = client.post(url, {"text": "غذا یخ کرده و یک ساعت دیر رسید"}, **HX).content.decode()
    assert 'data-testid="try-result" data-model="base"' in html
    assert 'data-value="negative"' in html and "try-warning" not in html
    empty = client.post(url, {"text": ""}, **HX).content.decode()
    assert "try-result" not in empty and "errorlist" in empty
    login(client, tenants.by_role["marketer"])  # may analyse, may not correct
    assert client.post(url, {"text": "خوب"}, **HX).status_code == 200


def test_the_form_starts_from_the_latest_correction_and_records_only_what_changes_again(client, tenants):
    imported = review(tenants)
    key = f"review-{imported.pk}"
    wanted = "neutral" if imported.sentiment != "neutral" else "positive"
    login(client, tenants.agent_a)
    url = correct_url("review", imported.pk)
    topics = {f"{key}-topics": list(imported.topics)}
    client.post(url, {**form_data(key, sentiment=wanted, urgency=imported.urgency), **topics}, **HX)
    html = client.post(
        url, {**form_data(key, sentiment=wanted, urgency="high"), **topics}, **HX
    ).content.decode()
    assert 'data-testid="correction-saved"' in html
    first, second = FeedbackCorrection.objects.order_by("id")
    assert (first.sentiment, first.urgency) == (wanted, "")
    assert (second.sentiment, second.urgency, second.topics) == ("", "high", None)
    selected = re.search(rf'<select name="{key}-sentiment".*?</select>', html, re.S).group(0)
    assert re.search(rf'<option value="{wanted}" selected>', selected)
