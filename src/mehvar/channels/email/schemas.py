"""The e-mail channel's settings: the mailbox we write from, its SMTP server, and optionally its IMAP server.

Every field is flat (``smtp_port``, ``imap_folder``…) so that a validation error names the one field to fix.
``smtp_security``/``imap_security``: ``tls`` is TLS from the first byte (SMTPS 465, IMAPS 993), ``starttls``
upgrades a plain connection (submission 587, IMAP 143), ``none`` is for a relay on the same machine only.
``transport: platform`` sends replies through the platform's own mail settings (``EMAIL_URL``) instead of
the mailbox's SMTP server: the demo's file backend under var/, or an operator's relay.
Without ``imap_host`` the mailbox is not polled; messages then arrive through the forwarded-MIME webhook.
Passwords are kept in the channel's settings as given (see docs/channels/email.md). Error messages are
translated: the API shows them as they are (``mehvar.api.validation``).
"""

from typing import Annotated, Literal

import pydantic
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

Security = Literal["none", "starttls", "tls"]
Port = Annotated[int, pydantic.Field(ge=1, le=65535)]


def _host(value: str) -> str:
    value = value.strip()
    if any(char.isspace() for char in value) or "/" in value:
        raise ValueError(_("A host name has no spaces or slashes, e.g. smtp.example.com."))
    return value


class EmailConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)

    address: str = pydantic.Field(max_length=254, description="The mailbox customers write to (our From).")
    display_name: str = pydantic.Field(default="", max_length=120, description="The name shown as sender.")

    transport: Literal["smtp", "platform"] = "smtp"
    smtp_host: str = pydantic.Field(default="", validate_default=True, max_length=253)
    smtp_port: Port = 587
    smtp_security: Security = "starttls"
    smtp_user: str = pydantic.Field(default="", max_length=254)
    smtp_password: str = pydantic.Field(default="", validate_default=True, max_length=500)
    smtp_timeout: float = pydantic.Field(default=30.0, gt=0, le=300)

    imap_host: str = pydantic.Field(default="", max_length=253)
    imap_port: Port = 993
    imap_security: Security = "tls"
    imap_user: str = pydantic.Field(default="", validate_default=True, max_length=254)
    imap_password: str = pydantic.Field(default="", validate_default=True, max_length=500)
    imap_folder: str = pydantic.Field(default="INBOX", min_length=1, max_length=200)

    @pydantic.field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("Enter a valid e-mail address, e.g. support@example.com.")) from None
        return value

    @pydantic.field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError(_("The display name must be one line."))
        return value

    @pydantic.field_validator("smtp_host")
    @classmethod
    def _smtp_host(cls, value: str, info: pydantic.ValidationInfo) -> str:
        if info.data.get("transport", "smtp") == "smtp" and not value.strip():
            raise ValueError(_("Give the SMTP server that sends this mailbox's mail."))
        return _host(value)

    @pydantic.field_validator("imap_host")
    @classmethod
    def _imap_host(cls, value: str) -> str:
        return _host(value)

    @pydantic.field_validator("smtp_password")
    @classmethod
    def _smtp_password(cls, value: str, info: pydantic.ValidationInfo) -> str:
        if info.data.get("smtp_user") and not value:
            raise ValueError(_("Give the SMTP password of this user."))
        return value

    @pydantic.field_validator("imap_user")
    @classmethod
    def _imap_user(cls, value: str, info: pydantic.ValidationInfo) -> str:
        if info.data.get("imap_host") and not value:
            raise ValueError(_("Give the IMAP user name to poll the mailbox."))
        return value

    @pydantic.field_validator("imap_password")
    @classmethod
    def _imap_password(cls, value: str, info: pydantic.ValidationInfo) -> str:
        if info.data.get("imap_host") and not value:
            raise ValueError(_("Give the IMAP password to poll the mailbox."))
        return value

    @pydantic.field_validator("imap_folder")
    @classmethod
    def _imap_folder(cls, value: str) -> str:
        if any(ord(char) < 32 for char in value):
            raise ValueError(_("The folder name may not contain control characters."))
        return value

    @property
    def polls(self) -> bool:
        """Is the mailbox polled over IMAP?"""
        return bool(self.imap_host)

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()
