"""The rows of the survey reports benchmark (``bench/survey_dataset.py`` loads them): every table's rows are
drawn from one seeded sequence of responses, so that invitations, responses and answers agree without being
held in memory (each table's loader walks the sequence again).
"""

import datetime as dt
import itertools
import json
import math
import random
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from django.db import connection, models

from mehvar.channels.models import Channel
from mehvar.customers.models import Customer
from mehvar.customers.search import search_text_for
from mehvar.feedback.corpus import TOPICS
from mehvar.surveys.models import (
    Answer,
    Invitation,
    Question,
    QuestionType,
    Response,
    Survey,
    SurveyKind,
    Trigger,
)
from mehvar.surveys.reports.rollups import current_month, month_previous, month_start, months_between

MONTHS = 13  # the last 13 Jalali months, the current one included
CUSTOMERS_MAX = 200_000
AGENTS = 40
TEAMS = ("پشتیبانی تهران", "پشتیبانی شیراز", "فروش", "ارسال و مرجوعی", "مشتریان ویژه")
CHANNELS = (  # kind, name, share of the responses
    ("sms", "پیامک", 0.40),
    ("email", "ایمیل", 0.20),
    ("telegram", "تلگرام", 0.20),
    ("webchat", "گفتگوی وب", 0.15),
    ("api", "API", 0.05),
)
SURVEYS = (  # kind, trigger, days after the event (or between relationship surveys), title, share
    (SurveyKind.NPS, Trigger.RELATIONSHIP, 90, "نظرسنجی وفاداری مشتریان", 0.4),
    (SurveyKind.CSAT, Trigger.CONVERSATION_RESOLVED, 0, "رضایت از گفتگو با پشتیبانی", 0.4),
    (SurveyKind.CES, Trigger.DELIVERY, 1, "سهولت دریافت سفارش", 0.2),
)
WITH_AGENT = 0.9
COMMENTED = 0.4

