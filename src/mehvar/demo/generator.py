"""The one demo data generator: a Persian online shop, its staff and its customers, deterministic by seed.

The demo, the tests and the benchmarks all draw from here, so a bug found in one is a bug found in all.

Customers are written the way real customers write themselves: Arabic or Persian ی/ک, ئ or ی (رضائی /
رضایی), compound names joined, with a zero-width non-joiner or with a space, phones in every common shape
(۰۹۱۲ ۳۴۵ ۶۷۸۹, 00989123456789, +98 912-345-6789, 9123456789...), some e-mails missing, Jalali birthdays
(stored as Gregorian dates). A share of rows are deliberate duplicates: a person seen before, written
differently; ``GeneratedCustomer.person`` is the ground truth that the matching work will be measured against.

:func:`customers` is a generator that keeps only a small window of recent people in memory, so a million
rows cost no more memory than a thousand.
"""

import bisect
import dataclasses
import datetime as dt
import itertools
import random
from collections.abc import Iterator
from typing import Generic, NamedTuple, TypeVar

import jdatetime

from mehvar.core.roles import Role
from mehvar.customers.cleaning import NewCustomer
from mehvar.demo.iran_places import PROVINCES
from mehvar.demo.persian_names import FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES

# --- The business and its staff ---------------------------------------------------------------------------

DEMO_WORKSPACE_NAME = "فروشگاه اینترنتی آوا"
DEMO_WORKSPACE_SLUG = "demo"
DEMO_PASSWORD = "mehvar-demo"  # shared by every demo login and printed by `make demo`; never a real account
DEMO_EMAIL_DOMAIN = "demo.mehvar.ir"


class StaffMember(NamedTuple):
    role: str
    email: str
    full_name: str


DEMO_STAFF: tuple[StaffMember, ...] = (
    StaffMember(Role.OWNER, f"owner@{DEMO_EMAIL_DOMAIN}", "نسترن افشار"),
    StaffMember(Role.ADMIN, f"admin@{DEMO_EMAIL_DOMAIN}", "کاوه مقدم"),
    StaffMember(Role.SUPERVISOR, f"supervisor@{DEMO_EMAIL_DOMAIN}", "شیرین کاظمی"),
    StaffMember(Role.AGENT, f"agent1@{DEMO_EMAIL_DOMAIN}", "رضا نوروزی"),
    StaffMember(Role.AGENT, f"agent2@{DEMO_EMAIL_DOMAIN}", "مریم شکیبا"),
    StaffMember(Role.AGENT, f"agent3@{DEMO_EMAIL_DOMAIN}", "امید جلالی"),
    StaffMember(Role.MARKETER, f"marketer@{DEMO_EMAIL_DOMAIN}", "ترانه صدری"),
    StaffMember(Role.ANALYST, f"analyst@{DEMO_EMAIL_DOMAIN}", "بهزاد فرهمند"),
)

# --- Customers --------------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class GeneratedCustomer(NewCustomer):
    """A new customer as written, with the identity behind it (duplicates share ``person``)."""

    person: int = 0
    duplicate: bool = False


DUPLICATE_RATE = 0.06
RECENT_PEOPLE = 5000  # duplicates are drawn from this many recent people: memory stays bounded
FIRST_DUPLICATE_AFTER = 50  # people seen before the first duplicate, so that duplicates spread out

# Iranian mobile prefixes (after the leading 0) with rough shares: MCI, Irancell, Rightel.
_MOBILE_PREFIXES = (
    ("912", 14), ("910", 6), ("911", 5), ("913", 5), ("914", 5), ("915", 5), ("916", 4), ("917", 4),
    ("918", 4), ("919", 6), ("990", 4), ("991", 3), ("992", 2), ("993", 2), ("994", 1),
    ("935", 6), ("936", 5), ("937", 4), ("938", 3), ("939", 4), ("930", 3), ("933", 3),
    ("901", 3), ("902", 3), ("903", 2), ("905", 1), ("920", 1), ("921", 2), ("922", 1),
)  # fmt: skip

