"""A visitor's message: checked, stored raw, then processed at once through the one inbound pipeline.

Why process inline, in the request, rather than only in the worker like other channels: the visitor is
looking at the widget, and the message must be in the inbox (and its conversation known) the moment they
press send. The raw body is still stored first, as its own committed row, so nothing is lost: if
processing fails, the event stays pending and is retried by the inbound sweep
(``conversations.inbound.inbound_retry_due``), and a task is enqueued for it as well.

Limits: a visitor may send ``messages_per_minute`` messages (the channel's setting), counted from the
stored messages, so it holds across processes; one network address may start ``SESSIONS_PER_IP`` visitors
and post ``MESSAGES_PER_IP`` messages a minute, counted in Django's cache (per process with the local
memory cache, shared once a shared cache is configured).
"""

import dataclasses
import datetime as dt
import json
import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.channels.models import Channel, InboundEvent
from mehvar.channels.webchat.adapter import VISITOR_HEADER
from mehvar.channels.webchat.schemas import MessageIn, WebchatConfig
from mehvar.channels.webchat.selectors import visitor_contact_known, visitor_conversation_ids
from mehvar.conversations.inbound import inbound_event_process
from mehvar.conversations.models import Direction, Message
from mehvar.customers.matching import normalize_identity
from mehvar.ops.background import enqueue_on_commit

logger = logging.getLogger(__name__)
SESSIONS_PER_IP = 30  # new visitors per address per 10 minutes
MESSAGES_PER_IP = 60  # messages per address per minute


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True)
class Posted:
    message: Message | None  # None: stored, processing failed and will be retried
    created: bool


def _count(key: str, window: int, limit: int) -> None:
    """Count one hit on ``key`` in a fixed window; Throttled when over ``limit``."""
    cache.add(key, 0, timeout=window)
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        hits = 1
    if hits > limit:
        raise Throttled(window)


def session_throttle(*, channel: Channel, address: str) -> None:
    _count(f"webchat:sessions:{channel.pk}:{address}", 600, SESSIONS_PER_IP)


def _visitor_throttle(channel: Channel, visitor: str, config: WebchatConfig, now: dt.datetime) -> None:
    recent = Message.objects.filter(
        workspace_id=channel.workspace_id,
        conversation_id__in=visitor_conversation_ids(channel, visitor),
        direction=Direction.INBOUND,
        created_at__gt=now - dt.timedelta(minutes=1),
    ).count()
    if recent >= config.messages_per_minute:
        raise Throttled(60)


def _check_contact(channel: Channel, visitor: str, payload: MessageIn, config: WebchatConfig) -> None:
    errors: dict[str, list[str]] = {}
    for kind in ("email", "phone"):
        value = getattr(payload, kind)
        if value:
            try:
                normalize_identity(kind, value)
            except ValidationError as error:
                errors[kind] = error.message_dict[kind]
    if errors:
        raise ValidationError(errors)
    contact_given = bool(payload.email or payload.phone)
    if (
        config.ask_contact == "required"
        and not contact_given
        and not visitor_contact_known(channel=channel, visitor=visitor)
    ):
        raise ValidationError(
            {"email": ValidationError(_("Leave an e-mail address or a phone number first."), code="required")}
        )


def visitor_message_post(
    *,
    channel: Channel,
    visitor: str,
    payload: MessageIn,
    body: bytes,
    headers: dict[str, str],
    address: str = "",
    now: dt.datetime | None = None,
) -> Posted:
    """Store and process one visitor message (see the module docstring). ``body`` is the raw JSON."""
    now = now or timezone.now()
    existing = Message.objects.filter(
        workspace_id=channel.workspace_id, channel=channel, external_id=f"{visitor}:{payload.client_id}"
    ).first()
    if existing is not None:
        return Posted(message=existing, created=False)
    config = WebchatConfig.model_validate(channel.config)
    _check_contact(channel, visitor, payload, config)
    _visitor_throttle(channel, visitor, config, now)
    if address:
        _count(f"webchat:messages:{channel.pk}:{address}", 60, MESSAGES_PER_IP)
    event = InboundEvent.objects.create(
        workspace_id=channel.workspace_id,
        channel=channel,
        received_at=now,
        content_type="application/json",
        headers={**headers, VISITOR_HEADER: visitor},
        body=body,
    )
    try:
        result = inbound_event_process(event_id=event.pk)
    except Exception:  # kept pending: the task and the inbound sweep try again
        logger.exception("web chat event %s could not be processed now", event.pk)
        from mehvar.conversations.tasks import inbound_event_task

        enqueue_on_commit(inbound_event_task, event.pk, workspace_id=channel.workspace_id)
        return Posted(message=None, created=True)
    ids = result.get("messages") or []
    message = Message.objects.filter(pk=ids[0]).first() if ids else None
    return Posted(message=message, created=True)


def parse_body(body: bytes) -> dict:
    """The JSON object of a request body; ValidationError on ``body`` when it is not one."""
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationError({"body": _("The request body is not valid JSON.")}) from error
    if not isinstance(data, dict):
        raise ValidationError({"body": _("Send a JSON object.")})
    return data
