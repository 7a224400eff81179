"""The demo data generator's speed, beside plain ``random`` building the same number of tuples.

Measured: ``mehvar.demo.generator.customers`` (spelling variants, messy phones, e-mails, Jalali birthdays,
duplicates), consumed to the end. Reference: a loop of ``random.Random`` choices over the same name and city
lists building one plain tuple per row: the floor for producing that many random rows in Python.
"""

import random
import time

from bench.records import Measurement, Outcome
from mehvar.demo.generator import customers
from mehvar.demo.iran_places import PROVINCES
from mehvar.demo.persian_names import FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES

NAME = "generator_throughput"
USES_DATABASE = False
DESCRIPTION = "Rows per second of the demo data generator beside plain random tuples."
ROWS = {"quick": 200_000, "full": 1_000_000}
ROUNDS = {"quick": 3, "full": 1}


def _plain_tuples(count: int, seed: int) -> int:
    rng = random.Random(seed)
    first_names = [name for name, _latin in MALE_FIRST_NAMES + FEMALE_FIRST_NAMES]
    last_names = [name for name, _latin in LAST_NAMES]
    places = [(province.name, city) for province in PROVINCES for city in province.cities]
    made = 0
    for _ in range(count):
        province, city = rng.choice(places)
        row = (
            rng.choice(first_names),
            rng.choice(last_names),
            f"09{rng.randrange(10**9):09d}",
            city,
            province,
        )
        made += len(row) > 0
    return made


def run(*, scale: str, rows: int | None, seed: int, engine: str) -> Outcome:
    count = rows if rows is not None else ROWS[scale]
    rounds = ROUNDS.get(scale, 1)
    measured, reference = [], []
    for _round in range(rounds):
        started = time.perf_counter()
        made = sum(1 for _row in customers(count, seed=seed))
        measured.append(time.perf_counter() - started)
        assert made == count
        started = time.perf_counter()
        assert _plain_tuples(count, seed) == count
        reference.append(time.perf_counter() - started)
    return Outcome(
        measurement=Measurement(
            name="mehvar.demo.generator.customers",
            description="the demo generator, consumed to the end",
            rows=count,
            rounds=measured,
        ),
        reference=Measurement(
            name="plain random tuples",
            description="random.Random choices over the same name and city lists, one 5-field tuple per row",
            rows=count,
            rounds=reference,
        ),
        parameters={"rows": count, "seed": seed, "rounds": rounds},
    )
