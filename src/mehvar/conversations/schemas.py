"""API shapes of the inbox: conversations, messages, channels and webhook endpoints (examples in Persian)."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from mehvar.api.schemas import ObjectId

StatusName = Literal["new", "open", "waiting", "resolved", "closed"]
PriorityName = Literal["low", "normal", "high", "urgent"]
QueueName = Literal["mine", "unassigned", "team", "breaching", "overdue", "all"]


class ConversationOut(Schema):
    id: int
    number: int = Field(description="The ticket number people read: #1042")
    status: str
    priority: str
    category: str
    subject: str
    channel_id: int
    channel: str = Field(description="The channel's kind: email, sms, telegram, webchat, phone, api")
    customer_id: int
    team_id: int | None
    assignee_id: int | None
    assignment_reason: str
    tags: list[str]
    created_at: dt.datetime
    last_message_at: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    first_response_due_at: dt.datetime | None
    next_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    sla_breaches: list[str] = Field(description="Missed targets: first, next, resolution")
    first_response_seconds: int | None = Field(description="Business seconds to the first reply")
    resolution_seconds: int | None = Field(description="Business seconds to the last resolve")
    replies_count: int
    reopened_count: int

    @staticmethod
    def resolve_sla_breaches(obj: Any) -> list[str]:
        return [item["target"] if isinstance(item, dict) else str(item) for item in obj.sla_breaches]

    @staticmethod
    def resolve_channel(obj: Any) -> str:
        return obj.channel.kind

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())


class ConversationIn(Schema):
    customer_id: ObjectId
    channel_id: ObjectId
    subject: str = Field(default="", max_length=250, examples=["پیگیری سفارش ۱۲۳۴"])
    priority: PriorityName = "normal"
    text: str = Field(
        default="",
        max_length=20_000,
        description="An optional first message to the customer",
        examples=["سلام، برای پیگیری سفارش‌تان تماس گرفتیم."],
    )


class ConversationPatchIn(Schema):
    status: StatusName | None = None
    priority: PriorityName | None = None
    assignee_id: ObjectId | None = Field(default=None, description="A member id; null unassigns")
    team_id: ObjectId | None = Field(default=None, description="A team id; null removes the team")
    category: str | None = Field(default=None, max_length=60, examples=["ارسال"])
    subject: str | None = Field(default=None, max_length=250)
    tags: list[str] | None = Field(default=None, max_length=30, examples=[["فوری", "مرجوعی"]])


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    direction: str = Field(description="in (from the customer), out (to them), note (internal)")
    text: str
    subject: str
    sender_name: str
    author_id: int | None
    created_at: dt.datetime
    status: str = Field(description="For messages out: pending, sending, sent, failed")
    delivery: str = Field(description="For messages out: delivered, read, undelivered or empty")
    abusive: bool
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return obj.outbox.status if obj.outbox_id else ""

    @staticmethod
    def resolve_delivery(obj: Any) -> str:
        return obj.outbox.delivery if obj.outbox_id else ""

    @staticmethod
    def resolve_abusive(obj: Any) -> bool:
        return bool(obj.abuse)

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.all())


class MessageIn(Schema):
    kind: Literal["reply", "note"] = "reply"
    text: str = Field(min_length=1, max_length=20_000, examples=["پوزش می‌خواهیم؛ سفارش شما امروز ارسال شد."])
    status: StatusName | None = Field(
        default=None, description="Move the conversation afterwards, e.g. waiting"
    )
    mentions: list[ObjectId] = Field(default_factory=list, max_length=20, description="Member ids (notes)")


class ChannelOut(Schema):
    id: int
    kind: str
    name: str
    enabled: bool
    hook_url: str | None = Field(description="Where the provider posts (owners and admins only)")
    secret: str | None = Field(description="The webhook secret (owners and admins only)")
    config: dict[str, Any] | None = Field(
        description="Settings with passwords hidden (owners and admins only)"
    )


class ChannelIn(Schema):
    kind: Literal["email", "sms", "telegram", "webchat", "phone", "api"]
    name: str = Field(max_length=120, examples=["پیامک پشتیبانی"])
    config: dict[str, Any] = Field(default_factory=dict)


class ChannelPatchIn(Schema):
    name: str | None = Field(default=None, max_length=120)
    config: dict[str, Any] | None = None
    enabled: bool | None = None
    rotate_secret: bool = False


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    enabled: bool
    secret: str
    created_at: dt.datetime


class WebhookIn(Schema):
    url: str = Field(max_length=500, examples=["https://shop.example.ir/mehvar-events"])
    events: list[str] = Field(default_factory=list, examples=[["conversation.created", "message.received"]])


class CallIn(Schema):
    direction: Literal["inbound", "outbound"] = Field(examples=["inbound"])
    outcome: str = Field(
        max_length=20, examples=["answered"], description="answered, no_answer, busy, voicemail, …"
    )
    duration: str = Field(
        default="0", max_length=12, description="Seconds, or m:ss / h:mm:ss", examples=["۳:۲۵"]
    )
    phone: str = Field(default="", max_length=40, examples=["۰۹۱۲ ۳۴۵ ۶۷۸۹"])
    customer_id: ObjectId | None = None
    recording_url: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=5000, examples=["مشتری درباره‌ی زمان ارسال پرسید."])
    agent_id: ObjectId | None = Field(default=None, description="Who talked; default: the token's member")
    started_at: str | None = Field(default=None, description="Jalali or ISO, e.g. 1403/08/15 10:30")


class CallOut(Schema):
    conversation_id: int
    conversation_number: int
    message_id: int
    customer_id: int
    customer_created: bool
    conversation_opened: bool


class ConversationMergeIn(Schema):
    target_id: ObjectId = Field(description="The conversation that receives this one's messages")


class ConversationSplitIn(Schema):
    message_id: ObjectId = Field(description="This message and every later one move to a new conversation")
