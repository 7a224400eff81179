"""API of the inbox: conversations, their messages, channels and event webhooks.

Thin handlers: check the permission, look the object up inside the token's workspace (404 otherwise), call one
service or selector. Services raise ValidationError (422, naming the field) and PermissionDenied (403).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from mehvar.api.pagination import KeysetPagination, paginate
from mehvar.api.permissions import require, workspace_of
from mehvar.api.schemas import ObjectId, error_responses
from mehvar.channels import services as channel_services
from mehvar.channels.models import Channel, WebhookEndpoint
from mehvar.channels.webhooks import clean_events
from mehvar.conversations import merging, selectors, services
from mehvar.conversations.models import Attachment, Conversation, Message, Team
from mehvar.conversations.schemas import (
    CallIn,
    CallOut,
    ChannelIn,
    ChannelOut,
    ChannelPatchIn,
    ConversationIn,
    ConversationMergeIn,
    ConversationOut,
    ConversationPatchIn,
    ConversationSplitIn,
    MessageIn,
    MessageOut,
    PriorityName,
    QueueName,
    WebhookIn,
    WebhookOut,
)
from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.tenancy import get_in_workspace
from mehvar.customers.models import Customer

router = Router()
CONVERSATIONS = "گفتگوها"
CHANNELS = "کانال‌ها و وب‌هوک‌ها"


def _conversations(workspace: Workspace) -> QuerySet[Conversation]:
    return Conversation.objects.filter(workspace=workspace).select_related("channel").prefetch_related("tags")


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    workspace = workspace_of(request)
    return get_in_workspace(_conversations(workspace), workspace, pk=conversation_id)


def _member(workspace: Workspace, member_id: int | None, field: str) -> Membership | None:
    if member_id is None:
        return None
    member = Membership.objects.filter(workspace=workspace, pk=member_id).select_related("user").first()
    if member is None:
        raise ValidationError({field: _("There is no such member in this workspace.")})
    return member


def _in_workspace(model: Any, workspace: Workspace, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    row = model.objects.filter(workspace=workspace, pk=pk).first()
    if row is None:
        raise ValidationError({field: _("There is no such item in this workspace.")})
    return row


# --- Conversations ----------------------------------------------------------------------------------------


@router.get(
    "/conversations",
    response={200: list[ConversationOut], **error_responses(403, 422)},
    tags=[CONVERSATIONS],
    summary="فهرست گفتگوها با صف‌ها و فیلترهای صندوق",
    description="`queue`: mine، unassigned، team، breaching (نزدیک به نقض SLA)، overdue، all. "
    "`status` خالی یعنی گفتگوهای باز؛ `any` همه. "
    "`q` نام، تلفن یا ایمیل مشتری، موضوع یا شماره‌ی تیکت (`#۱۰۴۲`).",
)
@paginate(KeysetPagination, ordering=("-last_message_at", "-id"))
def conversation_list(
    request: HttpRequest,
    queue: Query[QueueName] = "all",
    status: Query[str] = "",
    channel_id: Query[ObjectId | None] = None,
    priority: Query[PriorityName | None] = None,
    team_id: Query[ObjectId | None] = None,
    assignee: Query[str | None] = None,
    tag: Query[str | None] = None,
    category: Query[str | None] = None,
    q: Query[str] = "",
) -> Any:
    acting = require(request, Perm.CONVERSATIONS_VIEW)
    workspace = workspace_of(request)
    if status not in ("", "any", "new", "open", "waiting", "resolved", "closed"):
        raise ValidationError({"status": _("Unknown status.")})
    if assignee not in (None, "", "none") and not str(assignee).isdigit():
        raise ValidationError({"assignee": _("Give a member id, or none.")})
    filters = {
        "status": status,
        "channel": _in_workspace(Channel, workspace, channel_id, "channel_id"),
        "priority": priority,
        "team": _in_workspace(Team, workspace, team_id, "team_id"),
        "assignee": "none"
        if assignee == "none"
        else _member(workspace, int(assignee) if assignee else None, "assignee"),
        "tag": tag,
        "category": category,
    }
    return selectors.queue_conversations(
        workspace=workspace, membership=acting, queue=queue, filters=filters, q=q
    )


@router.post(
    "/conversations",
    response={201: ConversationOut, **error_responses(403, 422)},
    tags=[CONVERSATIONS],
    summary="شروع گفتگو با یک مشتری (اختیاری با اولین پیام)",
)
def conversation_create(request: HttpRequest, payload: ConversationIn) -> Any:
    acting = require(request, Perm.CONVERSATIONS_REPLY)
    workspace = workspace_of(request)
    customer = Customer.objects.filter(
        workspace=workspace, pk=payload.customer_id, merged_into=None, erased_at=None
    ).first()
    if customer is None:
        raise ValidationError({"customer_id": _("There is no such customer in this workspace.")})
    channel = _in_workspace(Channel, workspace, payload.channel_id, "channel_id")
    conversation = services.conversation_open(
        workspace=workspace,
        channel=channel,
        customer=customer,
        subject=payload.subject,
        priority=payload.priority,
        acting=acting,
        via="api",
    )
    if payload.text.strip():
        services.message_send(conversation=conversation, acting=acting, text=payload.text, via="api")
    return Status(201, _conversation(request, conversation.pk))


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **error_responses(403, 404)},
    tags=[CONVERSATIONS],
    summary="یک گفتگو",
)
def conversation_read(request: HttpRequest, conversation_id: ObjectId) -> Any:
    require(request, Perm.CONVERSATIONS_VIEW)
    return _conversation(request, conversation_id)


@router.patch(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, **error_responses(403, 404, 422)},
    tags=[CONVERSATIONS],
    summary="تغییر وضعیت، اولویت، مسئول، تیم، دسته و برچسب‌ها",
)
def conversation_patch(request: HttpRequest, conversation_id: ObjectId, payload: ConversationPatchIn) -> Any:
    acting = require(request, Perm.CONVERSATIONS_REPLY)
    workspace = workspace_of(request)
    conversation = _conversation(request, conversation_id)
    given = payload.model_dump(exclude_unset=True)
    if "assignee_id" in given or "team_id" in given:
        assignee = (
            _member(workspace, given["assignee_id"], "assignee_id")
            if "assignee_id" in given
            else conversation.assignee
        )
        team = _in_workspace(Team, workspace, given["team_id"], "team_id") if "team_id" in given else False
        services.conversation_assign(
            conversation=conversation,
            assignee=assignee,
            team=team,
            acting=acting,
            reason=_("Assigned through the API"),
            via="api",
        )
    services.conversation_update(
        conversation=conversation,
        acting=acting,
        priority=given.get("priority"),
        category=given.get("category"),
        subject=given.get("subject"),
        tags=given.get("tags"),
        via="api",
    )
    if given.get("status"):
        services.conversation_status_set(
            conversation=conversation, status=given["status"], acting=acting, via="api"
        )
    return _conversation(request, conversation_id)


def _messages(conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.filter(workspace_id=conversation.workspace_id, conversation=conversation)
        .select_related("outbox")
        .prefetch_related(Prefetch("attachments", Attachment.objects.order_by("pk")))
    )


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: list[MessageOut], **error_responses(403, 404, 422)},
    tags=[CONVERSATIONS],
    summary="پیام‌های یک گفتگو، به ترتیب زمان (با یادداشت‌های داخلی)",
)
@paginate(KeysetPagination, ordering=("created_at", "id"))
def message_list(request: HttpRequest, conversation_id: ObjectId) -> Any:
    require(request, Perm.CONVERSATIONS_VIEW)
    return _messages(_conversation(request, conversation_id))


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: MessageOut, **error_responses(403, 404, 422)},
    tags=[CONVERSATIONS],
    summary="پاسخ به مشتری (از صف ارسال) یا یادداشت داخلی",
    description="`Idempotency-Key` را بفرستید تا تکرار درخواست پیام دوباره نفرستد.",
)
def message_create(request: HttpRequest, conversation_id: ObjectId, payload: MessageIn) -> Any:
    acting = require(request, Perm.CONVERSATIONS_REPLY)
    workspace = workspace_of(request)
    conversation = _conversation(request, conversation_id)
    if payload.kind == "note":
        mentions = [_member(workspace, pk, "mentions") for pk in payload.mentions]
        message = services.note_add(
            conversation=conversation,
            acting=acting,
            text=payload.text,
            mentions=[m for m in mentions if m],
            via="api",
        )
    else:
        key = request.headers.get("Idempotency-Key", "")
        message = services.message_send(
            conversation=conversation,
            acting=acting,
            text=payload.text,
            status=payload.status or "",
            idempotency_key=f"api:{acting.pk}:{key}"[:100] if key else "",
            via="api",
        )
    return Status(201, _messages(conversation).get(pk=message.pk))


# --- Channels and webhooks --------------------------------------------------------------------------------


def _channel_out(request: HttpRequest, channel: Channel, manager: bool) -> dict[str, Any]:
    hook = request.build_absolute_uri(reverse("hooks:hook", args=[channel.kind, channel.pk]))
    return {
        "id": channel.pk,
        "kind": channel.kind,
        "name": channel.name,
        "enabled": channel.enabled,
        "hook_url": hook if manager else None,
        "secret": channel.secret if manager else None,
        "config": channel_services.public_config(channel) if manager else None,
    }


@router.get(
    "/channels",
    response={200: list[ChannelOut], **error_responses(403)},
    tags=[CHANNELS],
    summary="کانال‌های این فضای کاری",
)
def channel_list(request: HttpRequest) -> Any:
    acting = require(request, Perm.CONVERSATIONS_VIEW)
    manager = role_has(acting.role, Perm.CHANNELS_MANAGE)
    rows = Channel.objects.filter(workspace=workspace_of(request)).order_by("pk")
    return [_channel_out(request, channel, manager) for channel in rows]


@router.post(
    "/channels",
    response={201: ChannelOut, **error_responses(403, 422)},
    tags=[CHANNELS],
    summary="اتصال یک کانال",
    description="تنظیمات هر نوع کانال در docs/channels/ آمده است؛ "
    "خطاها نام فیلد را می‌گویند: `config.smtp_host`.",
)
def channel_create(request: HttpRequest, payload: ChannelIn) -> Any:
    acting = require(request, Perm.CHANNELS_MANAGE)
    channel = channel_services.channel_create(
        workspace=workspace_of(request),
        acting=acting,
        kind=payload.kind,
        name=payload.name,
        config=payload.config,
        via="api",
    )
    return Status(201, _channel_out(request, channel, True))


@router.patch(
    "/channels/{channel_id}",
    response={200: ChannelOut, **error_responses(403, 404, 422)},
    tags=[CHANNELS],
    summary="تغییر تنظیمات، روشن/خاموش یا چرخاندن رمز وب‌هوک",
)
def channel_patch(request: HttpRequest, channel_id: ObjectId, payload: ChannelPatchIn) -> Any:
    acting = require(request, Perm.CHANNELS_MANAGE)
    workspace = workspace_of(request)
    channel = get_in_workspace(Channel.objects.all(), workspace, pk=channel_id)
    channel_services.channel_update(
        channel=channel,
        acting=acting,
        name=payload.name,
        config=payload.config,
        enabled=payload.enabled,
        rotate_secret=payload.rotate_secret,
        via="api",
    )
    return _channel_out(request, channel, True)


@router.get(
    "/webhooks",
    response={200: list[WebhookOut], **error_responses(403)},
    tags=[CHANNELS],
    summary="وب‌هوک‌های رویداد",
)
def webhook_list(request: HttpRequest) -> Any:
    require(request, Perm.CHANNELS_MANAGE)
    return WebhookEndpoint.objects.filter(workspace=workspace_of(request)).order_by("pk")


@router.post(
    "/webhooks",
    response={201: WebhookOut, **error_responses(403, 422)},
    tags=[CHANNELS],
    summary="ثبت نشانی برای دریافت رویدادها (امضاشده با HMAC)",
    description="رویدادها: conversation.created، conversation.status_changed، conversation.assigned، "
    "message.received، message.sent. سرآیند `X-Mehvar-Signature: sha256=…` امضای بدنه با رمز این نشانی است.",
)
def webhook_create(request: HttpRequest, payload: WebhookIn) -> Any:
    acting = require(request, Perm.CHANNELS_MANAGE)
    workspace = workspace_of(request)
    if not payload.url.startswith(("https://", "http://")):
        raise ValidationError({"url": _("Give an http(s) address.")})
    endpoint = WebhookEndpoint.objects.create(
        workspace=workspace, url=payload.url, events=clean_events(payload.events)
    )
    audit_record(
        workspace=workspace, actor=acting.user, action=AuditEntry.Action.CREATE, obj=endpoint, via="api"
    )
    return Status(201, endpoint)


@router.delete(
    "/webhooks/{webhook_id}",
    response={204: None, **error_responses(403, 404)},
    tags=[CHANNELS],
    summary="حذف وب‌هوک",
)
def webhook_delete(request: HttpRequest, webhook_id: ObjectId) -> Any:
    acting = require(request, Perm.CHANNELS_MANAGE)
    workspace = workspace_of(request)
    endpoint = get_in_workspace(WebhookEndpoint.objects.all(), workspace, pk=webhook_id)
    audit_record(
        workspace=workspace, actor=acting.user, action=AuditEntry.Action.DELETE, obj=endpoint, via="api"
    )
    endpoint.delete()
    return Status(204, None)


# --- Calls ------------------------------------------------------------------------------------------------


@router.post(
    "/calls",
    response={201: CallOut, **error_responses(403, 422)},
    tags=[CONVERSATIONS],
    summary="ثبت یک تماس تلفنی (به‌صورت گفتگو روی کانال تلفن)",
    description="برای نرم‌افزار مرکز تماس (PBX) یا ثبت دستی: شماره با هر قالبی و رقم فارسی پذیرفته می‌شود.",
)
def call_create(request: HttpRequest, payload: CallIn) -> Any:
    from mehvar.channels.phone.services import call_log

    acting = require(request, Perm.CONVERSATIONS_REPLY)
    workspace = workspace_of(request)
    customer = None
    if payload.customer_id is not None:
        customer = Customer.objects.filter(
            workspace=workspace, pk=payload.customer_id, merged_into=None, erased_at=None
        ).first()
        if customer is None:
            raise ValidationError({"customer_id": _("There is no such customer in this workspace.")})
    logged = call_log(
        workspace=workspace,
        acting=acting,
        direction=payload.direction,
        outcome=payload.outcome,
        duration=payload.duration,
        phone=payload.phone,
        customer=customer,
        recording_url=payload.recording_url,
        notes=payload.notes,
        agent=_member(workspace, payload.agent_id, "agent_id"),
        started_at=payload.started_at,
        via="api",
    )
    return Status(
        201,
        {
            "conversation_id": logged.conversation.pk,
            "conversation_number": logged.conversation.number,
            "message_id": logged.message.pk,
            "customer_id": logged.conversation.customer_id,
            "customer_created": logged.customer_created,
            "conversation_opened": logged.conversation_opened,
        },
    )


# --- Merge and split (services in ``merging``) ---------------------------------------------------------


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(field, field): errors for field, errors in error.error_dict.items()})


@router.post(
    "/conversations/{conversation_id}/merge",
    response={200: ConversationOut, **error_responses(403, 404, 422)},
    tags=[CONVERSATIONS],
    summary="ادغام این گفتگو در گفتگوی دیگر همان مشتری",
    description="همه‌ی پیام‌ها، پیوست‌ها، شرکت‌کنندگان و برچسب‌ها به `target_id` می‌روند؛ این گفتگو بسته "
    "می‌شود و به آن اشاره می‌کند. پاسخ: گفتگوی مقصد.",
)
def conversation_merge(request: HttpRequest, conversation_id: ObjectId, payload: ConversationMergeIn) -> Any:
    acting = require(request, Perm.CONVERSATIONS_REPLY)
    workspace = workspace_of(request)
    source = _conversation(request, conversation_id)
    target = (
        Conversation.objects.filter(workspace=workspace, pk=payload.target_id)
        .select_related("channel")
        .first()
    )
    if target is None:
        raise ValidationError({"target_id": _("There is no such conversation in this workspace.")})
    try:
        merging.conversation_merge(source=source, target=target, acting=acting, via="api")
    except ValidationError as error:
        raise _renamed(error, {"target": "target_id"}) from None
    return _conversation(request, target.pk)


@router.post(
    "/conversations/{conversation_id}/split",
    response={201: ConversationOut, **error_responses(403, 404, 422)},
    tags=[CONVERSATIONS],
    summary="جدا کردن پیام‌ها از یک پیام به بعد در گفتگویی تازه",
    description="پیام `message_id` و همه‌ی پیام‌های بعدی به گفتگوی تازه‌ای (همان مشتری و کانال، شماره‌ی "
    "تازه، وضعیت باز) می‌روند. پاسخ: گفتگوی تازه.",
)
def conversation_split(request: HttpRequest, conversation_id: ObjectId, payload: ConversationSplitIn) -> Any:
    acting = require(request, Perm.CONVERSATIONS_REPLY)
    workspace = workspace_of(request)
    conversation = _conversation(request, conversation_id)
    message = Message.objects.filter(
        workspace=workspace, conversation=conversation, pk=payload.message_id
    ).first()
    if message is None:
        raise ValidationError({"message_id": _("This message is not in this conversation.")})
    try:
        new = merging.conversation_split(
            conversation=conversation, from_message=message, acting=acting, via="api"
        )
    except ValidationError as error:
        raise _renamed(error, {"message": "message_id"}) from None
    return Status(201, _conversation(request, new.pk))
