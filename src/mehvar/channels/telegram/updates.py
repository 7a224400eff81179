"""Reading one Telegram ``Update`` into the common ``InboundMessage``.

Messages and edited messages from people become inbound messages: the sender is the identity
``("telegram", str(user id))`` (and ``("phone", number)`` when they share their own contact), the chat is the
thread (replies go to the chat), ``external_id`` is ``"<chat id>:<message id>"`` so a replayed update finds
the message already stored. An edit is stored as a new message marked ``edited`` with the edit time in its
id (``"<chat>:<message>:edited:<edit_date>"``): agents see what changed and nothing is overwritten.

Photos, documents, voice notes and the like are noted in ``data["telegram"]["media"]`` with their file ids
(fetching them through ``getFile`` is left to a later step); locations are noted with their coordinates.
Other updates (callback queries, membership changes, channel posts), bots' messages and service messages
(a member joined, a message was pinned) are skipped without error.
"""

import datetime as dt
import json
from typing import Any

import pydantic

from mehvar.channels.base import InboundMessage, ParseError
from mehvar.channels.telegram.schemas import TgMessage, TgUpdate

MEDIA_KINDS = ("document", "audio", "voice", "video", "video_note", "animation", "sticker")


def _update(body: bytes) -> TgUpdate:
    try:
        data = json.loads(body.decode("utf-8", errors="replace") or "null")
    except (ValueError, RecursionError) as error:
        raise ParseError(f"the body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ParseError("the body is not a Telegram update (a JSON object)")
    try:
        return TgUpdate.model_validate(data)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ParseError(f"{where}: {first['msg']}") from None


def _media(message: TgMessage) -> list[dict[str, Any]]:
    media: list[dict[str, Any]] = []
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
        media.append({"kind": "photo", "file_id": largest.file_id, "size": largest.file_size})
    for kind in MEDIA_KINDS:
        item = getattr(message, kind)
        if item is not None:
            entry = {"kind": kind, "file_id": item.file_id, "size": item.file_size}
            if item.file_name:
                entry["filename"] = item.file_name
            if item.mime_type:
                entry["content_type"] = item.mime_type
            media.append(entry)
    if message.location is not None:
        media.append(
            {
                "kind": "location",
                "latitude": message.location.latitude,
                "longitude": message.location.longitude,
            }
        )
    return media


def update_parse(body: bytes) -> InboundMessage | None:
    """The customer's message in one update, or None for an update that carries none."""
    update = _update(body)
    edited = update.message is None and update.edited_message is not None
    message = update.message or update.edited_message
    if message is None or message.sender is None or message.sender.is_bot:
        return None
    sender = message.sender
    media = _media(message)
    shared_phone = (
        message.contact.phone_number
        if message.contact is not None and message.contact.user_id == sender.id
        else ""
    )
    text = message.text or message.caption
    if not text and not media and message.contact is None:
        return None  # a service message: someone joined, a message was pinned…
    identities: tuple[tuple[str, str], ...] = (("telegram", str(sender.id)),)
    if shared_phone:
        identities += (("phone", shared_phone),)
    external_id = f"{message.chat.id}:{message.message_id}"
    details: dict[str, Any] = {"update_id": update.update_id, "chat_type": message.chat.type}
    if sender.username:
        details["username"] = sender.username
    if media:
        details["media"] = media
    if message.contact is not None:
        details["contact"] = message.contact.model_dump(exclude_none=True)
    if message.reply_to_message is not None:
        details["reply_to"] = f"{message.chat.id}:{message.reply_to_message.message_id}"
    if edited:
        details["edited"] = True
        details["original"] = external_id
        external_id = f"{external_id}:edited:{message.edit_date or message.date}"
    sent = message.edit_date if edited and message.edit_date else message.date
    return InboundMessage(
        external_id=external_id,
        identities=identities,
        text=text,
        sender_name=" ".join(part for part in (sender.first_name, sender.last_name) if part),
        thread_key=str(message.chat.id),
        sent_at=dt.datetime.fromtimestamp(sent, tz=dt.UTC) if 0 < sent < 2**33 else None,
        data={"telegram": details},
    )
