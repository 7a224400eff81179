"""API schemas of the feedback analysis."""

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from mehvar.api.schemas import InputSchema
from mehvar.feedback.analysis import MAX_TEXT_LENGTH
from mehvar.feedback.corpus import SENTIMENTS, URGENCIES
from mehvar.feedback.services import MAX_TOPICS

MAX_TEXTS = 1_000

SentimentName = Literal[SENTIMENTS]  # type: ignore[valid-type]
UrgencyName = Literal[URGENCIES]  # type: ignore[valid-type]
FeedbackText = Annotated[str, Field(max_length=MAX_TEXT_LENGTH, examples=["غذا سرد رسید ولی پیک مودب بود"])]
TopicName = Annotated[str, Field(max_length=40, examples=["delivery"])]


class AnalyzeIn(InputSchema):
    texts: list[FeedbackText] = Field(
        min_length=1,
        max_length=MAX_TEXTS,
        description=f"۱ تا ۱٬۰۰۰ متن، هر کدام حداکثر {MAX_TEXT_LENGTH:,} نویسه",
        examples=[["خیلی خوشمزه بود، ممنون 😍", "سه روزه پولم برنگشته، جواب هم نمیدید!"]],
    )


class AnalysisOut(Schema):
    sentiment: SentimentName = Field(examples=["negative"])
    score: float = Field(
        ge=-1, le=1, description="احتمال مثبت منهای احتمال منفی، از ‎-1 تا 1", examples=[-0.82]
    )
    level: int = Field(ge=-2, le=2, description="امتیاز پنج‌سطحی، ‎-2 تا 2", examples=[-2])
    topics: list[str] = Field(examples=[["refund_return", "support"]])
    urgency: UrgencyName = Field(examples=["high"])
    abusive: bool = Field(examples=[False])
    model: Literal["workspace", "base", "rules"] = Field(examples=["base"])


class AnalyzeOut(Schema):
    model: Literal["workspace", "base", "rules"] = Field(
        description="workspace: مدل خود فضای کار؛ base: مدل پایه؛ "
        "rules: قاعده‌های کلیدواژه‌ای (مدل در دسترس نبود)",
        examples=["base"],
    )
    warning: str | None = Field(description="وقتی قاعده‌ها پاسخ داده‌اند، چرا", examples=[None])
    results: list[AnalysisOut]


class CorrectionIn(InputSchema):
    text: FeedbackText
    sentiment: SentimentName | None = Field(default=None, examples=["negative"])
    topics: list[TopicName] | None = Field(
        default=None, max_length=MAX_TOPICS, examples=[["delivery", "parking"]]
    )
    urgency: UrgencyName | None = Field(default=None, examples=["normal"])
    abusive: bool | None = Field(default=None, examples=[False])


class CorrectionOut(Schema):
    id: int
    text: str
    sentiment: str | None
    topics: list[str] | None
    urgency: str | None
    abusive: bool | None
    created_at: dt.datetime

    @staticmethod
    def resolve_sentiment(obj) -> str | None:
        return obj.sentiment or None

    @staticmethod
    def resolve_urgency(obj) -> str | None:
        return obj.urgency or None


class WorkspaceModelOut(Schema):
    model: Literal["workspace", "base", "rules"]
    trained_at: dt.datetime | None
    examples: int
    corrections: int
    held_out: int = Field(description="اصلاح‌هایی که برای سنجش کنار گذاشته شد")
    held_out_accuracy: float | None = Field(description="سهم برچسب‌های درست مدل فضای کار روی آن‌ها")
    base_held_out_accuracy: float | None = Field(description="همان سهم برای مدل پایه، برای مقایسه")
    topics: list[str] = Field(description="موضوع‌های خود فضای کار که مدل آموخته")


# --- Imported reviews -------------------------------------------------------------------------------------


class BulkInput(BaseModel):
    """A bulk body: plain pydantic (no per-object ORM validator), unknown fields refused. Types are loose on
    purpose: the import service checks every item and names every problem at once, in the caller's
    language."""

    model_config = ConfigDict(extra="forbid")


class ReviewIdentityIn(BulkInput):
    kind: str = Field(examples=["phone"], description="phone, email, telegram, instagram, shop_account, …")
    value: str = Field(
        examples=["۰۹۱۲ ۳۴۵ ۶۷۸۹"], description="همان‌طور که نوشته شده: رقم فارسی و فاصله مشکلی ندارد"
    )


class ReviewItemIn(BulkInput):
    source: str = Field(description="از کجا: ۲ تا ۲۰ حرف کوچک لاتین، رقم، «-» و «_»", examples=["digikala"])
    external_id: str = Field(
        description="شناسهٔ نظر در همان‌جا، حداکثر ۱۰۰ نویسه؛ با `source` در هر فضای کار یک بار ذخیره می‌شود",
        examples=["dk-88123456"],
    )
    text: str = Field(
        description="متن نظر (تا ۵٬۰۰۰ نویسه نگه داشته می‌شود)",
        examples=["گوشی سالم رسید ولی جعبه‌اش له شده بود"],
    )
    written_at: str = Field(
        description="زمان نوشتن: شمسی (`۱۴۰۳/۰۷/۱۵ ۱۰:۳۰` به وقت تهران) یا ISO 8601",
        examples=["۱۴۰۳/۰۷/۱۵ ۱۰:۳۰"],
    )
    rating: int | str | None = Field(
        None, description="امتیاز، از ۰ تا `rating_max` (رقم فارسی هم)", examples=[4]
    )
    rating_max: int | str | None = Field(None, description="بالاترین امتیاز در آن‌جا؛ پیش‌فرض ۵", examples=[5])
    identities: list[ReviewIdentityIn] | None = Field(
        None,
        max_length=20,
        description="نویسنده اگر شناخته است: مثل همه‌جا پیدا یا ساخته می‌شود و نظر روی خط زمانی‌اش می‌آید",
        examples=[[{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}]],
    )


class ReviewsImportIn(BulkInput):
    items: list[ReviewItemIn] = Field(min_length=1, max_length=1000)

    def service_items(self) -> list[dict[str, Any]]:
        return [item.model_dump(exclude_none=True) for item in self.items]


class ReviewImportedOut(Schema):
    index: int
    id: int = Field(description="شناسهٔ نظر در محور")
    customer_id: int | None
    created: bool = Field(description="false وقتی این `source` و `external_id` از پیش ذخیره شده بود")


class ReviewsImportOut(Schema):
    created: int
    existing: int
    items: list[ReviewImportedOut]


class ReviewOut(Schema):
    id: int
    source: str = Field(examples=["digikala"])
    external_id: str = Field(examples=["dk-88123456"])
    customer_id: int | None
    rating: int | None = Field(examples=[2])
    rating_max: int | None = Field(examples=[5])
    text: str = Field(examples=["گوشی سالم رسید ولی جعبه‌اش له شده بود"])
    written_at: dt.datetime
    sentiment: SentimentName = Field(examples=["negative"])
    score: float = Field(examples=[-0.61])
    topics: list[str] = Field(examples=[["packaging"]])
    urgency: UrgencyName = Field(examples=["normal"])
    abusive: bool = Field(examples=[False])
    model: Literal["workspace", "base", "rules"] = Field(examples=["base"])
    created_at: dt.datetime
