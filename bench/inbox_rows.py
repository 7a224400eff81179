"""The inbox benchmarks' rows: one plan per conversation, and the conversation and message rows drawn from it.

A ``Plan`` is everything a conversation's row and its messages need (status, times, directions of its
messages, assignee...). Plans come from one ``random.Random(seed)`` in conversation order, so the messages'
pass regenerates exactly the plans of the conversations' pass: nothing is kept in memory between the two.

The mix, by status (share of conversations): closed 88.5%, resolved 8%, open 1.7%, waiting on the customer
1%, new 0.8%. Closed conversations ended 8 to 365 days ago, resolved ones in the last week (inside the
reopen window), the open ones had their last message in the last week (skewed towards the last hours).
Every conversation has ``messages // conversations`` messages on average (1 to 9 at the standard 5:
conversations are paired so that the total is exact); the first is the customer's, then replies and
customer messages alternate with an internal note now and then, and the last one fits the status (the
customer's for open and new conversations, ours otherwise).

Open conversations (new and open) carry an SLA deadline: 12% overdue (up to two days), 6% due within the
hour (the "breaching soon" queue), the rest later; a conversation waiting on the customer has its clock
paused (no deadline).
"""

import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

DAY = 24 * 3600
STATUSES = (("closed", 0.885), ("resolved", 0.08), ("open", 0.017), ("waiting", 0.01), ("new", 0.008))
OPEN = ("new", "open", "waiting")
PRIORITIES = ("low",) * 15 + ("normal",) * 65 + ("high",) * 15 + ("urgent",) * 5
CATEGORIES = ("ارسال", "بازپرداخت", "پرداخت", "کیفیت کالا", "حساب کاربری", "سفارش", "گارانتی", "")
CHANNEL_SHARES = (20, 20, 20, 25, 10, 5)  # per channel, in the order of inbox_dataset.CHANNELS
SUBJECTS = ("پیگیری سفارش", "مشکل در پرداخت", "درخواست بازگشت کالا", "سؤال دربارهٔ ارسال", "خرابی کالا")
INBOUND = tuple(
    f"سلام، {what} {when}. لطفاً بررسی کنید، ممنون."
    for what in (
        "سفارشم هنوز نرسیده",
        "مبلغ دو بار از حسابم کم شده",
        "کالا آسیب‌دیده به دستم رسید",
        "کد تخفیف کار نمی‌کند",
        "نمی‌توانم وارد حسابم شوم",
        "می‌خواهم سفارشم را لغو کنم",
        "فاکتور سفارش را لازم دارم",
        "رنگ کالا با عکس فرق دارد",
    )
    for when in ("از دیروز", "از هفتهٔ پیش", "امروز صبح", "بعد از سفارش آخر", "")
)
OUTBOUND = tuple(
    f"{greeting} {answer}"
    for greeting in ("سلام، وقت بخیر.", "درود بر شما.", "سپاس از صبوری شما.", "پوزش بابت این مشکل.")
    for answer in (
        "سفارش شما بررسی شد و فردا ارسال می‌شود.",
        "مبلغ اضافه تا ۷۲ ساعت کاری به حسابتان برمی‌گردد.",
        "کد پیگیری مرسوله برایتان پیامک شد.",
        "درخواست بازگشت ثبت شد؛ همکاران ما تماس می‌گیرند.",
        "لطفاً شمارهٔ سفارش را بفرستید تا پیگیری کنیم.",
        "رمز عبور جدید به ایمیلتان فرستاده شد.",
    )
)
NOTES = (
    "با واحد انبار هماهنگ شد.",
    "مشتری قبلاً هم همین مشکل را داشته.",
    "منتظر پاسخ واحد مالی هستیم.",
    "به سرپرست ارجاع شد.",
)


