"""The demo's inbox: channels, teams, agents, SLA policies, canned replies, rules, a year of conversations.

Conversations are written through the product's own paths with the clock set to their moment:
``inbound.message_receive`` for customers' messages (customer matching, conversation threading, timeline,
hooks), ``services.message_send`` / ``conversation_assign`` / ``conversation_status_set`` for the shop's side.
Replies of the past are marked sent and delivered (nobody will send them again); the last few days stay open
so that the queues, the backlog and the SLA states look like a working inbox.
"""

import datetime as dt
import random

from django.utils import timezone

from mehvar.channels.base import InboundMessage
from mehvar.channels.models import Channel, OutboxMessage
from mehvar.conversations import services
from mehvar.conversations.demo_stories import STORIES, Story
from mehvar.conversations.inbound import message_receive
from mehvar.conversations.models import AgentProfile, AutomationRule, SlaPolicy, Status, Team
from mehvar.core.jalali import TEHRAN
from mehvar.core.roles import Role
from mehvar.customers.models import Identity
from mehvar.demo.registry import DemoContext, demo_step

CONVERSATIONS_MAX = 700  # one for every fifth customer, at most this many
OPEN_SHARE = 0.065  # the newest ones stay open
CHANNEL_WEIGHTS = {"email": 3, "sms": 3, "telegram": 3, "webchat": 2, "api": 1}
DEMO_CHANNELS = (
    ("email", "ایمیل پشتیبانی"),
    ("sms", "پیامک ۳۰۰۰۱۲۳۴"),
    ("telegram", "ربات تلگرام فروشگاه"),
    ("webchat", "گفتگوی سایت"),
    ("phone", "تلفن ۰۲۱-۹۱۰۰۱۲۳۴"),
    ("api", "سامانه‌ی سفارش‌ها"),
)


def demo_channel_config(kind: str) -> dict:
    """Settings the demo's channels start with (the e-mail, SMS and Telegram ones point at nothing real)."""
    from mehvar.conversations import demo_config

    return demo_config.config_for(kind)


def _setup(context: DemoContext) -> tuple[dict[str, Channel], list, dict[str, Team]]:
    workspace = context.workspace
    channels = {
        kind: Channel.objects.create(
            workspace=workspace, kind=kind, name=name, config=demo_channel_config(kind)
        )
        for kind, name in DEMO_CHANNELS
    }
    agents = context.members.get(Role.AGENT, [])
    supervisors = context.members.get(Role.SUPERVISOR, [])
    support = Team.objects.create(
        workspace=workspace, name="پشتیبانی", supervisor=supervisors[0] if supervisors else None
    )
    sales = Team.objects.create(
        workspace=workspace, name="فروش", supervisor=supervisors[0] if supervisors else None
    )
    support.members.set([*agents[:2], *supervisors])
    sales.members.set(agents[2:] or agents[:1])
    skills = [["ارسال", "بازگشت وجه"], ["کیفیت کالا", "سایت و اپ", "پشتیبانی"], ["قیمت و ارزش خرید"]]
    for index, member in enumerate([*agents, *supervisors]):
        AgentProfile.objects.create(
            workspace=workspace,
            membership=member,
            presence=AgentProfile.Presence.ONLINE if index < 2 else AgentProfile.Presence.OFFLINE,
            capacity=10,
            skills=skills[index % len(skills)],
            languages=["fa", "en"] if index % 2 == 0 else ["fa"],
            channels=[],
            senior=member.role == Role.SUPERVISOR or index == 0,
        )
    for position, (name, priority, tag, first, following, resolution) in enumerate(
        (
            ("فوری", "urgent", "", 30, 60, 240),
            ("مشتریان ویژه", "", "vip", 60, 120, 540),
            ("اولویت بالا", "high", "", 60, 180, 540),
            ("عادی", "", "", 240, 480, 1620),
        )
    ):
        SlaPolicy.objects.create(
            workspace=workspace,
            name=name,
            position=position,
            priority=priority,
            customer_tag=tag,
            first_response_minutes=first,
            next_response_minutes=following,
            resolution_minutes=resolution,
        )
    AutomationRule.objects.create(
        workspace=workspace,
        name="مرجوعی‌ها به تیم پشتیبانی",
        position=0,
        event="message_created",
        conditions=[{"field": "text", "op": "contains", "value": "مرجوع"}],
        actions=[{"type": "add_tag", "value": "مرجوعی"}, {"type": "assign_team", "value": support.pk}],
    )
    AutomationRule.objects.create(
        workspace=workspace,
        name="«فوری» یعنی اولویت بالا",
        position=1,
        event="message_created",
        conditions=[{"field": "text", "op": "contains", "value": "فوری"}],
        actions=[{"type": "set_priority", "value": "high"}],
    )
    from mehvar.conversations.canned import canned_replies_seed

    canned_replies_seed(workspace)
    return channels, [*agents, *supervisors], {"support": support, "sales": sales}


