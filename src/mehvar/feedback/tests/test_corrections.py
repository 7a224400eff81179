"""Workspace corrections: recorded and audited, retrained in the background, used by that workspace only."""

import pytest
from django.core.exceptions import ValidationError

from mehvar.core.models import AuditEntry
from mehvar.feedback.analysis import feedback_analyze
from mehvar.feedback.corpus import corpus_examples
from mehvar.feedback.models import FeedbackCorrection, WorkspaceModel
from mehvar.feedback.services import feedback_correction_record, feedback_workspace_train
from mehvar.feedback.storage import workspace_model_path
from mehvar.ops.tests.conftest import run_waiting_tasks

pytestmark = pytest.mark.django_db

# A workspace (a hotel) whose guests write about parking, a topic of its own.
PARKING = [
    "پارکینگ هتل همیشه پر بود و ماشین رو تو خیابون گذاشتیم",
    "جای پارک نداشتن، نیم ساعت دنبال پارکینگ گشتیم",
    "پارکینگ طبقاتی داشت و رایگان بود، عالی",
    "نگهبان پارکینگ ماشینمو جابجا کرد",
    "برای پارکینگ جدا پول گرفتن",
    "پارکینگ هتل تنگ بود و ماشین خط افتاد",
]
UNSEEN = "پارکینگ هتل جا نداشت و مجبور شدیم ماشین رو دور پارک کنیم"


def test_a_correction_is_stored_audited_and_enqueues_the_retraining(
    tenants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        correction = feedback_correction_record(
            acting=tenants.agent_a, text="  غذا سرد بود  ", sentiment="negative", topics=["Delivery"]
        )
    assert len(callbacks) == 1
    assert (correction.workspace, correction.text) == (tenants.ws_a, "غذا سرد بود")
    assert correction.topics == ["delivery"]
    assert (correction.urgency, correction.abusive, correction.corrected_by) == ("", None, tenants.agent_a)
    entry = AuditEntry.objects.get(workspace=tenants.ws_a, object_type="feedback.feedbackcorrection")
    assert entry.actor == tenants.agent_a.user and entry.after["sentiment"] == "negative"
    from django_tasks_db.models import DBTaskResult

    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["kwargs"] == {"workspace_id": tenants.ws_a.pk}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"text": "", "sentiment": "negative"}, "text"),
        ({"text": "خ" * 5_001, "sentiment": "negative"}, "text"),
        ({"text": "خوب", "sentiment": "great"}, "sentiment"),
        ({"text": "خوب", "urgency": "urgent"}, "urgency"),
        ({"text": "خوب", "topics": ["پارکینگ"]}, "topics"),
        ({"text": "خوب", "topics": [f"t{i}x" for i in range(11)]}, "topics"),
        ({"text": "خوب"}, "__all__"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_is_stored(tenants, fields, field):
    with pytest.raises(ValidationError) as error:
        feedback_correction_record(acting=tenants.agent_a, **fields)
    assert field in error.value.message_dict
    assert not FeedbackCorrection.objects.exists()


def test_retraining_learns_a_workspace_topic_for_that_workspace_only(
    tenants, django_capture_on_commit_callbacks
):
    for text in PARKING:
        with django_capture_on_commit_callbacks(execute=True):
            feedback_correction_record(acting=tenants.agent_a, text=text, topics=["parking"])
    assert run_waiting_tasks() == len(PARKING)  # the first trains, the others find nothing new
    state = WorkspaceModel.objects.get(workspace=tenants.ws_a)
    assert (state.corrections, state.examples, state.topics) == (6, len(corpus_examples()) + 6, ["parking"])
    assert state.held_out == 1 and state.held_out_accuracy is not None
    assert state.base_held_out_accuracy is not None
    assert workspace_model_path(tenants.ws_a.pk).exists()
    assert not workspace_model_path(tenants.ws_b.pk).exists()

    [in_a] = feedback_analyze(texts=[UNSEEN], workspace=tenants.ws_a)
    [in_b] = feedback_analyze(texts=[UNSEEN], workspace=tenants.ws_b)
    [no_workspace] = feedback_analyze(texts=[UNSEEN])
    assert (in_a.model, in_b.model, no_workspace.model) == ("workspace", "base", "base")
    assert "parking" in in_a.topics
    assert "parking" not in in_b.topics and "parking" not in no_workspace.topics

    # Even a copy of A's file put at B's place is refused: the file names the workspace it was made for.
    workspace_model_path(tenants.ws_b.pk).write_bytes(workspace_model_path(tenants.ws_a.pk).read_bytes())
    [in_b] = feedback_analyze(texts=[UNSEEN], workspace=tenants.ws_b)
    assert in_b.model == "base" and "parking" not in in_b.topics
    # A damaged workspace model: the base model answers for A.
    workspace_model_path(tenants.ws_a.pk).write_bytes(b"broken")
    [in_a] = feedback_analyze(texts=[UNSEEN], workspace=tenants.ws_a)
    assert in_a.model == "base"


def test_a_corrected_sentiment_changes_the_prediction_in_that_workspace(tenants):
    """A headphone shop, where «فشار میاره» (it presses on the ears) is a complaint: its agents teach it so.
    (The base model learnt «گشاد», this test's first example, from the product reviews of the corpus.)"""
    texts = [
        "هدفونش بعد از نیم ساعت روی گوشم فشار میاره",
        "بالشتک‌هاش به گوش فشار میاره",
        "این مدل روی سر فشار میاره",
    ]
    probe = "هدفون روی گوش فشار میاره"
    [before] = feedback_analyze(texts=[probe], workspace=tenants.ws_a)
    assert before.sentiment != "negative"
    for text in texts:
        feedback_correction_record(acting=tenants.owner_a, text=text, sentiment="negative")
    result = feedback_workspace_train(workspace_id=tenants.ws_a.pk)
    assert result["skipped"] is False and result["held_out"] == 0  # fewer than five: nothing held back
    [after_a] = feedback_analyze(texts=[probe], workspace=tenants.ws_a)
    [after_b] = feedback_analyze(texts=[probe], workspace=tenants.ws_b)
    assert (after_a.model, after_a.sentiment) == ("workspace", "negative")
    assert (after_b.model, after_b.sentiment) == ("base", before.sentiment)
    assert feedback_workspace_train(workspace_id=tenants.ws_a.pk)["skipped"] is True
