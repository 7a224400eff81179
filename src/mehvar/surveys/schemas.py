"""API schemas of surveys: surveys with their questions, invitations, responses with their answers."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

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
    answers: list[AnswerOut]

    @staticmethod
    def resolve_answers(obj: Any) -> list[Any]:
        return list(obj.answers.all())
