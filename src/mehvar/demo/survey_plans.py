"""Who the demo's surveys asked, and when (``demo/surveys.py`` answers and stores): the CSAT after resolved
conversations, the relationship NPS walk, the CES after deliveries, and the workspace's 30-day rule over
them all. ``Shop`` reads once what the earlier demo steps left: channels, addresses, consents as of any
moment, and each customer's standing (lifecycle, tags, a personal leaning), which the scores lean on.
"""

import bisect
import datetime as dt
import heapq
import random
from collections import defaultdict
from dataclasses import dataclass

from mehvar.channels.models import Channel
from mehvar.conversations.models import Conversation, Status
from mehvar.customers.models import Activity, Consent, Customer, Identity
from mehvar.demo import survey_texts as texts
from mehvar.demo.registry import DemoContext
from mehvar.surveys import comments
from mehvar.surveys.addressing import reach
from mehvar.surveys.models import Invitation, Question, Response, Survey, Trigger
from mehvar.surveys.reports.rollups import month_of

CSAT_SHARE, CSAT_ANSWERED = 0.6, 0.45
CES_SHARE, CES_ANSWERED = 0.35, 0.4
NPS_INTERVAL, NPS_ANSWERED = 90, 0.35
COMMENTED = {texts.NEGATIVE: 0.5, texts.NEUTRAL: 0.36, texts.POSITIVE: 0.32}
# The courier month: Jalali months ago → shift of the NPS (CES and delivery CSAT feel part of it); the new
# courier then does better than the old one.
COURIER_DIP = {5: -2.6, 4: -1.0, 3: -0.2, 2: 0.2, 1: 0.1, 0: 0.1}
AGENT_EFFECTS = (0.5, -0.7, 0.1, 0.3)  # CSAT points, by the staff's order (agents, then supervisors)
LIFECYCLE_EFFECTS = {"loyal": 0.8, "active": 0.3, "at_risk": -1.0, "churned": -1.6}
TAG_EFFECTS = {"VIP": 0.4, "وفادار": 0.5, "شکایت‌کننده": -1.5}
QUIET_GAP = dt.timedelta(days=3)  # nothing unanswered this recent: its reminder would still be due
MARKETING_CHANNELS = ("sms", "email", "telegram")
ADDRESS_KINDS = {"sms": "phone", "email": "email", "telegram": "telegram"}
NPS_TOPICS = (
    "delivery",
    "price_value",
    "product_quality",
    "support",
    "website_app",
    "packaging",
    "refund_return",
    "general",
)
NPS_TOPIC_WEIGHTS = (4, 4, 4, 2, 2, 1, 1, 2)


@dataclass
class Plan:
    """One invitation to write (and its answer, if any)."""

    survey: Survey
    customer_id: int
    channel: Channel
    address: str
    created_at: dt.datetime
    base: float  # the score before the month and chance
    topic: str = ""  # what a comment would most likely be about
    conversation_id: int | None = None
    activity_id: int | None = None
    agent_id: int | None = None
    team_id: int | None = None
    send_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    score: int | None = None
    answered_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    reminded_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    one_tap: bool = False
    comment: str = ""
    comment_question: Question | None = None
    flags: tuple[str, ...] = ()
    reading: comments.Reading | None = None
    invitation: Invitation | None = None
    response: Response | None = None