# Fifty comments: (text, sentiment, topics). Topic keys are the feedback engine's (feedback.corpus.TOPICS).
COMMENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("بسته دو هفته دیرتر از زمانی که گفته بودید رسید.", "negative", ("delivery",)),
    ("قیمت‌ها نسبت به ماه قبل خیلی گران‌تر شده است.", "negative", ("price_value",)),
    ("کیفیت پارچه اصلاً با عکس‌های سایت یکی نبود.", "negative", ("product_quality",)),
    ("پشتیبانی سه بار تماس مرا بی‌جواب گذاشت.", "negative", ("support",)),
    ("برنامه موقع پرداخت مدام خطا می‌دهد.", "negative", ("website_app",)),
    ("جعبه له شده بود و یکی از لیوان‌ها شکسته بود.", "negative", ("packaging", "delivery")),
    ("هنوز پول سفارش مرجوعی‌ام را پس نداده‌اید.", "negative", ("refund_return",)),
    ("پیک بدون هماهنگی آمد و بسته را جلوی در گذاشت.", "negative", ("delivery",)),
    ("برای این کیفیت، قیمت منصفانه نیست.", "negative", ("price_value", "product_quality")),
    ("کارشناس پشتیبانی مشکل را نفهمید و تماس را قطع کرد.", "negative", ("support",)),
    ("سایت کند است و سبد خرید خالی می‌شود.", "negative", ("website_app",)),
    ("مرجوع کردن کالا خیلی دردسر داشت و فرمش پیچیده بود.", "negative", ("refund_return",)),
    ("کالا معیوب بود و بعد از دو روز خراب شد.", "negative", ("product_quality",)),
    ("بسته‌بندی ضعیف بود و محصول خیس شده بود.", "negative", ("packaging",)),
    ("هزینهٔ ارسال از خود کالا بیشتر شد.", "negative", ("price_value", "delivery")),
    ("جواب پیام‌هایم در تلگرام بعد از سه روز آمد.", "negative", ("support",)),
    ("کد تخفیف در برنامه کار نکرد و مجبور شدم گران‌تر بخرم.", "negative", ("website_app", "price_value")),
    ("سفارش سر موقع رسید ولی بسته‌بندی معمولی بود.", "neutral", ("delivery", "packaging")),
    ("قیمت‌ها کمی بالاست اما کیفیت بد نیست.", "neutral", ("price_value", "product_quality")),
    ("پشتیبانی جواب داد ولی کمی طول کشید.", "neutral", ("support",)),
    ("برنامه کار می‌کند، فقط جستجویش ضعیف است.", "neutral", ("website_app",)),
    ("کالا همانی بود که سفارش داده بودم.", "neutral", ("product_quality",)),
    ("مرجوعی انجام شد ولی پیگیری‌اش زمان برد.", "neutral", ("refund_return",)),
    ("زمان ارسال قابل قبول بود.", "neutral", ("delivery",)),
    ("بسته‌بندی ساده بود و آسیبی ندیده بود.", "neutral", ("packaging",)),
    ("نسبت به فروشگاه‌های دیگر قیمت‌ها تقریباً یکسان است.", "neutral", ("price_value",)),
    ("کارشناس مؤدب بود اما راه‌حل قطعی نداد.", "neutral", ("support",)),
    ("ثبت سفارش در سایت کمی گیج‌کننده بود.", "neutral", ("website_app",)),
    ("کیفیت متوسط بود، نه خوب نه بد.", "neutral", ("product_quality",)),
    ("پول برگشت داده شد ولی یک هفته طول کشید.", "neutral", ("refund_return",)),
    ("پیک کمی دیر کرد اما خبر داد.", "neutral", ("delivery",)),
    ("هنوز از محصول استفاده نکرده‌ام.", "neutral", ()),
    ("اطلاعات پیگیری مرسوله گاهی به‌روز نمی‌شد.", "neutral", ("delivery", "website_app")),
    ("ارسال خیلی سریع بود، ممنونم.", "positive", ("delivery",)),
    ("کیفیت محصول عالی بود و دقیقاً مثل عکس بود.", "positive", ("product_quality",)),
    ("پشتیبانی خیلی صبور و مهربان بود.", "positive", ("support",)),
    ("با این قیمت، بهتر از این نمی‌شد.", "positive", ("price_value",)),
    ("بسته‌بندی تمیز و محکم بود.", "positive", ("packaging",)),
    ("برنامه ساده و سریع است، خرید کردن لذت‌بخش بود.", "positive", ("website_app",)),
    ("مرجوعی بدون هیچ سؤالی انجام شد، عالی بود.", "positive", ("refund_return",)),
    ("همکارتان مشکل را در چند دقیقه حل کرد.", "positive", ("support",)),
    ("کالا یک روز زودتر از موعد رسید.", "positive", ("delivery",)),
    ("جنس محصول بسیار خوب است و ارزش خرید دارد.", "positive", ("product_quality", "price_value")),
    ("تخفیف‌های این ماه واقعاً به‌صرفه بود.", "positive", ("price_value",)),
    ("بسته‌بندی کادویی خیلی قشنگ بود.", "positive", ("packaging",)),
    ("از پاسخ‌گویی سریع در چت سایت ممنونم.", "positive", ("support", "website_app")),
    ("پول برگشتی همان روز به حسابم واریز شد.", "positive", ("refund_return",)),
    ("همه‌چیز عالی بود، باز هم خرید می‌کنم.", "positive", ()),
    ("پیک خوش‌برخورد بود و بسته سالم رسید.", "positive", ("delivery", "packaging")),
    ("کیفیت و قیمت هر دو عالی بودند.", "positive", ("product_quality", "price_value")),
)


def _columns(model: type[models.Model], given: list[str]) -> tuple[list[str], tuple[Any, ...]]:
    """All the model's columns: ``given`` first, then the others with their defaults (prepared for the
    database once), so that a column added later with a default does not break the loader."""
    fields = {field.column: field for field in model._meta.concrete_fields}
    unknown = set(given) - set(fields)
    if unknown:
        raise AssertionError(f"{model.__name__} has no columns {sorted(unknown)}")
    rest = [column for column in fields if column not in given]
    defaults = []
    for column in rest:
        field = fields[column]
        if not field.null and not field.has_default() and not field.empty_strings_allowed:
            raise AssertionError(f"{model.__name__}.{column}: no value and no default; update the loader")
        value = field.get_default() if field.has_default() else (None if field.null else "")
        prepared = field.get_db_prep_save(value, connection)
        if isinstance(field, models.JSONField):
            prepared = json.dumps(value)  # COPY's text format and SQLite both take JSON text
        defaults.append(prepared)
    return [*given, *rest], tuple(defaults)