# How a national number 9123456789 gets written: (template, weight). a=912, b=345, c=6789, c1=67, c2=89.
_PHONE_SHAPES = (
    ("0{n}", 30), ("0{a} {b} {c}", 10), ("0{a}-{b}-{c}", 5), ("0{a} {b} {c1} {c2}", 3),
    ("+98{n}", 10), ("+98 {a} {b} {c}", 6), ("+98 {a}-{b}-{c}", 4), ("+98 ({a}) {b} {c}", 1),
    ("0098{n}", 6), ("0098 {a} {b} {c}", 3), ("{n}", 8), ("(0{a}) {b}{c}", 2), ("0{a}{b} {c}", 2),
)  # fmt: skip

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_ARABIC_LETTERS = str.maketrans({"ی": "ي", "ک": "ك"})  # an Arabic keyboard's yeh and kaf
_FIRST_NAME_JOINS = (("", 6), ("\u200c", 2), (" ", 2))  # محمدرضا / محمد‌رضا / محمد رضا
_LAST_NAME_JOINS = (("\u200c", 6), (" ", 2), ("", 2))  # حسین‌زاده / حسین زاده / حسینزاده
# Reserved names (RFC 2606) only: a demo must never write to a real person's mailbox.
_EMAIL_DOMAINS = ("gmail.example", "yahoo.example", "outlook.example", "chmail.example", "mail.example")


T = TypeVar("T")


class _Weighted(Generic[T]):
    """Fast weighted choice from a fixed table, using one ``rng.random()`` per draw."""

    def __init__(self, items: tuple[tuple[T, int], ...]) -> None:
        self.values = [value for value, _weight in items]
        self.cumulative = list(itertools.accumulate(weight for _value, weight in items))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


_PREFIX = _Weighted(_MOBILE_PREFIXES)
_SHAPE = _Weighted(_PHONE_SHAPES)
_FIRST_JOIN = _Weighted(_FIRST_NAME_JOINS)
_LAST_JOIN = _Weighted(_LAST_NAME_JOINS)
_PROVINCE = _Weighted(tuple((province, province.weight) for province in PROVINCES))


@dataclasses.dataclass(slots=True)
class _Person:
    """Who a customer really is; every row about them is written from this."""

    id: int
    first_name: str  # with "+" at the points written in more than one way
    last_name: str
    national_phone: str  # 10 digits without the leading 0 ("9123456789"), or ""
    email: str  # the canonical address, or ""
    city: str
    province: str
    birthday: dt.date | None


def _new_person(rng: random.Random, person_id: int) -> _Person:
    first_names = MALE_FIRST_NAMES if rng.random() < 0.5 else FEMALE_FIRST_NAMES
    first, first_latin = first_names[int(rng.random() * len(first_names))]
    last, last_latin = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
    phone = ""
    if rng.random() < 0.96:
        prefix = _PREFIX.pick(rng)
        phone = prefix + str(rng.randrange(10 ** (10 - len(prefix)))).zfill(10 - len(prefix))
    birthday = None
    if rng.random() < 0.75:
        month = rng.randint(1, 12)
        day = rng.randint(1, 31 if month <= 6 else 30 if month <= 11 else 29)
        birthday = jdatetime.date(rng.randint(1330, 1385), month, day).togregorian()
    email = ""
    if rng.random() < 0.7:
        shape = rng.random()
        if shape < 0.4:
            local = f"{first_latin}.{last_latin}"
        elif shape < 0.75:
            local = f"{first_latin}{last_latin}{rng.randint(50, 99)}"
        else:
            local = f"{first_latin[0]}{last_latin}{rng.randint(1, 999)}"
        email = f"{local}@{_EMAIL_DOMAINS[int(rng.random() * len(_EMAIL_DOMAINS))]}"
    province = _PROVINCE.pick(rng)
    # The capital gets half of the province's customers.
    city = (
        province.cities[0]
        if rng.random() < 0.5
        else province.cities[int(rng.random() * len(province.cities))]
    )
    return _Person(person_id, first, last, phone, email, city, province.name, birthday)