@dataclass(slots=True)
class Plan:
    pk: int
    customer: int
    channel: int  # index into the channels
    status: str
    priority: str
    category: str
    language: str
    team: int | None  # index into the teams
    assignee: int | None  # membership id
    times: list[int]  # epoch seconds, one per message, ascending
    directions: list[str]  # "in", "out", "note", one per message
    sla_due: int | None
    overdue: bool
    warned: bool  # overdue or due within the hour: the SLA warning went out
    resolved_at: int | None
    closed_at: int | None


def _pick(rng: random.Random, table: Sequence[str]) -> str:
    return table[rng.randrange(len(table))]


def _counts(rng: random.Random, conversations: int, messages: int) -> Iterator[int]:
    """Messages per conversation, in order: varied, at least one, summing to ``messages`` exactly."""
    base, extra = divmod(messages, conversations)
    pending: int | None = None
    for pk in range(1, conversations + 1):
        own = base + (1 if pk <= extra else 0)
        if pending is not None:
            yield own + pending
            pending = None
        elif pk < conversations and own == base + (1 if pk + 1 <= extra else 0) and own > 1:
            pending = rng.randrange(own)
            yield own - pending
        else:
            yield own


def _directions(rng: random.Random, count: int, status: str) -> list[str]:
    if status == "new":
        return ["in"] * count
    found = ["in"]
    for n in range(1, count):
        found.append("note" if rng.random() < 0.08 else ("out" if n % 2 else "in"))
    if count > 1:
        found[-1] = "in" if status == "open" else "out"
    return found


def plans(
    *,
    conversations: int,
    messages: int,
    customers: int,
    channels: int,
    team_members: Sequence[Sequence[int]],
    agents: Sequence[int],
    now: int,
    seed: int,
) -> Iterator[Plan]:
    rng = random.Random(seed)
    counts = _counts(random.Random(seed + 1), conversations, messages)
    channel_table = [n for n, share in enumerate(CHANNEL_SHARES[:channels]) for _ in range(share)]
    for pk, count in zip(range(1, conversations + 1), counts, strict=True):
        roll, status = rng.random(), "new"
        for name, share in STATUSES:
            if roll < share:
                status = name
                break
            roll -= share
        if status == "closed":
            last = now - rng.randrange(8 * DAY, 365 * DAY)
        elif status == "resolved":
            last = now - rng.randrange(3600, 7 * DAY)
        else:  # skewed towards the last hours
            last = now - min(rng.randrange(60, 7 * DAY), rng.randrange(60, 7 * DAY))
        span = rng.randrange(600, (1 if status == "new" else 3) * DAY)
        first = last - span
        times = [first + span * n // (count - 1) for n in range(count)] if count > 1 else [last]
        team = rng.randrange(len(team_members)) if team_members and rng.random() < 0.6 else None
        assigned = rng.random() < {"closed": 0.97, "resolved": 0.97, "open": 0.75, "waiting": 0.95}.get(
            status, 0.15
        )
        pool = team_members[team] if team is not None and team_members[team] else agents
        sla_due, overdue, warned = None, False, False
        if status in ("new", "open"):
            roll = rng.random()
            if roll < 0.12:
                sla_due, overdue, warned = now - rng.randrange(60, 2 * DAY), True, True
            elif roll < 0.18:
                sla_due, warned = now + rng.randrange(60, 3600), True
            else:
                sla_due = now + rng.randrange(3600, 3 * DAY)
        resolved = last + rng.randrange(60, 3600) if status in ("closed", "resolved") else None
        yield Plan(
            pk=pk,
            customer=1 + rng.randrange(customers),
            channel=channel_table[rng.randrange(len(channel_table))],
            status=status,
            priority=_pick(rng, PRIORITIES),
            category=_pick(rng, CATEGORIES),
            language="en" if rng.random() < 0.04 else "fa",
            team=team,
            assignee=pool[rng.randrange(len(pool))] if assigned and pool else None,
            times=times,
            directions=_directions(rng, count, status),
            sla_due=sla_due,
            overdue=overdue,
            warned=warned,
            resolved_at=resolved,
            closed_at=resolved + 7 * DAY if status == "closed" and resolved is not None else None,
        )


class Stamps:
    """Epoch seconds as the text a COPY (``+00``) or SQLite (naive UTC) accepts; None stays None."""

    def __init__(self, postgres: bool) -> None:
        self.suffix = "+00" if postgres else ""

    def __call__(self, seconds: int | None) -> str | None:
        if seconds is None:
            return None
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds)) + self.suffix


