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
