"""Where a customer is reached: the channel of the interaction the survey follows, else the first of the
workspace's channels that can reach them (SMS, then e-mail, then Telegram, then web chat)."""

from django.db.models import Case, IntegerField, Value, When

from mehvar.channels.models import Channel
from mehvar.channels.registry import adapter_for
from mehvar.customers.models import Customer, Identity

PREFERENCE = ("sms", "email", "telegram", "webchat", "api")


def _can_send(channel: Channel) -> bool:
    try:
        return channel.enabled and adapter_for(channel.kind).can_send
    except KeyError:
        return False


def address_on(*, customer: Customer, channel: Channel) -> str:
    """The customer's address on ``channel``: their identity of the adapter's address kind, else the thread of
    their latest conversation there (a Telegram chat, a web chat visitor); "" when there is none."""
    kind = adapter_for(channel.kind).address_kind
    if kind:
        value = (
            Identity.objects.filter(workspace_id=customer.workspace_id, customer=customer, kind=kind)
            .order_by("-pk")
            .values_list("value", flat=True)
            .first()
        )
        if value:
            return value
    from mehvar.conversations.models import Conversation

    return (
        Conversation.objects.filter(workspace_id=customer.workspace_id, customer=customer, channel=channel)
        .exclude(thread_key="")
        .order_by("-last_message_at")
        .values_list("thread_key", flat=True)
        .first()
        or ""
    )


def reach(*, customer: Customer, conversation: object | None = None) -> tuple[Channel, str] | None:
    """(channel, address) to send a survey on, or None when nothing can reach the customer."""
    if conversation is not None:
        channel = conversation.channel  # type: ignore[attr-defined]
        if _can_send(channel):
            from mehvar.conversations.services import address_of

            address = address_of(conversation)  # type: ignore[arg-type]
            if address:
                return channel, address
    order = Case(
        *[When(kind=kind, then=Value(rank)) for rank, kind in enumerate(PREFERENCE)],
        default=Value(len(PREFERENCE)),
        output_field=IntegerField(),
    )
    channels = Channel.objects.filter(workspace_id=customer.workspace_id, enabled=True).order_by(order, "pk")
    for channel in channels:
        if not _can_send(channel):
            continue
        address = address_on(customer=customer, channel=channel)
        if address:
            return channel, address
    return None