def conversation_row(
    plan: Plan, *, workspace_id: int, channels: Sequence[int], teams: Sequence[int], stamp: Stamps
) -> tuple:
    """The row in ``inbox_dataset.CONVERSATION_COLUMNS`` order."""
    times, directions = plan.times, plan.directions
    ins = [t for t, d in zip(times, directions, strict=True) if d == "in"]
    outs = [t for t, d in zip(times, directions, strict=True) if d == "out"]
    first, last = times[0], times[-1]
    last_out = outs[-1] if outs else None
    awaiting = None
    if plan.status in ("new", "open"):
        awaiting = min((t for t in ins if last_out is None or t > last_out), default=ins[-1])
    updated = max(t for t in (last, plan.resolved_at, plan.closed_at) if t is not None)
    subject = SUBJECTS[plan.pk % len(SUBJECTS)] if plan.channel == 0 else ""
    due = plan.sla_due
    breaches = '["first"]' if plan.overdue or (plan.status == "closed" and plan.pk % 10 == 0) else "[]"
    return (
        plan.pk,
        workspace_id,
        plan.pk,  # number
        plan.customer,
        channels[plan.channel],
        subject,
        plan.status,
        plan.priority,
        plan.category,
        plan.language,
        teams[plan.team] if plan.team is not None else None,
        plan.assignee,
        "",  # assignment_reason
        stamp(first + 60) if plan.assignee else None,
        "",  # thread_key
        None,  # merged_into
        stamp(first),
        stamp(updated),
        stamp(last),
        stamp(ins[-1]),
        stamp(last_out),
        stamp(awaiting),
        stamp(last_out) if plan.status == "waiting" else None,
        stamp(outs[0]) if outs else None,
        stamp(plan.resolved_at),
        stamp(plan.closed_at),
        None,  # sla_policy
        stamp(due) if plan.status == "new" else None,
        stamp(due) if plan.status == "open" else None,
        stamp(first + 3 * DAY) if plan.status in OPEN else None,
        stamp(due),
        stamp(due - 3600) if due is not None and plan.warned else None,
        stamp(due + 60) if plan.overdue and due is not None else None,
        0,  # sla_paused_seconds
        breaches,
        outs[0] - first if outs else None,
        plan.resolved_at - first if plan.resolved_at else None,
        len(outs),
        len(ins),
        1 if plan.pk % 33 == 0 else 0,
    )


def message_rows(
    plan: Plan,
    *,
    first_pk: int,
    workspace_id: int,
    channels: Sequence[int],
    fallback_author: int,
    stamp: Stamps,
) -> Iterator[tuple]:
    """The plan's messages in ``inbox_dataset.MESSAGE_COLUMNS`` order, ids from ``first_pk``."""
    channel = channels[plan.channel]
    author = plan.assignee or fallback_author
    subject = SUBJECTS[plan.pk % len(SUBJECTS)] if plan.channel == 0 else ""
    for n, (moment, direction) in enumerate(zip(plan.times, plan.directions, strict=True)):
        pk = first_pk + n
        if direction == "in":
            text, external = INBOUND[pk % len(INBOUND)], f"bench-{pk}"
        elif direction == "out":
            text, external = OUTBOUND[pk % len(OUTBOUND)], ""
        else:
            text, external = NOTES[pk % len(NOTES)], ""
        yield (
            pk,
            workspace_id,
            plan.pk,
            channel,
            direction,
            None if direction == "in" else author,
            "",  # sender_name
            subject if n == 0 else "",
            text,
            "",  # html
            external,
            "[]",  # references
            None,  # outbox
            "[]",  # abuse
            None,  # template
            "{}",  # data
            stamp(moment),
        )