def _moment(rng: random.Random, now: dt.datetime, index: int, total: int) -> dt.datetime:
    """Older conversations thin out: a year back, denser towards today, in Tehran's waking hours."""
    share = (index / total) ** 0.7
    days_ago = (1 - share) * 365 if index < total * (1 - OPEN_SHARE) else rng.uniform(0, 3)
    day = (now - dt.timedelta(days=days_ago)).astimezone(TEHRAN)
    moment = day.replace(hour=rng.randint(8, 21), minute=rng.randint(0, 59), second=0, microsecond=0)
    return min(moment.astimezone(dt.UTC), now - dt.timedelta(minutes=5))


def _identities(kind: str, customer_id: int, by_kind: dict[str, str]) -> tuple[tuple[str, str], ...] | None:
    if kind in ("sms", "phone"):
        return (("phone", by_kind["phone"]),) if "phone" in by_kind else None
    if kind == "email":
        return (("email", by_kind["email"]),) if "email" in by_kind else None
    if kind == "telegram":
        return (("telegram", by_kind["telegram"]),) if "telegram" in by_kind else None
    if kind == "webchat":  # a visitor who left a contact the shop knows: matched to that customer
        contact = next(((k, by_kind[k]) for k in ("email", "phone") if k in by_kind), None)
        return (contact, ("web_visitor", f"demo-visitor-{customer_id}")) if contact else None
    return (("phone", by_kind["phone"]),) if "phone" in by_kind else None


def _text(rng: random.Random, options: tuple[str, ...], order: str) -> str:
    return rng.choice(options).replace("{order}", order)


