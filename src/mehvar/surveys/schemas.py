"""API schemas of surveys: surveys with their questions, invitations, responses with their answers."""

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from mehvar.api.schemas import InputSchema
from mehvar.surveys import links


class ChoiceIn(InputSchema):
    key: str = Field(default="", max_length=40, description="Kept when given; otherwise c1, c2, …")
    fa: str = Field(max_length=200, examples=["دیر رسید"])
    en: str = Field(default="", max_length=200, examples=["It was late"])


class ShowIfIn(InputSchema):
    question: int = Field(ge=0, description="The index (from 0) of an earlier question in this list")
    op: str = Field(description="lte, gte, eq or in", examples=["lte"])
    value: int | str | list[int | str] = Field(examples=[6])


class QuestionIn(InputSchema):
    type: str = Field(description="nps, csat, ces, single, multiple, rating, text", examples=["nps"])
    text_fa: str = Field(max_length=500, examples=["چقدر احتمال دارد ما را به دوستانتان پیشنهاد کنید؟"])
    text_en: str = Field(default="", max_length=500)
    choices: list[ChoiceIn] = Field(default_factory=list, max_length=20)
    required: bool = False
    show_if: ShowIfIn | None = None


class SurveyIn(InputSchema):
    kind: str = Field(description="nps, csat, ces, custom, enps", examples=["nps"])
    title_fa: str = Field(max_length=200, examples=["نظر شما دربارهٔ پشتیبانی"])
    title_en: str = Field(default="", max_length=200)
    intro_fa: str = Field(default="", max_length=1000)
    intro_en: str = Field(default="", max_length=1000)
    trigger: str = Field(
        default="manual",
        description="manual, conversation_resolved, delivery, first_purchase, relationship",
    )
    active: bool = False
    anonymous: bool = False
    throttle_days: int = Field(default=0, ge=0, le=730)
    delay_days: int = Field(default=0, ge=0, le=730)
    questions: list[QuestionIn] | None = Field(
        default=None, max_length=30, description="Empty: the kind's default questions"
    )

    def service_questions(self) -> list[dict[str, Any]] | None:
        if self.questions is None:
            return None
        return [q.model_dump() for q in self.questions]


class QuestionOut(Schema):
    id: int
    type: str
    text_fa: str
    text_en: str
    choices: list[dict[str, str]]
    required: bool
    position: int
    show_if_question_id: int | None
    show_if_op: str
    show_if_value: Any


class SurveyOut(Schema):
    id: int
    kind: str
    trigger: str
    title_fa: str
    title_en: str
    intro_fa: str
    intro_en: str
    active: bool
    anonymous: bool
    throttle_days: int
    delay_days: int
    created_at: dt.datetime
    updated_at: dt.datetime
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj: Any) -> list[Any]:
        return [q for q in obj.questions.all() if q.removed_at is None]


class InvitationIn(InputSchema):
    customer_id: int = Field(ge=1)


class InvitationOut(Schema):
    id: int
    customer_id: int
    channel_id: int
    conversation_id: int | None
    origin: str
    language: str
    url: str = Field(description="The customer's survey page")
    send_at: dt.datetime
    sent_at: dt.datetime | None
    reminded_at: dt.datetime | None
    opened_at: dt.datetime | None
    answered_at: dt.datetime | None
    expires_at: dt.datetime
    cancelled_reason: str

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return links.absolute(links.survey_path(obj))


class AnswerOut(Schema):
    question_id: int
    value: int | None
    choices: list[str]
    text: str
    flags: list[str] = Field(description="Why the text was flagged: truncated, insult, profanity…")
    sentiment: str
    via: str = Field(description="form, or link (one tap)")


class ResponseOut(Schema):
    id: int
    invitation_id: int | None
    customer_id: int | None
    conversation_id: int | None
    agent_id: int | None
    channel_kind: str
    language: str
    score: int | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    external_id: str = Field(description="Its id in the system it was imported from; empty otherwise")
    answers: list[AnswerOut]

    @staticmethod
    def resolve_answers(obj: Any) -> list[Any]:
        return list(obj.answers.all())


