"""The trained model: hold-out figures on the corpus above stated floors, and clear examples right.

The floors are below what leave-one-domain-out cross-validation gives (docs/feedback-analysis.md), so they
fail when a change breaks the features or the training, not when the figures move by a point.
"""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from mehvar.feedback.analysis import feedback_analyze
from mehvar.feedback.corpus import SENTIMENTS, TOPICS, URGENCIES, corpus_examples
from mehvar.feedback.training import train_model

FLOOR_SENTIMENT_MACRO_F1 = 0.80
FLOOR_TOPIC_MACRO_F1 = 0.65
FLOOR_URGENCY_MACRO_F1 = 0.70


def test_hold_out_figures_on_the_corpus_are_above_the_floors():
    examples = corpus_examples()
    held = examples[2::5]  # every fifth comment, spread over every domain and file
    model = train_model([e for i, e in enumerate(examples) if i % 5 != 2])
    found = model.predict([e.text for e in held]).probabilities
    sentiment = np.asarray(SENTIMENTS)[found["sentiment"].argmax(axis=1)]
    assert f1_score([e.sentiment for e in held], sentiment, average="macro") >= FLOOR_SENTIMENT_MACRO_F1
    urgency = np.asarray(URGENCIES)[found["urgency"].argmax(axis=1)]
    assert f1_score([e.urgency for e in held], urgency, average="macro") >= FLOOR_URGENCY_MACRO_F1
    topic_f1 = [
        f1_score([t in e.topics for e in held], found[f"topic:{t}"] >= model.settings.topic_threshold)
        for t in TOPICS
    ]
    assert np.mean(topic_f1) >= FLOOR_TOPIC_MACRO_F1


CLEAR = [
    # (text, sentiment, a topic it must name or None, urgency or None)
    ("غذا یخ کرده و یک ساعت دیر رسید", "negative", "delivery", None),
    ("پیتزا داغ و خوشمزه بود، دستتون درد نکنه", "positive", "product_quality", "low"),
    ("قیمت‌ها خیلی گرون شده، دیگه نمی‌صرفه", "negative", "price_value", None),
    ("سه بار زنگ زدم پشتیبانی، هیچکس جواب نداد", "negative", "support", None),
    ("اپلیکیشن موقع پرداخت هنگ میکنه و خطا میده", "negative", "website_app", None),
    ("جعبه پاره بود و شیشه‌ها شکسته رسیدن", "negative", "packaging", None),
    ("کالا رو مرجوع کردم ولی هنوز پولم برنگشته", "negative", "refund_return", None),
    ("ساعت کاری شعبه تا چنده؟", "neutral", None, None),
    ("بسیار عالی و سریع، حتما دوباره خرید می‌کنم", "positive", None, "low"),
    ("kheili bad bood, ghaza sard resid", "negative", None, None),
    ("پول از حسابم کم شده ولی تراکنش ناموفق بوده، کلاهبرداریه؟", "negative", None, "high"),
]


@pytest.mark.parametrize(("text", "sentiment", "topic", "urgency"), CLEAR)
def test_clear_examples_come_out_right(text, sentiment, topic, urgency):
    [result] = feedback_analyze(texts=[text])
    assert result.model == "base"
    assert result.sentiment == sentiment
    assert (result.score > 0.3) if sentiment == "positive" else True
    assert (result.score < -0.3) if sentiment == "negative" else True
    assert (result.level > 0) == (sentiment == "positive") and (result.level < 0) == (sentiment == "negative")
    if topic is not None:
        assert topic in result.topics
    if urgency is not None:
        assert result.urgency == urgency


def test_abuse_comes_from_the_lexicon_the_guard_or_the_model():
    results = feedback_analyze(texts=["پشتیبانی‌تون یه مشت احمقن", "کسب و کارتون پر رونق", "ا.ح.م.ق"])
    assert [r.abusive for r in results] == [True, False, True]


def test_a_batch_keeps_its_order_and_empty_texts_are_neutral():
    texts = ["عالی بود", "", "افتضاح بود", "   "]
    results = feedback_analyze(texts=texts)
    assert [r.sentiment for r in results] == ["positive", "neutral", "negative", "neutral"]
    assert results[1].topics == () and results[1].score == 0.0
    assert feedback_analyze(texts=[]) == []


def test_very_long_text_is_read_up_to_the_cap():
    [result] = feedback_analyze(texts=["غذا سرد بود. " * 2_000])
    assert result.sentiment == "negative"
