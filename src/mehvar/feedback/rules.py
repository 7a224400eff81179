"""The fallback when no model can be used: a small keyword rule set over ``features.feature_text``.

Used only while the model file is missing, stale or corrupt and cannot be (re)built; results then say
``model="rules"`` and a warning is logged. It is deliberately small and plain: a count of praising and
complaining words (a negated verb counts as a complaint), topic keywords, and the words of urgency. Abuse
is decided by the same lexicons as with the model (``abuse``), which need no model.
"""

import re

from mehvar.feedback.features import feature_text


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


POSITIVE = _words(
    """عالی عالیه خوب خوبه خوشمزه خوشمزهه ممنون ممنونم تشکر متشکر راضی راضیم سریع تمیز تازه بهترین
    فوقالعاده فوقالعادهه دمتان دستمریزاد خستهنباشید حرفنداشت کمنذاشتن بدنبود حرفهای مودب محترم گرم داغ
    سالم ارزان ارزانه مناسب پیشنهاد عاشق دوست لذت _emopos"""
)
NEGATIVE = _words(
    """بد بده افتضاح افتضاحه داغون خراب سرد دیر دیرتر کثیف ضعیف گران گرانه بدترین ناراضی بیکیفیت بیمزه
    شکسته کهنه تقلبی مشکل خسته اعصاب متاسفانه شکایت کلاهبرداری نرسید نیامد بیادب بیاحترامی قطع کند گم
    اشتباه خالی لهشده نشتی _emoneg"""
)
# A negated verb («نبود», «نرسید», «نمیده») is read as a complaint.
_NEGATED_VERB = re.compile(r"^(?:ن|نمی)(?:بود|رسید|دارد|داشت|کرد|کند|دهد|داد|امد|اید|شد|شود|یست)")

TOPIC_WORDS: dict[str, frozenset[str]] = {
    "delivery": _words("ارسال پیک تحویل رسید نرسید رسیده دیر ارسالی پست مرسوله سفارش زمان"),
    "price_value": _words("قیمت گران گرانه ارزان ارزانه تخفیف هزینه پول ارزش میارزید تومان"),
    "product_quality": _words("کیفیت خوشمزه بیمزه طعم تازه کهنه اصل تقلبی جنس سالم خراب مزه"),
    "support": _words("پشتیبانی پشتیبان اپراتور تماس جواب پاسخ کارمند برخورد تلفن"),
    "website_app": _words("سایت اپ اپلیکیشن برنامه صفحه ورود رمز پرداخت درگاه اپدیت نسخه"),
    "packaging": _words("بستهبندی جعبه کارتن ظرف کیسه بسته پلمپ"),
    "refund_return": _words("مرجوع مرجوعی برگشت بازگشت عودت استرداد پس تعویض"),
}
HIGH_URGENCY = _words(
    "کلاهبرداری شکایت پلیس دادگاه وکیل مسدود مسموم مسمومیت بیمارستان خطرناک اورژانس دزدی سرقت غیرمجاز"
)


def rule_analysis(text: str) -> tuple[str, float, int, list[str], str]:
    """(sentiment, score, level, topics, urgency) for one text, by keywords."""
    words = feature_text(text).split()
    positive = sum(w in POSITIVE for w in words)
    negative = sum(w in NEGATIVE or bool(_NEGATED_VERB.match(w)) for w in words)
    total = positive + negative
    score = 0.0 if total == 0 else (positive - negative) / total
    if score > 0:
        sentiment, level = "positive", 2 if score >= 0.99 and positive >= 2 else 1
    elif score < 0:
        sentiment, level = "negative", -2 if score <= -0.99 and negative >= 2 else -1
    else:
        sentiment, level = "neutral", 0
    topics = [topic for topic, keys in TOPIC_WORDS.items() if any(w in keys for w in words)]
    if any(w in HIGH_URGENCY for w in words):
        urgency = "high"
    elif sentiment == "negative" or "?" in words:
        urgency = "normal"
    else:
        urgency = "low"
    return sentiment, round(score, 4), level, topics, urgency
