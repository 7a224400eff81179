"""The SMS channel: one provider-neutral HTTP gateway (Kavenegar / SMS.ir / Ghasedak shape).

Outbound: ``gateway.gateway_send`` POSTs the receptor, text, sender line and the outbox's idempotency key
as the client message id, and returns the gateway's message id; refusals are permanent or transient by
HTTP status and the gateway's code. Inbound: the gateway's receive and delivery callbacks both post to
``/hooks/sms/<channel id>/?secret=<channel secret>`` (or send the secret in the ``X-Mehvar-Secret``
header); ``callbacks.callbacks_parse`` reads messages (identity ``("phone", from)``, 09xx or 98xx as the
gateway writes it; the matching service normalises) and delivery reports, which only ever move a message
forward (``outbox.delivery_report_apply``). See docs/channels/sms.md.
"""

import hmac
from typing import ClassVar

import pydantic

from mehvar.channels.base import (
    ChannelAdapter,
    HookRequest,
    Outbound,
    Parsed,
    TransportError,
)
from mehvar.channels.models import Channel, InboundEvent
from mehvar.channels.sms.callbacks import Statuses, callbacks_parse
from mehvar.channels.sms.gateway import gateway_send
from mehvar.channels.sms.schemas import DELIVERED_STATUSES, UNDELIVERED_STATUSES, SmsConfig

SECRET_HEADER = "X-Mehvar-Secret"


def settings_problem(error: pydantic.ValidationError) -> str:
    first = error.errors()[0]
    return ".".join(str(part) for part in first["loc"]) + ": " + first["msg"]


class SmsAdapter(ChannelAdapter):
    kind = "sms"
    address_kind = "phone"
    config_schema = SmsConfig
    headers_kept: ClassVar[tuple[str, ...]] = (SECRET_HEADER,)
    secret_headers: ClassVar[tuple[str, ...]] = (SECRET_HEADER,)

    def sms_config(self, channel: Channel) -> SmsConfig:
        config = self.config(channel)
        assert isinstance(config, SmsConfig)
        return config

    def verify(self, channel: Channel, request: HookRequest) -> bool:
        given = request.query.get("secret") or request.headers.get(SECRET_HEADER) or ""
        return bool(given) and hmac.compare_digest(given.encode(), channel.secret.encode())

    def hook_reply(self, channel: Channel, event: InboundEvent) -> tuple[int, bytes, str]:
        return 200, b"OK", "text/plain; charset=utf-8"

    def parse(self, channel: Channel, request: HookRequest) -> Parsed:
        try:
            config = self.sms_config(channel)
            delivered, undelivered = config.delivered_statuses, config.undelivered_statuses
        except pydantic.ValidationError:  # a misconfigured channel still receives its messages
            delivered, undelivered = list(DELIVERED_STATUSES), list(UNDELIVERED_STATUSES)
        statuses = Statuses(delivered=frozenset(delivered), undelivered=frozenset(undelivered))
        messages, reports = callbacks_parse(request, statuses)
        return Parsed(messages=tuple(messages), reports=tuple(reports))

    def send(self, channel: Channel, outbound: Outbound) -> str:
        try:
            config = self.sms_config(channel)
        except pydantic.ValidationError as error:
            raise TransportError(
                f"the channel's settings are invalid: {settings_problem(error)}", permanent=True
            ) from None
        return gateway_send(config, outbound)
