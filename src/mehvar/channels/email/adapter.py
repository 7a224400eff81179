"""The e-mail channel: a mailbox customers write to and agents answer from (docs/channels/email.md).

Inbound comes two ways, both ending as an ``InboundEvent`` holding the raw message and parsed by ``parse``:
a forwarded-MIME webhook at ``/hooks/email/<channel id>/?secret=<channel secret>`` (``webhook``), or IMAP
polling of the mailbox (``polling``, a periodic task). Outbound goes over the mailbox's SMTP server
(``compose``, ``smtp``) or the platform's mail settings (``platform_mail``), with a Message-ID derived from
the outbox key, returned as the provider id.
"""

from typing import ClassVar

import pydantic

from mehvar.channels.base import ChannelAdapter, HookRequest, Outbound, Parsed, ParseError, TransportError
from mehvar.channels.email.compose import email_compose, outbound_message_id
from mehvar.channels.email.parsing import email_parse
from mehvar.channels.email.platform_mail import platform_send
from mehvar.channels.email.schemas import EmailConfig
from mehvar.channels.email.smtp import smtp_send
from mehvar.channels.email.webhook import webhook_raw
from mehvar.channels.models import Channel


class EmailAdapter(ChannelAdapter):
    kind = "email"
    address_kind = "email"
    config_schema = EmailConfig
    # The full Content-Type (with its boundary) is needed to read a multipart/form-data forward.
    headers_kept: ClassVar[tuple[str, ...]] = ("Content-Type",)

    def parse(self, channel: Channel, request: HookRequest) -> Parsed:
        own_address = channel.config.get("address", "") if isinstance(channel.config, dict) else ""
        try:
            raw = webhook_raw(request)
        except ParseError:
            raise
        except Exception as error:  # an odd form must not escape as a 500 of the processing task
            raise ParseError(f"the webhook body could not be read ({type(error).__name__})") from None
        return email_parse(raw, own_address=str(own_address or ""))

    def send(self, channel: Channel, outbound: Outbound) -> str:
        try:
            config = EmailConfig.model_validate(channel.config)
        except pydantic.ValidationError as error:
            fields = ", ".join(".".join(map(str, item["loc"])) or "settings" for item in error.errors())
            reason = f"the e-mail channel's settings are invalid ({fields})"
            raise TransportError(reason, permanent=True) from None
        message_id = outbound_message_id(
            workspace_id=channel.workspace_id, idempotency_key=outbound.idempotency_key, domain=config.domain
        )
        message = email_compose(config=config, outbound=outbound, message_id=message_id)
        if config.transport == "platform":
            platform_send(message=message, sender=config.address, to=outbound.to)
        else:
            smtp_send(config=config, message=message, to=outbound.to)
        return message_id