def _write_name(
    name: str, joins: _Weighted[str], rng: random.Random, *, arabic_keyboard: bool, hamza: float
) -> str:
    if "+" in name:
        name = name.replace("+", joins.pick(rng))
    if "ایی" in name and rng.random() < hamza:
        name = name.replace("ایی", "ائی")  # رضایی → رضائی
    return name.translate(_ARABIC_LETTERS) if arabic_keyboard else name


def messy_phone(national: str, rng: random.Random) -> str:
    """One of the ways people write the mobile number ``national`` (10 digits, no leading 0)."""
    a, b, c = national[:3], national[3:6], national[6:]
    written = _SHAPE.pick(rng).format(n=national, a=a, b=b, c=c, c1=c[:2], c2=c[2:])
    digits = rng.random()
    if digits < 0.25:
        written = written.translate(_PERSIAN_DIGITS)
    elif digits < 0.31:
        written = written.translate(_ARABIC_DIGITS)
    elif digits < 0.34:  # half typed on one keyboard, half on the other
        half = len(written) // 2
        written = written[:half].translate(_PERSIAN_DIGITS) + written[half:]
    return f" {written}" if rng.random() < 0.02 else written


def _messy_email(email: str, rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.08:
        return email.capitalize()
    if shape < 0.11:
        return email.upper()
    if shape < 0.14:
        return f" {email} "
    return email


def _write(person: _Person, rng: random.Random, duplicate: bool) -> GeneratedCustomer:
    # A duplicate is the same person typing again, often elsewhere: more likely to differ.
    arabic_keyboard = rng.random() < (0.35 if duplicate else 0.12)
    hamza = 0.5 if duplicate else 0.3
    first_name = _write_name(
        person.first_name, _FIRST_JOIN, rng, arabic_keyboard=arabic_keyboard, hamza=hamza
    )
    last_name = _write_name(person.last_name, _LAST_JOIN, rng, arabic_keyboard=arabic_keyboard, hamza=hamza)

    def keep(share: float) -> bool:  # a duplicate row leaves some fields out
        return not duplicate or rng.random() < share

    phone = messy_phone(person.national_phone, rng) if person.national_phone and keep(0.9) else ""
    email = _messy_email(person.email, rng) if person.email and keep(0.6) else ""
    return GeneratedCustomer(
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        email=email,
        city=person.city,
        province=person.province,
        birthday=person.birthday if keep(0.7) else None,
        person=person.id,
        duplicate=duplicate,
    )


def customers(
    count: int, *, seed: int = 1, duplicate_rate: float = DUPLICATE_RATE
) -> Iterator[GeneratedCustomer]:
    """``count`` customers, the same ones for the same seed, produced one at a time."""
    rng = random.Random(seed)
    recent: list[_Person] = []
    people = 0
    for _ in range(count):
        if len(recent) >= FIRST_DUPLICATE_AFTER and rng.random() < duplicate_rate:
            yield _write(recent[int(rng.random() * len(recent))], rng, duplicate=True)
            continue
        people += 1
        person = _new_person(rng, people)
        if len(recent) < RECENT_PEOPLE:
            recent.append(person)
        else:
            recent[people % RECENT_PEOPLE] = person
        yield _write(person, rng, duplicate=False)


def customer_batches(
    count: int, *, seed: int = 1, batch_size: int = 1000
) -> Iterator[list[GeneratedCustomer]]:
    """The same customers as :func:`customers`, in lists of ``batch_size``."""
    rows = customers(count, seed=seed)
    while batch := list(itertools.islice(rows, batch_size)):
        yield batch


# --- What the shop knows about a customer: profile extras and a year of activity ---------------------------
#
# Drawn per customer from a random stream of its own (seed and position in the customer stream), so adding
# stories never changes the customers above, and a customer's story does not depend on the others'.

DEMO_TAGS = ("وفادار", "عمده‌فروش", "VIP", "شکایت‌کننده", "خرید حضوری", "هدیهٔ تولد", "همکار سازمانی")

# (key, label, type, choices): the shop's own customer fields.
DEMO_CUSTOM_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("clothing_size", "اندازهٔ لباس", "choice", ("S", "M", "L", "XL", "XXL")),
    ("referral_code", "کد معرف", "text", ()),
    ("children", "تعداد فرزندان", "number", ()),
    ("club_joined", "تاریخ عضویت باشگاه", "date", ()),
    ("newsletter", "خبرنامه", "boolean", ()),
)