@demo_step(order=200, name="conversations")
def load_conversations(context: DemoContext) -> None:
    rng = random.Random(context.seed + 4)
    now = timezone.now().replace(second=0, microsecond=0)
    channels, staff, teams = _setup(context)
    people: dict[int, dict[str, str]] = {}
    for customer_id, kind, value in (
        Identity.objects.filter(workspace=context.workspace, kind__in=["phone", "email", "telegram"])
        .order_by("customer_id", "pk")
        .values_list("customer_id", "kind", "value")[:20000]
    ):
        people.setdefault(customer_id, {}).setdefault(kind, value)
    customer_ids = sorted(people)
    if not customer_ids or not staff:
        return
    kinds = [kind for kind, weight in CHANNEL_WEIGHTS.items() for _ in range(weight)]
    total = min(CONVERSATIONS_MAX, max(context.customers // 5, 10))
    made = 0
    for index in range(total):
        made += _one(context, rng, now, index, total, channels, staff, teams, people, customer_ids, kinds)
    sent = OutboxMessage.objects.filter(workspace=context.workspace, status=OutboxMessage.Status.PENDING)
    sent.update(status=OutboxMessage.Status.SENT, delivery=OutboxMessage.Delivery.DELIVERED, sent_at=now)
    context.say(f"conversations: {made} across {len(channels)} channels")


def _one(context, rng, now, index, total, channels, staff, teams, people, customer_ids, kinds) -> int:
    story: Story = rng.choice(STORIES)
    kind = rng.choice(kinds)
    customer_id = rng.choice(customer_ids)
    identities = _identities(kind, customer_id, people[customer_id])
    if identities is None:
        kind, identities = "sms", _identities("sms", customer_id, people[customer_id])
        if identities is None:
            return 0
    channel = channels[kind]
    order = f"{rng.randint(100000, 999999)}"
    start = _moment(rng, now, index, total)
    recent = index >= total * (1 - OPEN_SHARE)
    inbound = InboundMessage(
        external_id=f"demo-{index}-0",
        identities=identities,
        text=_text(rng, story.opening, order),
        subject=story.subject.replace("{order}", order) if kind == "email" else "",
        sent_at=start,
        thread_key=f"demo-thread-{index}" if kind in ("telegram", "webchat", "api") else "",
    )
    conversation = message_receive(channel=channel, inbound=inbound, now=start).conversation
    services.conversation_update(
        conversation=conversation,
        acting=None,
        priority=story.priority,
        category=story.category,
        tags=list(story.tags),
        now=start,
    )
    if recent and rng.random() < 0.35:
        return 1  # new and waiting for someone to pick it up
    agent = rng.choice(staff)
    picked = start + dt.timedelta(minutes=rng.choice([2, 5, 10, 25, 60, 180]))
    if picked >= now:
        return 1
    team = teams["sales"] if story.category == "قیمت و ارزش خرید" else teams["support"]
    services.conversation_assign(
        conversation=conversation,
        assignee=agent,
        team=team,
        acting=None,
        now=picked,
        reason=rng.choice(["مهارت: " + story.category, "نوبتی (round-robin)", "کارشناس قبلی این مشتری"]),
    )
    replied = picked + dt.timedelta(minutes=rng.choice([3, 8, 15, 40, 90, 300]))
    if replied >= now or (recent and rng.random() < 0.3):
        return 1  # assigned, not answered yet: the SLA clock runs
    services.message_send(
        conversation=conversation,
        acting=agent,
        text=_text(rng, story.replies, order),
        now=replied,
        idempotency_key=f"demo-{index}-r1",
    )
    if story.follow_ups and rng.random() < 0.6:
        answered = replied + dt.timedelta(hours=rng.choice([1, 3, 20]))
        if answered < now:
            message_receive(
                channel=channel,
                inbound=InboundMessage(
                    external_id=f"demo-{index}-1",
                    identities=identities,
                    sent_at=answered,
                    text=_text(rng, story.follow_ups, order),
                    thread_key=inbound.thread_key,
                ),
                now=answered,
            )
            conversation.refresh_from_db()
            closing = answered + dt.timedelta(minutes=rng.choice([10, 30, 120]))
            if closing < now and not (recent and rng.random() < 0.5):
                services.message_send(
                    conversation=conversation,
                    acting=agent,
                    now=closing,
                    idempotency_key=f"demo-{index}-r2",
                    text="ممنون از صبوری شما. اگر سؤال دیگری بود در خدمتیم.",
                )
    if recent and rng.random() < 0.5:
        if rng.random() < 0.5:
            services.conversation_status_set(
                conversation=conversation, status=Status.WAITING, acting=None, now=replied
            )
        return 1
    resolved = max(replied, conversation.last_message_at or replied) + dt.timedelta(
        minutes=rng.choice([5, 30, 240])
    )
    if resolved < now:
        services.conversation_status_set(
            conversation=conversation, status=Status.RESOLVED, acting=None, now=resolved
        )
        if resolved < now - dt.timedelta(days=7):
            services.conversation_status_set(
                conversation=conversation,
                status=Status.CLOSED,
                acting=None,
                now=resolved + dt.timedelta(days=7),
            )
    return 1
