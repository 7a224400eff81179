import dataclasses
import datetime as dt
import inspect
import itertools
import re
import tracemalloc
from collections import defaultdict

import jdatetime
import phonenumbers

from mehvar.core.phones import normalize_phone
from mehvar.core.roles import Role
from mehvar.core.text import search_key
from mehvar.demo.generator import DEMO_STAFF, customer_batches, customers
from mehvar.demo.iran_places import PROVINCES

SAMPLE = 3000
ZWNJ = "\u200c"


def sample(seed: int = 7, count: int = SAMPLE):
    return list(customers(count, seed=seed))


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    first, again, other = sample(seed=7, count=500), sample(seed=7, count=500), sample(seed=8, count=500)

    assert [dataclasses.astuple(row) for row in first] == [dataclasses.astuple(row) for row in again]
    assert [row.phone for row in first] != [row.phone for row in other]
    assert sum(a.first_name != b.first_name for a, b in zip(first, other, strict=True)) > 250


def test_rows_stream_without_being_built_in_advance():
    rows = customers(10**9, seed=1)  # a billion: only a generator can return at once

    assert inspect.isgenerator(rows)
    first = list(itertools.islice(rows, 1000))
    assert len(first) == 1000
    assert [dataclasses.astuple(r) for r in first] == [dataclasses.astuple(r) for r in sample(1, 1000)]
    batches = customer_batches(2500, seed=1, batch_size=1000)
    assert inspect.isgenerator(batches)
    assert [len(batch) for batch in batches] == [1000, 1000, 500]


def _peak_bytes(count: int) -> int:
    tracemalloc.start()
    try:
        for _row in customers(count, seed=3):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_rows():
    small, large = _peak_bytes(15_000), _peak_bytes(45_000)

    assert large < small * 1.3 + 200_000, (small, large)


def test_every_messy_phone_normalises_to_a_valid_iranian_mobile():
    rows = sample()
    phones = [row.phone for row in rows if row.phone]

    assert len(phones) > SAMPLE * 0.85
    for raw in phones:
        e164 = normalize_phone(raw)
        assert re.fullmatch(r"\+989\d{9}", e164), (raw, e164)
        assert phonenumbers.is_valid_number(phonenumbers.parse(e164))
    shapes = {
        "Persian digits": any(re.search("[۰-۹]", p) for p in phones),
        "Arabic-Indic digits": any(re.search("[٠-٩]", p) for p in phones),
        "0098": any(p.startswith("0098") for p in phones),
        "+98 with dashes": any(p.startswith("+98 ") and "-" in p for p in phones),
        "no leading zero": any(re.fullmatch(r"9\d{9}", p) for p in phones),
        "spaces": any(re.fullmatch(r"0\d{3} \d{3} \d{4}", p) for p in phones),
        "parentheses": any("(" in p for p in phones),
    }
    assert all(shapes.values()), shapes


def test_names_come_in_their_usual_spelling_variants():
    rows = sample()
    written = defaultdict(set)
    for row in rows:
        written[search_key(f"{row.first_name} {row.last_name}")].add(f"{row.first_name} {row.last_name}")

    assert any(len(forms) > 1 for forms in written.values())
    names = [f"{row.first_name} {row.last_name}" for row in rows]
    assert any("ي" in name or "ك" in name for name in names)  # Arabic yeh / kaf
    assert any("ائی" in name or "ائي" in name for name in names)  # رضائی beside رضایی
    assert any("ایی" in name for name in names)
    assert any(ZWNJ in name for name in names)
    assert any(re.search("(حسین|قلی) زاده", name) for name in names)  # a space where a ZWNJ belongs


def test_deliberate_duplicates_are_the_same_person_written_again():
    rows = sample()
    by_person = defaultdict(list)
    for row in rows:
        by_person[row.person].append(row)
    repeated = [group for group in by_person.values() if len(group) > 1]

    assert 0.03 * SAMPLE < sum(row.duplicate for row in rows) < 0.1 * SAMPLE
    assert len(repeated) > 50
    for group in repeated:
        assert not group[0].duplicate and all(row.duplicate for row in group[1:])
        assert len({search_key(row.last_name) for row in group}) == 1
        assert len({row.city for row in group}) == 1
        phones = {normalize_phone(row.phone) for row in group if row.phone}
        assert len(phones) <= 1
    assert sum(len({(r.first_name, r.last_name, r.phone) for r in group}) > 1 for group in repeated) > 40


def test_places_emails_and_birthdays_look_real():
    assert len(PROVINCES) == 31
    assert len({province.name for province in PROVINCES}) == 31
    cities = {province.name: set(province.cities) for province in PROVINCES}
    rows = sample()

    for row in rows:
        assert row.city in cities[row.province]
    assert len({row.province for row in rows}) > 25
    emails = [row.email.strip().lower() for row in rows if row.email]
    assert 0.5 * SAMPLE < len(emails) < 0.8 * SAMPLE
    assert all(re.fullmatch(r"[a-z0-9.]+@[a-z]+\.example", email) for email in emails)
    assert any(row.email != row.email.strip().lower() for row in rows if row.email)  # some messy ones
    birthdays = [row.birthday for row in rows if row.birthday]
    assert 0.6 * SAMPLE < len(birthdays) < 0.85 * SAMPLE
    assert all(isinstance(day, dt.date) for day in birthdays)
    assert all(1330 <= jdatetime.date.fromgregorian(date=day).year <= 1385 for day in birthdays)


def test_the_staff_covers_every_role_with_demo_addresses():
    roles = [person.role for person in DEMO_STAFF]

    assert set(roles) == set(Role.values)
    assert roles.count(Role.AGENT) == 3
    assert DEMO_STAFF[0].role == Role.OWNER and DEMO_STAFF[0].email == "owner@demo.mehvar.ir"
    assert all(person.email.endswith("@demo.mehvar.ir") for person in DEMO_STAFF)
    assert len({person.email for person in DEMO_STAFF}) == len(DEMO_STAFF)