# --- Changing a survey ------------------------------------------------------------------------------------


class SurveyPatchIn(InputSchema):
    """The fields to change; those left out stay. Limits are checked by the service, whose messages name the
    field. Questions are changed on the survey's page (or its question services), not here."""

    title_fa: str = Field(
        None, description="At most 200 characters; not empty", examples=["نظر شما دربارهٔ ما"]
    )
    title_en: str = Field(None, description="At most 200 characters")
    intro_fa: str = Field(None, description="At most 1,000 characters", examples=["فقط یک دقیقه وقت می‌گیرد."])
    intro_en: str = Field(None, description="At most 1,000 characters")
    active: bool = Field(None, examples=[True])
    anonymous: bool = Field(None, description="Can change only while nobody has answered")
    trigger: str = Field(
        None, description="manual, conversation_resolved, delivery, first_purchase, relationship"
    )
    delay_days: int | str = Field(
        None, description="0 to 730 (a relationship survey: at least 7); Persian digits too", examples=[90]
    )
    throttle_days: int | str = Field(None, description="0 to 730; Persian digits too", examples=[30])

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


# --- Importing historic responses -------------------------------------------------------------------------


class BulkInput(BaseModel):
    """A bulk body: plain pydantic (no per-object ORM validator), unknown fields refused. Types are loose on
    purpose: the import service checks every item and names every problem at once."""

    model_config = ConfigDict(extra="forbid")


class ImportIdentityIn(BulkInput):
    kind: str = Field(examples=["phone"], description="phone, email, telegram, instagram, …")
    value: str = Field(
        examples=["۰۹۱۲ ۳۴۵ ۶۷۸۹"], description="As written: Persian digits and spaces are fine"
    )


class ImportAnswerIn(BulkInput):
    question: int | None = Field(None, description="The question's id …", examples=[101])
    position: int | None = Field(None, description="… or its `position` as `GET /surveys/{id}` shows it")
    value: int | str | None = Field(None, description="A scale's number (Persian digits too)", examples=[9])
    choices: list[str] | None = Field(None, description="Choice keys", examples=[["c1"]])
    text: str | None = Field(
        None, description="Free text (capped at 2,000 characters)", examples=["ارسال سریع بود"]
    )


class ImportItemIn(BulkInput):
    external_id: str = Field(
        description="Its id in the system it comes from, at most 100 characters; sent again, it is reported "
        "as existing and stored once",
        examples=["old-crm-1403-0042"],
    )
    answered_at: str = Field(
        description="Jalali (`۱۴۰۳/۰۷/۱۵ ۱۰:۳۰`, Tehran time) or ISO 8601", examples=["۱۴۰۳/۰۷/۱۵ ۱۰:۳۰"]
    )
    customer_id: int | str | None = Field(None, description="Whose answer, by customer id …")
    identities: list[ImportIdentityIn] | None = Field(
        None,
        max_length=20,
        description="… or by identities, resolved like everywhere else (a new customer is created). "
        "An anonymous survey takes neither.",
        examples=[[{"kind": "phone", "value": "۰۹۱۲ ۳۴۵ ۶۷۸۹"}]],
    )
    channel: str = Field("", description="sms, email, telegram, webchat, phone, api", examples=["sms"])
    language: str = Field("fa", description="fa or en")
    answers: list[ImportAnswerIn] = Field(max_length=30)


class ResponsesImportIn(BulkInput):
    items: list[ImportItemIn] = Field(min_length=1, max_length=1000)

    def service_items(self) -> list[dict[str, Any]]:
        return [item.model_dump(exclude_none=True) for item in self.items]


class ImportedOut(Schema):
    index: int
    id: int = Field(description="The response's id")
    customer_id: int | None
    created: bool = Field(description="false when this survey already had the external id")


class ResponsesImportOut(Schema):
    created: int
    existing: int
    items: list[ImportedOut]