class Plan:
    """The data, drawn from the seed: every table's rows come from the same sequence of responses."""

    def __init__(
        self,
        *,
        workspace_id: int,
        responses: int,
        customers: int,
        surveys: list[Survey],
        channels: list[Channel],
        agents: list[tuple[int, int]],
        seed: int,
        now: dt.datetime,
    ) -> None:
        self.workspace_id = workspace_id
        self.responses = responses
        self.customers = customers
        self.surveys = surveys
        self.channels = channels
        self.agents = agents
        self.seed = seed
        self.now = now.replace(microsecond=0)
        last = current_month(now)
        first = last
        for _ in range(MONTHS - 1):
            first = month_previous(first)
        self.months = months_between(first, last)
        questions = {
            s.pk: list(Question.objects.filter(survey=s).order_by("position", "pk")) for s in surveys
        }
        self.score_question = {
            pk: next(q.pk for q in qs if q.type != QuestionType.TEXT) for pk, qs in questions.items()
        }
        # The NPS survey asks "what went wrong?" up to 6 and "what did you like?" from 7; the others have
        # one follow-up (asked for low scores only; here it holds every comment, to reach 40%).
        self.text_questions = {
            pk: [q.pk for q in qs if q.type == QuestionType.TEXT] for pk, qs in questions.items()
        }
        quality = random.Random(seed * 7919 + 1)
        self.agent_quality = [quality.uniform(-1, 1) for _ in agents]
        postgres = connection.vendor == "postgresql"
        self.suffix = "+00" if postgres else ""

    def stamp(self, moment: dt.datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M:%S") + self.suffix

    def draws(self) -> Iterator[SimpleNamespace]:
        """One response after the other, oldest first: what every table's rows are made of."""
        rng = random.Random(self.seed)
        per_month, extra = divmod(self.responses, len(self.months))
        survey_weights = list(itertools.accumulate(share for *_rest, share in SURVEYS))
        channel_weights = list(itertools.accumulate(share for *_rest, share in CHANNELS))
        by_sentiment: dict[str, list[int]] = {}
        for n, (_text, sentiment, _topics) in enumerate(COMMENTS):
            by_sentiment.setdefault(sentiment, []).append(n)
        number = 0
        for index, month in enumerate(self.months):
            start = month_start(month)
            end = min(
                month_start(self.months[index + 1]) if index + 1 < len(self.months) else self.now, self.now
            )
            span = max(60.0, (end - start).total_seconds() - 1)
            count = per_month + (1 if index < extra else 0)
            trend = 0.6 * math.sin(2 * math.pi * index / len(self.months)) + 0.05 * index
            for k in range(count):
                moment = start + dt.timedelta(seconds=int((k + rng.random()) * span / count))
                survey = rng.choices(self.surveys, cum_weights=survey_weights)[0]
                channel = rng.choices(self.channels, cum_weights=channel_weights)[0]
                slot = rng.randrange(len(self.agents)) if rng.random() < WITH_AGENT else None
                quality = self.agent_quality[slot] if slot is not None else 0.0
                score = _score(survey.kind, quality, trend, rng)
                comment = None
                if rng.random() < COMMENTED:
                    comment = rng.choice(by_sentiment[_sentiment(survey.kind, score, rng)])
                number += 1
                yield SimpleNamespace(
                    number=number,
                    moment=moment,
                    survey=survey,
                    channel=channel,
                    agent=self.agents[slot] if slot is not None else (None, None),
                    customer=1 + rng.randrange(self.customers),
                    score=score,
                    comment=comment,
                    comment_polarity=rng.random(),
                    sent_before=rng.randrange(300, 2 * 86400),
                    other_sent_before=rng.randrange(0, 3 * 86400),
                )

    def customer_rows(self) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        given = ["id", "workspace_id", "display_name", "phone", "search_text", "first_seen_at", "created_at"]
        given += ["updated_at"]
        columns, defaults = _columns(Customer, given)
        now = self.stamp(self.now)

        def rows() -> Iterator[tuple[Any, ...]]:
            for pk in range(1, self.customers + 1):
                customer = Customer(display_name=f"مشتری {pk}", phone=f"+98912{pk:07d}")
                text = search_text_for(customer, [])
                yield (
                    pk,
                    self.workspace_id,
                    customer.display_name,
                    customer.phone,
                    text,
                    now,
                    now,
                    now,
                    *defaults,
                )

        return columns, rows()

    def invitation_rows(self) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        given = ["id", "workspace_id", "survey_id", "customer_id", "channel_id", "address", "agent_id"]
        given += [
            "origin",
            "token",
            "created_at",
            "send_at",
            "sent_at",
            "opened_at",
            "answered_at",
            "expires_at",
        ]
        columns, defaults = _columns(Invitation, given)
        stamp, fortnight = self.stamp, dt.timedelta(days=14)

        def rows() -> Iterator[tuple[Any, ...]]:
            for d in self.draws():
                agent_id = d.agent[0]
                address = f"+98912{d.customer:07d}"
                # the answered invitation (id 2n - 1), then one that was never answered (id 2n)
                sent = d.moment - dt.timedelta(seconds=d.sent_before)
                at, answered = stamp(sent), stamp(d.moment)
                yield (
                    2 * d.number - 1,
                    self.workspace_id,
                    d.survey.pk,
                    d.customer,
                    d.channel.pk,
                    address,
                    agent_id,
                    "trigger",
                    f"bs{2 * d.number - 1:030d}",
                    at,
                    at,
                    at,
                    answered,
                    answered,
                    stamp(sent + fortnight),
                    *defaults,
                )
                other = d.moment - dt.timedelta(seconds=d.other_sent_before)
                at = stamp(other)
                yield (
                    2 * d.number,
                    self.workspace_id,
                    d.survey.pk,
                    1 + (d.customer * 7919) % self.customers,
                    d.channel.pk,
                    address,
                    agent_id,
                    "trigger",
                    f"bs{2 * d.number:030d}",
                    at,
                    at,
                    at,
                    None,
                    None,
                    stamp(other + fortnight),
                    *defaults,
                )

        return columns, rows()

    def response_rows(self) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        given = ["id", "workspace_id", "survey_id", "invitation_id", "customer_id", "agent_id", "team_id"]
        given += ["channel_kind", "language", "score", "created_at", "submitted_at"]
        columns, defaults = _columns(Response, given)

        def rows() -> Iterator[tuple[Any, ...]]:
            for d in self.draws():
                at = self.stamp(d.moment)
                agent_id, team_id = d.agent
                yield (
                    d.number,
                    self.workspace_id,
                    d.survey.pk,
                    2 * d.number - 1,
                    d.customer,
                    agent_id,
                    team_id,
                    d.channel.kind,
                    "fa",
                    d.score,
                    at,
                    at,
                    *defaults,
                )

        return columns, rows()

    def answer_rows(self) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
        given = ["id", "workspace_id", "response_id", "question_id", "value", "text", "sentiment"]
        given += ["sentiment_score", "topics", "via", "created_at"]
        columns, defaults = _columns(Answer, given)
        topics = [json.dumps(list(t)) for _text, _s, t in COMMENTS]

        def rows() -> Iterator[tuple[Any, ...]]:
            pk = 0
            for d in self.draws():
                at = self.stamp(d.moment)
                pk += 1
                yield (
                    pk,
                    self.workspace_id,
                    d.number,
                    self.score_question[d.survey.pk],
                    d.score,
                    "",
                    "",
                    None,
                    "[]",
                    "form",
                    at,
                    *defaults,
                )
                if d.comment is None:
                    continue
                text, sentiment, _topics = COMMENTS[d.comment]
                pk += 1
                yield (
                    pk,
                    self.workspace_id,
                    d.number,
                    self._text_question(d),
                    None,
                    text,
                    sentiment,
                    _sentiment_score(sentiment, d.comment_polarity),
                    topics[d.comment],
                    "form",
                    at,
                    *defaults,
                )

        return columns, rows()

    def _text_question(self, d: SimpleNamespace) -> int:
        texts = self.text_questions[d.survey.pk]
        if d.survey.kind == SurveyKind.NPS and len(texts) > 1:
            return texts[0] if d.score <= 6 else texts[1]
        return texts[0]


def _score(kind: str, quality: float, trend: float, rng: random.Random) -> int:
    """A score around the agent's quality and the month's trend."""
    if kind == SurveyKind.NPS:
        return max(0, min(10, round(7.4 + 1.4 * quality + trend + rng.gauss(0, 2.2))))
    if kind == SurveyKind.CSAT:
        return max(1, min(5, round(3.9 + 0.7 * quality + 0.4 * trend + rng.gauss(0, 1.0))))
    return max(1, min(7, round(5.3 + 0.9 * quality + 0.5 * trend + rng.gauss(0, 1.3))))


def _sentiment(kind: str, score: int, rng: random.Random) -> str:
    low, high = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}.get(kind, (1, 7))
    share = (score - low) / (high - low)
    if rng.random() < 0.1:
        return rng.choice(("negative", "neutral", "positive"))
    return "negative" if share < 0.45 else ("positive" if share >= 0.75 else "neutral")


def _sentiment_score(sentiment: str, polarity: float) -> float:
    if sentiment == "negative":
        return round(-0.35 - 0.6 * polarity, 3)
    if sentiment == "positive":
        return round(0.3 + 0.65 * polarity, 3)
    return round(-0.2 + 0.4 * polarity, 3)


assert {t for _text, _s, topics in COMMENTS for t in topics} <= set(TOPICS)
