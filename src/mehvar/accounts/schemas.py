"""API schemas of the signed-in member: their profile and their API tokens."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from mehvar.api.schemas import InputSchema, Text
from mehvar.core.phones import Phone
from mehvar.core.schemas import WorkspaceOut


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    phone: str = Field(description="E.164, or empty")
    language: str
    role: str
    workspace: WorkspaceOut
    permissions: list[str] = Field(examples=[["workspace.view", "members.view"]])


class MePatchIn(InputSchema):
    full_name: Text = Field(None, max_length=150, examples=["سارا محمدی"])
    phone: Phone | None = Field(
        None, description="Persian digits welcome; null clears it", examples=["۰۹۱۲۳۴۵۶۷۸۹"]
    )
    language: Literal["fa", "en"] = Field(None, examples=["fa"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the secret, to recognise it")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Shown once: only its hash is kept")


class TokenIn(InputSchema):
    name: Text = Field(min_length=1, max_length=100, examples=["اتصال به فروشگاه اینترنتی"])
