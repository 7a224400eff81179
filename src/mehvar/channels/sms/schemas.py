"""The SMS channel's settings: one provider-neutral HTTP gateway, shaped like the common Iranian ones.

Kavenegar, SMS.ir, Ghasedak and their kin differ in names, not in kind: a POST with the receptor, the text,
the sender line and a client message id; an answer carrying the provider's message id or an error code; a
callback for received messages and one for delivery reports. The defaults follow the Kavenegar shape; the
field names, paths and codes can be changed per channel (docs/channels/sms.md has worked examples).
"""

import string
from typing import Literal

import pydantic

DELIVERED_STATUSES = ("10", "delivered")  # Kavenegar 10: delivered to the handset
UNDELIVERED_STATUSES = (
    "6",
    "11",
    "13",
    "14",
    "failed",
    "undelivered",
)  # failed, not delivered, cancelled, blocked


class SmsFields(pydantic.BaseModel):
    """The names the gateway gives the fields of a send request."""

    model_config = pydantic.ConfigDict(extra="forbid")

    receptor: str = pydantic.Field(default="receptor", min_length=1, max_length=40)
    message: str = pydantic.Field(default="message", min_length=1, max_length=40)
    sender: str = pydantic.Field(default="sender", min_length=1, max_length=40)
    client_id: str = pydantic.Field(
        default="localid",
        min_length=1,
        max_length=40,
        description="The client message id: the gateway drops a repeat with the same value.",
    )


class SmsConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    base_url: pydantic.HttpUrl = pydantic.Field(
        description="The gateway's address, e.g. https://api.kavenegar.com"
    )
    api_key: str = pydantic.Field(min_length=1, max_length=200)
    sender: str = pydantic.Field(
        min_length=3, max_length=20, pattern=r"^\+?[0-9]+$", description="The line number messages come from."
    )
    send_path: str = pydantic.Field(
        default="/v1/{api_key}/sms/send.json",
        max_length=300,
        description="Appended to base_url; may hold {api_key} where the gateway wants the key in the path.",
    )
    api_key_header: str = pydantic.Field(
        default="",
        max_length=60,
        pattern=r"^[A-Za-z0-9-]*$",
        description="Send the key in this header too (SMS.ir: X-API-KEY, Ghasedak: apikey); empty: do not.",
    )
    body_format: Literal["json", "form"] = "json"
    receptor_format: Literal["national", "international", "e164"] = pydantic.Field(
        default="national", description="national 09121234567, international 989121234567, e164 +989121234567"
    )
    fields: SmsFields = pydantic.Field(default_factory=SmsFields)
    message_id_path: str = pydantic.Field(
        default="entries.0.messageid", max_length=100, description="Where the answer carries the message id."
    )
    error_code_path: str = pydantic.Field(default="return.status", max_length=100)
    error_message_path: str = pydantic.Field(default="return.message", max_length=100)
    transient_codes: list[int] = pydantic.Field(
        default_factory=lambda: [409, 414],
        description="Error codes that mean 'try again later' (Kavenegar: 409 server busy, 414 too many).",
    )
    delivered_statuses: list[str] = pydantic.Field(default_factory=lambda: list(DELIVERED_STATUSES))
    undelivered_statuses: list[str] = pydantic.Field(default_factory=lambda: list(UNDELIVERED_STATUSES))
    max_parts: int = pydantic.Field(default=10, ge=1, le=30, description="Refuse longer replies (cost).")
    timeout_seconds: float = pydantic.Field(default=10.0, gt=0, le=60)

    @pydantic.field_validator("send_path")
    @classmethod
    def _path_template(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as error:
            raise ValueError(f"is not a valid template: {error}") from None
        if names - {"api_key"}:
            raise ValueError("may only contain the placeholder {api_key}")
        return value

    @pydantic.field_validator("delivered_statuses", "undelivered_statuses")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [item.strip().lower() for item in value]