DEMO_CONTACT_POLICIES = (
    "فقط بین ساعت ۱۰ تا ۱۴ تماس بگیرید؛ پیامک تبلیغاتی نفرستید.",
    "مشتری عمده: سفارش‌ها را با کاوه مقدم هماهنگ کنید و پیش از ارسال فاکتور رسمی بفرستید.",
)

STORY_DAYS = 365
_CONSENT_SOURCES = {
    "sms": ("فرم ثبت‌نام سایت", "صندوق فروشگاه", "تماس تلفنی"),
    "email": ("فرم ثبت‌نام سایت", "خبرنامهٔ سایت"),
    "telegram": ("ربات تلگرام فروشگاه",),
}
_MESSAGE_TEXTS = {
    "inbound": (
        "سلام، سفارشم کی می‌رسد؟",
        "این مانتو سایز بزرگ‌تر هم دارد؟",
        "کد تخفیف روی سبدم اعمال نمی‌شود.",
        "ممنون، بسته سالم رسید.",
        "می‌شود آدرس تحویل را عوض کنم؟",
        "رنگ کالا با عکس سایت فرق دارد.",
    ),
    "outbound": (
        "سفارش شما ثبت شد و تا دو روز کاری ارسال می‌شود.",
        "کد رهگیری مرسوله برایتان فرستاده شد.",
        "تخفیف ویژهٔ اعضای باشگاه تا پایان هفته فعال است.",
        "پاسخ پرسش شما: بله، سایز XL موجود است.",
        "از خرید شما سپاسگزاریم؛ نظرتان دربارهٔ کالا برای ما مهم است.",
    ),
}
_CALL_NOTES = (
    "پیگیری تأخیر ارسال؛ قرار شد فردا تماس بگیریم.",
    "پرسش دربارهٔ مرجوعی؛ روند را توضیح دادم.",
    "سفارش تلفنی ثبت شد.",
    "مشتری از کیفیت بسته‌بندی راضی بود.",
    "",
)
_NOTES = (
    "ترجیح می‌دهد سفارش‌ها عصر تحویل شود.",
    "برای هدیهٔ تولد همسرش هر سال اسفند خرید می‌کند.",
    "از تأخیر ارسال قبلی ناراضی بود؛ کد تخفیف ۱۰٪ دادیم.",
    "خرید عمده برای مغازه‌اش در شهرستان؛ فاکتور رسمی می‌خواهد.",
    "شماره دوم را فقط برای واتس‌اپ استفاده می‌کند.",
)
_CARRIERS = ("پست پیشتاز", "تیپاکس", "پیک فروشگاه", "چاپار")
_CALL_OUTCOMES = (("answered", 6), ("no_answer", 2), ("busy", 1), ("voicemail", 1))
_CALL_OUTCOME = _Weighted(_CALL_OUTCOMES)
_ORDER_COUNTS = ((0, 15), (1, 20), (2, 15), (3, 12), (4, 10), (5, 8), (6, 6), (8, 6), (11, 5), (15, 3))
_ORDER_COUNT = _Weighted(_ORDER_COUNTS)
_CALL_COUNT = _Weighted(((0, 4), (1, 3), (2, 2), (4, 1)))


@dataclasses.dataclass(slots=True)
class GeneratedActivity:
    """One thing that happened with a customer, as a shop system or a member of staff would report it."""

    kind: str
    channel: str
    occurred_at: dt.datetime  # aware, UTC
    summary: str
    data: dict
    source: str
    external_id: str
    agent: int | None = None  # index into the shop's agents who did it, or None (the system, the customer)


@dataclasses.dataclass(slots=True)
class CustomerStory:
    """What the shop knows about one generated customer besides the row itself."""

    lifecycle: str
    owner: int | None  # index into the shop's agents, or None
    tags: list[str]
    custom_fields: dict  # key → value as a person would type it (Jalali dates, Persian digits)
    handles: list[tuple[str, str]]  # (identity kind, handle as written)
    consents: list[tuple[str, bool, str, int]]  # (channel, granted, source, days before now)
    activities: list[GeneratedActivity]  # oldest first
    lifetime_value: int  # rials: orders less refunds
    contact_policy: str = ""


