"""One comment read straight from the model's vocabularies scores as the batch path does."""

import numpy as np
import pytest

from mehvar.feedback.analysis import feedback_analyze, feedback_base_model, model_analyze
from mehvar.feedback.corpus import corpus_examples
from mehvar.feedback.features import feature_text
from mehvar.feedback.one_comment import OneComment, word_vectoriser_fits

ODD = [
    "",
    " ",
    "a",
    "یک",
    "خیلی   خوب\tبود\nممنون",
    "خوب خوب خوب",  # the same word three times: counts, not presence
    "اصلا خوب نبود ولی پیک مودب بود",  # negated and contrasted lexicon entries
    "کلمه‌ای-با-خط‌تیره و zwnj qqqq",  # words the vocabularies never saw
]


@pytest.fixture(scope="module")
def model(trained_dir):
    from django.test import override_settings

    with override_settings(FEEDBACK_MODEL_DIR=str(trained_dir)):
        found = feedback_base_model()
    assert found is not None
    return found


def test_the_scores_are_the_batch_paths_on_the_corpus(model):
    prepared = [feature_text(example.text) for example in corpus_examples()][::3] + ODD
    batch = np.asarray(model.matrix(prepared) @ model.coef) + model.intercept
    one = model._one_comment()
    assert isinstance(one, OneComment)
    single = np.vstack([one.scores(text) for text in prepared])
    assert single.shape == batch.shape and single.dtype == batch.dtype
    np.testing.assert_allclose(single, batch, rtol=1e-4, atol=1e-5)
    for head in model.heads:  # every head decides the same
        columns = slice(head.start, head.stop)
        if head.binary:
            assert ((single[:, columns] > 0) == (batch[:, columns] > 0)).all(), head.name
        else:
            assert (single[:, columns].argmax(axis=1) == batch[:, columns].argmax(axis=1)).all(), head.name
    assert np.abs(batch).sum() > 1000  # real scores, not a comparison of zeros


def test_feedback_analyze_of_one_text_equals_its_reading_in_a_batch(model):
    texts = [example.text for example in corpus_examples()[:60]] + ODD
    together = model_analyze(model, "base", texts)
    alone = [model_analyze(model, "base", [text])[0] for text in texts]
    assert [a.sentiment for a in alone] == [t.sentiment for t in together]
    assert [a.topics for a in alone] == [t.topics for t in together]
    assert [a.urgency for a in alone] == [t.urgency for t in together]
    assert [a.abusive for a in alone] == [t.abusive for t in together]
    assert [a.level for a in alone] == [t.level for t in together]
    np.testing.assert_allclose([a.score for a in alone], [t.score for t in together], atol=2e-4)


def test_a_vectoriser_read_otherwise_takes_the_batch_path(model):
    import copy

    other = copy.deepcopy(model)
    other.word.lowercase = True
    assert not word_vectoriser_fits(other.word)
    assert other._one_comment() is None
    [result] = feedback_analyze(texts=["غذا سرد رسید"])  # the base model, through the usual path
    assert result.sentiment == "negative"
    scores = other.raw_scores([feature_text("غذا سرد رسید")])
    assert scores.shape == (1, model.coef.shape[1])
