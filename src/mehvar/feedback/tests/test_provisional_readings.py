"""What the keyword rules read while no model could answer is read again once one does; the demo builds the
model before it reads its comments."""

import shutil

import pytest
from django.utils import timezone

from mehvar.conversations.tests.inbox_helpers import receive, sms_channel
from mehvar.feedback import readings
from mehvar.feedback.analysis import feedback_models_forget
from mehvar.feedback.models import MessageReading, Review
from mehvar.feedback.reviews import reviews_import
from mehvar.feedback.services import feedback_base_model_ready
from mehvar.feedback.storage import base_model_path
from mehvar.feedback.tasks import feedback_message_readings_task

pytestmark = pytest.mark.django_db

# The keyword rules find nothing to judge here (neutral, 0.0, low urgency); the model reads money taken by a
# failed payment as negative and urgent.
CHARGED = "موقع پرداخت صفحه خطا داد ولی پول از حسابم کم شد!"
THANKS = "خیلی ممنون، عالی بود"


@pytest.fixture
def without_model(model_dir):
    """The model's directory moved away: the keyword rules answer until it is put back (``restore``)."""
    kept = model_dir.parent / "kept-model"
    shutil.move(model_dir, kept)
    feedback_models_forget()

    def restore():
        shutil.move(kept, model_dir)
        feedback_models_forget()

    return restore


def _review(text, external_id):
    return {"source": "digikala", "external_id": external_id, "text": text, "written_at": "۱۴۰۳/۰۷/۱۵"}


def _read_by_rules(tenants):
    channel_a, channel_b = sms_channel(tenants.ws_a), sms_channel(tenants.ws_b)
    messages = [receive(channel_a, CHARGED), receive(channel_b, CHARGED, phone="09121230002")]
    assert readings.message_readings_run() == 2
    reviews_import(acting=tenants.owner_a, items=[_review(CHARGED, "dk-1"), _review(THANKS, "dk-2")])
    return channel_a, messages


def test_the_rules_readings_are_read_again_by_the_model_once_it_answers(tenants, without_model):
    _channel, messages = _read_by_rules(tenants)
    first = {r.message_id: r for r in MessageReading.objects.all()}
    assert {(r.model, r.sentiment, r.urgency) for r in first.values()} == {("rules", "neutral", "low")}
    assert set(Review.objects.values_list("model", flat=True)) == {"rules"}

    assert readings.provisional_readings_run() == 0  # the rules still answer: nothing to gain yet
    assert set(MessageReading.objects.values_list("model", flat=True)) == {"rules"}

    without_model()
    assert readings.provisional_readings_run() == 4

    for message in messages:
        reading = MessageReading.objects.get(message=message)
        assert reading.workspace_id == message.workspace_id
        assert (reading.model, reading.sentiment, reading.urgency) == ("base", "negative", "high")
        assert reading.score < -0.5 and reading.created_at <= timezone.now()
    charged, thanks = Review.objects.get(external_id="dk-1"), Review.objects.get(external_id="dk-2")
    assert (charged.model, charged.sentiment) == ("base", "negative")
    assert (thanks.model, thanks.sentiment) == ("base", "positive")
    assert readings.provisional_readings_run() == 0  # each is read again once


def test_the_periodic_task_reads_new_messages_then_the_provisional_ones(tenants, without_model):
    channel, _messages = _read_by_rules(tenants)
    without_model()
    receive(channel, THANKS, phone="09121230003")

    assert feedback_message_readings_task.call() == 1 + 4
    assert not MessageReading.objects.filter(model="rules").exists()
    assert not Review.objects.filter(model="rules").exists()


def test_a_run_reads_at_most_a_batch_of_each(tenants, without_model):
    channel = sms_channel(tenants.ws_a)
    for n in range(3):
        receive(channel, f"{CHARGED} {n}", phone=f"0912123000{n}")
    readings.message_readings_run()
    without_model()

    assert readings.provisional_readings_run(batch_size=2) == 2
    assert MessageReading.objects.filter(model="rules").count() == 1
    assert readings.provisional_readings_run(batch_size=2) == 1


def test_ready_builds_a_missing_model_unless_building_is_off(settings, model_dir):
    path = base_model_path()
    built_at = path.stat().st_mtime_ns
    assert feedback_base_model_ready() is True
    assert path.stat().st_mtime_ns == built_at  # a good model is left as it is

    path.unlink()
    assert feedback_base_model_ready() is False  # the fixture's FEEDBACK_MODEL_BUILD is "off"
    assert not path.exists()

    settings.FEEDBACK_MODEL_BUILD = "background"
    assert feedback_base_model_ready() is True  # built in this call, not in a thread
    assert path.exists()
    feedback_models_forget()
    from mehvar.feedback.analysis import feedback_analyze

    [result] = feedback_analyze(texts=[CHARGED])
    assert (result.model, result.sentiment) == ("base", "negative")