def _fa(number: int | str) -> str:
    return str(number).translate(_PERSIAN_DIGITS)


def _rials(amount: int) -> str:
    return _fa(f"{amount:,}".replace(",", "٬"))


def _handle_base(row: GeneratedCustomer) -> str:
    local = row.email.strip().lower().partition("@")[0]
    return "".join(ch for ch in local if ch.isascii() and (ch.isalnum() or ch in "._")) or "user"


def customer_story(
    row: GeneratedCustomer, *, position: int, seed: int = 1, now: dt.datetime, agents: int = 3
) -> CustomerStory:
    """The profile extras and about a year of activities (ending before ``now``) of the customer at
    ``position`` (counted from 0) in ``customers(..., seed=seed)``; the same for the same arguments.

    A duplicate row (the same person written again) gets a thin story: a message or an order at most.
    """
    rng = random.Random(f"story:{seed}:{position}")
    start = now - dt.timedelta(days=STORY_DAYS)
    ref = f"{seed}-{position}"
    activities: list[GeneratedActivity] = []

    def moment(after: dt.datetime = start) -> dt.datetime:
        span = max(1, int((now - after).total_seconds()) - 60)
        return after + dt.timedelta(seconds=rng.randrange(span))

    def agent() -> int:
        return rng.randrange(agents)

    handles: list[tuple[str, str]] = []
    base = _handle_base(row)
    if not row.duplicate and rng.random() < 0.3:
        handles.append(("telegram", f"@{base}_{row.person}"))
    if not row.duplicate and rng.random() < 0.18:
        handles.append(("instagram", f"instagram.com/{base}.{row.person}"))

    orders = 0 if row.duplicate and rng.random() < 0.6 else _ORDER_COUNT.pick(rng)
    if row.duplicate:
        orders = min(orders, 1)
    spent = refunded = 0
    last_order: dt.datetime | None = None
    for number in range(orders):
        at = moment()
        amount = rng.randrange(50, 4000) * 10_000
        items = rng.randint(1, 5)
        order_no = str(100_000 + position * 16 + number)  # at most 15 orders each: unique
        activities.append(
            GeneratedActivity(
                "order", "", at, f"سفارش {_fa(order_no)}: {_fa(items)} قلم، {_rials(amount)} ریال",
                {"order_number": order_no, "amount": amount, "currency": "IRR", "items": items},
                "shop", f"order-{order_no}",
            )
        )  # fmt: skip
        spent += amount
        last_order = at if last_order is None or at > last_order else last_order
        delivered = at + dt.timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 10))
        if delivered < now:
            carrier = _CARRIERS[rng.randrange(len(_CARRIERS))]
            activities.append(
                GeneratedActivity(
                    "delivery", "", delivered, f"سفارش {_fa(order_no)} با {carrier} تحویل شد.",
                    {"order_number": order_no, "carrier": carrier}, "shop", f"delivery-{order_no}",
                )
            )  # fmt: skip
            if rng.random() < 0.07:
                back = delivered + dt.timedelta(days=rng.randint(2, 10))
                if back < now:
                    refund = min(amount, rng.randrange(20, 200) * 10_000)
                    activities.append(
                        GeneratedActivity(
                            "refund", "", back, f"بازگشت {_rials(refund)} ریال برای سفارش {_fa(order_no)}",
                            {"order_number": order_no, "amount": refund, "currency": "IRR"},
                            "shop", f"refund-{order_no}",
                        )
                    )  # fmt: skip
                    refunded += refund

    channels = ["sms"] if row.phone else []
    if row.email:
        channels.append("email")
    if any(kind == "telegram" for kind, _handle in handles):
        channels.append("telegram")
    messages = (rng.randint(0, 2) if row.duplicate else rng.randint(1, 9)) if channels else 0
    for number in range(messages):
        direction = "inbound" if rng.random() < 0.45 else "outbound"
        texts = _MESSAGE_TEXTS[direction]
        channel = channels[rng.randrange(len(channels))]
        activities.append(
            GeneratedActivity(
                "message", channel, moment(), texts[rng.randrange(len(texts))],
                {"direction": direction}, channel, f"msg-{ref}-{number}",
                agent() if direction == "outbound" and rng.random() < 0.5 else None,
            )
        )  # fmt: skip
    calls = 0 if row.duplicate or not row.phone else _CALL_COUNT.pick(rng)
    for number in range(calls):
        outcome = _CALL_OUTCOME.pick(rng)
        direction = "inbound" if rng.random() < 0.5 else "outbound"
        note = _CALL_NOTES[rng.randrange(len(_CALL_NOTES))] if outcome == "answered" else ""
        seconds = rng.randint(40, 900) if outcome == "answered" else 0
        data = {"direction": direction, "outcome": outcome, "duration_seconds": seconds, "text": note}
        activities.append(
            GeneratedActivity("call", "phone", moment(), note, data, "pbx", f"call-{ref}-{number}", agent())
        )
    if not row.duplicate and rng.random() < 0.35:
        for number in range(rng.randint(1, 2)):
            text = _NOTES[rng.randrange(len(_NOTES))]
            note_id = f"note-{ref}-{number}"
            activities.append(
                GeneratedActivity("note", "", moment(), text, {"text": text}, "demo", note_id, agent())
            )
    activities.sort(key=lambda activity: (activity.occurred_at, activity.external_id))

    if orders == 0:
        lifecycle = "lead"
    elif last_order is not None and (now - last_order).days > 240:
        lifecycle = "churned"
    elif last_order is not None and (now - last_order).days > 120:
        lifecycle = "at_risk"
    elif orders >= 6:
        lifecycle = "loyal"
    elif orders >= 2:
        lifecycle = "active"
    else:
        lifecycle = "new"
    value = spent - refunded
    tags = []
    if lifecycle == "loyal" or (orders >= 4 and rng.random() < 0.4):
        tags.append("وفادار")
    if value >= 300_000_000:
        tags.append("VIP")
    if orders >= 8 and rng.random() < 0.5:
        tags.append("عمده‌فروش")
    if refunded and rng.random() < 0.6:
        tags.append("شکایت‌کننده")
    for extra in ("خرید حضوری", "هدیهٔ تولد", "همکار سازمانی"):
        if not row.duplicate and rng.random() < 0.06:
            tags.append(extra)

    fields: dict = {}
    if not row.duplicate:
        if rng.random() < 0.55:
            fields["clothing_size"] = ("S", "M", "L", "XL", "XXL")[rng.randrange(5)]
        if rng.random() < 0.2:
            fields["referral_code"] = f"AVA-{rng.randrange(1000, 9999)}"
        if rng.random() < 0.4:
            children = rng.randint(0, 4)
            fields["children"] = _fa(children) if rng.random() < 0.5 else str(children)
        if orders and rng.random() < 0.5:
            joined = jdatetime.date.fromgregorian(date=(start + dt.timedelta(days=rng.randrange(330))).date())
            fields["club_joined"] = joined.strftime("%Y/%m/%d")
        if row.email and rng.random() < 0.7:
            fields["newsletter"] = "بله" if rng.random() < 0.7 else "خیر"

    consents: list[tuple[str, bool, str, int]] = []
    if not row.duplicate:
        for channel in channels:
            if rng.random() < 0.6:
                sources = _CONSENT_SOURCES[channel]
                days = rng.randint(30, STORY_DAYS)
                consents.append((channel, True, sources[rng.randrange(len(sources))], days))
                if rng.random() < 0.12:  # changed their mind later
                    consents.append((channel, False, "لغو از پیوند انتهای پیام", rng.randint(1, days - 1)))
    owner = None if row.duplicate or rng.random() < 0.3 else agent()
    return CustomerStory(
        lifecycle=lifecycle,
        owner=owner,
        tags=tags,
        custom_fields=fields,
        handles=handles,
        consents=consents,
        activities=activities,
        lifetime_value=value,
    )
