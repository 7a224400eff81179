"""Polling e-mail channels' mailboxes over IMAP: the same pipeline as the webhook, fed by a periodic task.

For each unseen message: store the raw bytes as an ``InboundEvent`` (committed), enqueue its processing
(``conversations.tasks.inbound_event_task``) for after the commit, and only then mark it seen. A crash in
between leaves the message unseen; the next poll stores it again, and processing finds its Message-ID
already delivered, so nothing is lost and nothing is created twice. Messages are never deleted or moved.

A message over ``HOOK_MAX_BYTES`` (the webhook's limit) is not downloaded: its header block is stored as a
failed event saying why, and it is marked seen so that it is not tried every minute; the full message stays
in the mailbox for a person to handle.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mehvar.channels.email.imap import ImapError, ImapMailbox
from mehvar.channels.email.schemas import EmailConfig
from mehvar.channels.hooks import HOOK_MAX_BYTES_DEFAULT
from mehvar.channels.models import Channel, InboundEvent
from mehvar.ops.background import enqueue_on_commit

logger = logging.getLogger(__name__)
BATCH = 100


def _store(channel: Channel, mailbox: ImapMailbox, uid: str, body: bytes, *, error: str = "") -> None:
    from mehvar.conversations.tasks import inbound_event_task

    with transaction.atomic():
        event = InboundEvent.objects.create(
            workspace_id=channel.workspace_id,
            channel=channel,
            content_type="message/rfc822",
            query={
                "imap_folder": mailbox.config.imap_folder,
                "imap_uid": uid,
                "imap_uidvalidity": mailbox.uidvalidity,
            },
            body=body,
            status=InboundEvent.Status.FAILED if error else InboundEvent.Status.PENDING,
            error=error,
            processed_at=timezone.now() if error else None,
        )
        if not error:
            enqueue_on_commit(inbound_event_task, event.pk, workspace_id=channel.workspace_id)


def email_poll(*, channel: Channel, limit: int = BATCH) -> int:
    """Store the mailbox's unseen messages as inbound events; returns how many. Raises ImapError."""
    config = EmailConfig.model_validate(channel.config)
    if not config.polls:
        return 0
    max_bytes = getattr(settings, "HOOK_MAX_BYTES", HOOK_MAX_BYTES_DEFAULT)
    stored = 0
    with ImapMailbox(config) as mailbox:
        uids = mailbox.unseen(limit=limit)
        sizes = mailbox.sizes(uids)
        for uid in uids:
            size = sizes.get(uid, 0)
            if size > max_bytes:
                headers = mailbox.fetch(uid, headers_only=True) or b""
                reason = f"the message is {size} bytes, over the limit of {max_bytes} bytes"
                _store(channel, mailbox, uid, headers, error=reason)
            else:
                raw = mailbox.fetch(uid)
                if raw is None:  # expunged by someone else since the search
                    continue
                _store(channel, mailbox, uid, raw)
            mailbox.mark_seen(uid)
            stored += 1
    return stored


def email_poll_all(*, limit: int = BATCH) -> dict[str, int | str]:
    """Poll every enabled e-mail channel that has IMAP settings; one failing mailbox does not stop the rest.

    Returns the count stored per channel id, or the error that mailbox gave (also logged).
    """
    results: dict[str, int | str] = {}
    for channel in Channel.objects.filter(kind="email", enabled=True).order_by("pk"):
        config = channel.config if isinstance(channel.config, dict) else {}
        if not config.get("imap_host"):
            continue
        try:
            results[str(channel.pk)] = email_poll(channel=channel, limit=limit)
        except ImapError as error:
            logger.warning("e-mail channel %s: polling failed: %s", channel.pk, error)
            results[str(channel.pk)] = str(error)[:500]
        except ValueError as error:  # pydantic.ValidationError: the settings were changed to invalid ones
            logger.warning("e-mail channel %s: invalid settings: %s", channel.pk, error)
            results[str(channel.pk)] = "invalid settings"
    return results