class Shop:
    """What the earlier steps left: channels, addresses, consents, customers' standing; read once."""

    def __init__(self, context: DemoContext, now: dt.datetime) -> None:
        workspace = context.workspace
        self.now = now
        self.channels = {c.kind: c for c in Channel.objects.filter(workspace=workspace, enabled=True)}
        self.addresses: dict[int, dict[str, str]] = defaultdict(dict)
        for customer_id, kind, value in (
            Identity.objects.filter(workspace=workspace, kind__in=list(ADDRESS_KINDS.values()))
            .order_by("customer_id", "-pk")
            .values_list("customer_id", "kind", "value")
        ):
            self.addresses[customer_id].setdefault(kind, value)
        self.consents: dict[tuple[int, str], list[tuple[dt.datetime, bool]]] = defaultdict(list)
        for customer_id, channel, recorded_at, granted in (
            Consent.objects.filter(workspace=workspace)
            .order_by("recorded_at", "pk")
            .values_list("customer_id", "channel", "recorded_at", "granted")
        ):
            self.consents[(customer_id, channel)].append((recorded_at, granted))
        self.first_seen = dict(
            Customer.objects.filter(workspace=workspace).values_list("pk", "first_seen_at").order_by("pk")
        )
        tags: dict[int, list[str]] = defaultdict(list)
        for customer_id, name in Customer.tags.through.objects.filter(
            customer__workspace=workspace
        ).values_list("customer_id", "tag__name"):
            tags[customer_id].append(name)
        rng = random.Random(context.seed + 11)
        self.standing = {
            pk: LIFECYCLE_EFFECTS.get(lifecycle, 0.0)
            + sum(TAG_EFFECTS.get(tag, 0.0) for tag in tags.get(pk, ()))
            + rng.gauss(0, 0.7)
            for pk, lifecycle in Customer.objects.filter(workspace=workspace)
            .order_by("pk")
            .values_list("pk", "lifecycle")
        }

    def consent(self, customer_id: int, kind: str, moment: dt.datetime) -> bool | None:
        """The customer's newest decision on this channel kind as of ``moment`` (None: never asked)."""
        newest = None
        for recorded_at, granted in self.consents.get((customer_id, kind), ()):
            if recorded_at > moment:
                break
            newest = granted
        return newest

    def reach(self, customer_id: int, moment: dt.datetime, *, marketing: bool) -> tuple[Channel, str] | None:
        """SMS, then e-mail, then Telegram: the first with an address that consent allows at ``moment``."""
        for kind in MARKETING_CHANNELS:
            address = self.addresses.get(customer_id, {}).get(ADDRESS_KINDS[kind])
            if kind not in self.channels or not address:
                continue
            decision = self.consent(customer_id, kind, moment)
            if decision is True or (not marketing and decision is None):
                return self.channels[kind], address
        return None

    def next_grant(self, customer_id: int, moment: dt.datetime) -> dt.datetime | None:
        """An hour after the customer next gives marketing consent on a channel they can be reached on."""
        later = [
            recorded_at
            for kind in MARKETING_CHANNELS
            if self.addresses.get(customer_id, {}).get(ADDRESS_KINDS[kind])
            for recorded_at, granted in self.consents.get((customer_id, kind), ())
            if granted and recorded_at > moment
        ]
        return min(later) + dt.timedelta(hours=1) if later else None

    def months_ago(self, moment: dt.datetime) -> int:
        this, then = month_of(self.now), month_of(moment)
        return (this // 100 - then // 100) * 12 + this % 100 - then % 100

    def courier(self, moment: dt.datetime) -> float:
        return COURIER_DIP.get(self.months_ago(moment), 0.0)


def csat_plans(shop: Shop, rng: random.Random, survey: Survey, staff: list[int]) -> list[Plan]:
    effects = {pk: AGENT_EFFECTS[i % len(AGENT_EFFECTS)] for i, pk in enumerate(staff)}
    plans = []
    resolved = (
        Conversation.objects.filter(
            workspace_id=survey.workspace_id,
            status__in=[Status.RESOLVED, Status.CLOSED],
            resolved_at__isnull=False,
            merged_into__isnull=True,
        )
        .select_related("channel", "customer", "workspace")
        .order_by("pk")
    )
    for conversation in resolved:
        if rng.random() >= CSAT_SHARE:
            continue
        found = reach(customer=conversation.customer, conversation=conversation)
        moment = conversation.resolved_at
        if found is None or shop.consent(conversation.customer_id, found[0].kind, moment) is False:
            continue
        first = conversation.first_response_seconds
        base = 4.2 + effects.get(conversation.assignee_id, 0.0)
        base += -1.3 if conversation.sla_breaches else 0.0
        base += -1.0 if conversation.reopened_count else 0.0
        base += 0.4 if first is not None and first <= 600 else -0.5 if first and first > 7200 else 0.0
        base += -0.4 if (conversation.resolution_seconds or 0) > 8 * 3600 else 0.0
        topic = texts.CATEGORY_TOPICS.get(conversation.category, "support")
        plans.append(
            Plan(
                survey=survey,
                customer_id=conversation.customer_id,
                channel=found[0],
                address=found[1],
                created_at=moment,
                base=base,
                topic=topic if rng.random() < 0.6 else rng.choice(("support", "support", "website_app")),
                conversation_id=conversation.pk,
                agent_id=conversation.assignee_id,
                team_id=conversation.team_id,
            )
        )
    return plans


def ces_plans(shop: Shop, rng: random.Random, survey: Survey, start: dt.datetime) -> list[Plan]:
    plans = []
    deliveries = (
        Activity.objects.filter(
            workspace_id=survey.workspace_id,
            kind="delivery",
            occurred_at__gte=start,
            occurred_at__lt=shop.now - dt.timedelta(days=survey.delay_days),
        )
        .order_by("occurred_at", "pk")
        .values_list("pk", "customer_id", "occurred_at")
    )
    for pk, customer_id, occurred_at in deliveries:
        if rng.random() >= CES_SHARE:
            continue
        moment = occurred_at + dt.timedelta(days=survey.delay_days, minutes=rng.randint(1, 10))
        found = shop.reach(customer_id, moment, marketing=False)
        if found is None:
            continue
        plans.append(
            Plan(
                survey=survey,
                customer_id=customer_id,
                channel=found[0],
                address=found[1],
                created_at=moment,
                base=5.6 + 0.3 * shop.standing.get(customer_id, 0.0),
                topic=rng.choices(("delivery", "packaging", "product_quality"), (6, 3, 2))[0],
                activity_id=pk,
            )
        )
    return plans


def nps_plans(shop: Shop, rng: random.Random, survey: Survey, start: dt.datetime) -> list[Plan]:
    """The hourly walk: each consented customer asked every 90 days (from a random start) while consent
    allows; the last invitation is at least three days old, so the walk finds nobody due right after."""
    plans = []
    interval = dt.timedelta(days=NPS_INTERVAL)
    granted = sorted({pk for (pk, _kind), rows in shop.consents.items() if any(g for _t, g in rows)})
    for customer_id in granted:
        phase = dt.timedelta(days=rng.uniform(0, NPS_INTERVAL))
        moment: dt.datetime | None = max(start + phase, shop.first_seen.get(customer_id, start))
        while moment is not None and moment < shop.now - QUIET_GAP:
            found = shop.reach(customer_id, moment, marketing=True)
            if found is None:  # asked again once the customer consents (the walk comes by hourly)
                moment = shop.next_grant(customer_id, moment)
                continue
            plans.append(
                Plan(
                    survey=survey,
                    customer_id=customer_id,
                    channel=found[0],
                    address=found[1],
                    created_at=moment,
                    base=8.2 + shop.standing.get(customer_id, 0.0),
                    topic=rng.choices(NPS_TOPICS, NPS_TOPIC_WEIGHTS)[0],
                )
            )
            moment += interval + dt.timedelta(minutes=rng.randint(0, 48 * 60))
    return plans


def throttled(plans: list[Plan], rng: random.Random, shop: Shop) -> list[Plan]:
    """The workspace's rule: no two invitations to one customer within 30 days, and the relationship survey
    not within its interval. Conversations come first (about 60% of them are followed by a survey); the
    rest are fitted around them in time order, a relationship invitation that must wait made when it may."""
    gap = dt.timedelta(days=30)
    interval = dt.timedelta(days=NPS_INTERVAL)
    taken: dict[int, list[dt.datetime]] = defaultdict(list)  # per customer, sorted
    last_relationship: dict[int, dt.datetime] = {}
    kept = []

    def clash(customer_id: int, moment: dt.datetime) -> dt.datetime | None:
        """The latest invitation within 30 days of ``moment`` either side, if any."""
        near = [t for t in taken[customer_id] if abs(t - moment) < gap]
        return max(near) if near else None

    first = sorted((p for p in plans if p.conversation_id is not None), key=lambda p: p.created_at)
    for plan in first:
        if clash(plan.customer_id, plan.created_at) is None:
            bisect.insort(taken[plan.customer_id], plan.created_at)
            kept.append(plan)
    queue = [(p.created_at, order, p) for order, p in enumerate(plans) if p.conversation_id is None]
    heapq.heapify(queue)
    order = len(plans)
    while queue:
        moment, _order, plan = heapq.heappop(queue)
        relationship = plan.survey.trigger == Trigger.RELATIONSHIP
        blocker = clash(plan.customer_id, moment)
        earliest = blocker + gap if blocker is not None else moment
        if relationship and plan.customer_id in last_relationship:
            earliest = max(earliest, last_relationship[plan.customer_id] + interval)
        if moment < earliest:
            later = earliest + dt.timedelta(hours=rng.randint(1, 30))
            found = shop.reach(plan.customer_id, later, marketing=True) if relationship else None
            if found is not None and later < shop.now - QUIET_GAP:
                plan.created_at, (plan.channel, plan.address) = later, found
                order += 1
                heapq.heappush(queue, (later, order, plan))
            continue
        bisect.insort(taken[plan.customer_id], moment)
        if relationship:
            last_relationship[plan.customer_id] = moment
        kept.append(plan)
    return kept
