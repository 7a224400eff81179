"""The API channel's settings and the JSON it accepts and sends."""

import datetime as dt

import pydantic


class ApiConfig(pydantic.BaseModel):
    """``outbound_url``: where agents' replies are POSTed (signed); empty: replies are only stored and can be
    read back through the REST API."""

    model_config = pydantic.ConfigDict(extra="forbid")

    outbound_url: pydantic.HttpUrl | None = None
    timeout_seconds: float = pydantic.Field(default=10.0, gt=0, le=60)


class Sender(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    name: str = pydantic.Field(default="", max_length=200)
    phone: str = pydantic.Field(default="", max_length=40)
    email: str = pydantic.Field(default="", max_length=254)
    telegram: str = pydantic.Field(default="", max_length=64)
    instagram: str = pydantic.Field(default="", max_length=64)
    whatsapp: str = pydantic.Field(default="", max_length=40)
    web_visitor: str = pydantic.Field(default="", max_length=120)
    shop_account: str = pydantic.Field(default="", max_length=120)


class InboundItem(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    id: str = pydantic.Field(min_length=1, max_length=200, description="Your id of the message (dedupe key).")
    sender: Sender = pydantic.Field(alias="from")
    text: str = pydantic.Field(min_length=1, max_length=20_000)
    subject: str = pydantic.Field(default="", max_length=250)
    thread: str = pydantic.Field(default="", max_length=200, description="Your conversation id, if any.")
    sent_at: dt.datetime | None = None


class ReportItem(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    id: str = pydantic.Field(default="", max_length=200, description="The id you answered our POST with.")
    idempotency_key: str = pydantic.Field(default="", max_length=100)
    status: str = pydantic.Field(pattern="^(delivered|read|undelivered)$")
    at: dt.datetime | None = None
    reason: str = pydantic.Field(default="", max_length=300)


class InboundPayload(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    messages: list[InboundItem] = pydantic.Field(default_factory=list, max_length=1000)
    reports: list[ReportItem] = pydantic.Field(default_factory=list, max_length=1000)
