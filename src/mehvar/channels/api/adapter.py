"""The API channel: anything can post customers' messages in, and receive agents' replies by a signed webhook.

Inbound: ``POST /hooks/api/<channel id>/`` with a JSON body (``schemas.InboundPayload``: ``messages`` and
delivery ``reports``) and the header ``X-Mehvar-Signature: sha256=<hex HMAC-SHA256 of the body keyed with the
channel's secret>``. Outbound: each reply is POSTed as JSON to the channel's ``outbound_url`` with the same
signature header over our body and an ``Idempotency-Key`` header (the outbox key: a resend after a crash
carries the same key). A 2xx answer may carry ``{"id": "..."}``, the receiver's id for later reports.
4xx answers (but 408 and 429) are permanent failures; 5xx, 408, 429 and network errors are retried.
"""

import json
from typing import ClassVar

import pydantic

from mehvar.channels import signing
from mehvar.channels.api.schemas import ApiConfig, InboundPayload
from mehvar.channels.base import (
    ChannelAdapter,
    DeliveryReport,
    HookRequest,
    InboundMessage,
    Outbound,
    Parsed,
    ParseError,
    TransportError,
)
from mehvar.channels.models import Channel

IDENTITY_FIELDS = ("phone", "email", "telegram", "instagram", "whatsapp", "web_visitor", "shop_account")


class ApiAdapter(ChannelAdapter):
    kind = "api"
    config_schema = ApiConfig
    headers_kept: ClassVar[tuple[str, ...]] = (signing.SIGNATURE_HEADER,)

    def verify(self, channel: Channel, request: HookRequest) -> bool:
        return signing.signature_valid(
            channel.secret, request.body, request.headers.get(signing.SIGNATURE_HEADER, "")
        )

    def parse(self, channel: Channel, request: HookRequest) -> Parsed:
        try:
            payload = InboundPayload.model_validate_json(request.body)
        except pydantic.ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ParseError(f"{where}: {first['msg']}") from None
        messages = []
        for item in payload.messages:
            identities = tuple(
                (name, getattr(item.sender, name)) for name in IDENTITY_FIELDS if getattr(item.sender, name)
            )
            if not identities:
                raise ParseError(f"message {item.id}: give at least one identifier of the sender")
            messages.append(
                InboundMessage(
                    external_id=item.id,
                    identities=identities,
                    text=item.text,
                    sender_name=item.sender.name,
                    subject=item.subject,
                    thread_key=item.thread,
                    sent_at=item.sent_at,
                )
            )
        reports = tuple(
            DeliveryReport(
                status=r.status, provider_id=r.id, idempotency_key=r.idempotency_key, at=r.at, reason=r.reason
            )
            for r in payload.reports
        )
        return Parsed(messages=tuple(messages), reports=reports)

    def send(self, channel: Channel, outbound: Outbound) -> str:
        config = self.config(channel)
        assert isinstance(config, ApiConfig)
        if config.outbound_url is None:
            return f"stored:{outbound.idempotency_key}"  # no receiver: readable through the REST API
        body = json.dumps(
            {
                "idempotency_key": outbound.idempotency_key,
                "to": outbound.to,
                "thread": outbound.thread_key,
                "subject": outbound.subject,
                "text": outbound.text,
                "conversation": outbound.data.get("conversation"),
            },
            ensure_ascii=False,
        ).encode()
        answer = signing.signed_post(
            str(config.outbound_url),
            body,
            secret=channel.secret,
            key=outbound.idempotency_key,
            timeout=config.timeout_seconds,
        )
        try:
            return str(json.loads(answer or b"{}").get("id") or outbound.idempotency_key)
        except (ValueError, AttributeError):
            return outbound.idempotency_key


__all__ = ["ApiAdapter", "TransportError"]
