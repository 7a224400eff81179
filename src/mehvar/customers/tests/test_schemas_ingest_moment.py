"""The bulk-ingest input reads ISO UTC moments on a fast path that answers exactly as the Jalali parser."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from mehvar.core.jalali import JalaliDateTime
from mehvar.customers.schemas import ActivityIn, IngestMoment


class Fast(BaseModel):
    at: IngestMoment


class Slow(BaseModel):
    at: JalaliDateTime


def _answer(model, value):
    try:
        return model(at=value).at
    except ValidationError as error:
        return [(e["type"], e["msg"]) for e in error.errors()]


@settings(max_examples=400, deadline=None)
@given(
    st.integers(1300, 2200),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
)
@example(1403, 12, 30, 10, 0, 0)  # a Jalali year: the fast path leaves it alone
@example(2025, 2, 29, 10, 0, 0)
@example(2024, 2, 29, 23, 59, 59)
@example(1700, 1, 1, 0, 0, 0)
def test_fast_path_agrees_with_jalali_parser(year, month, day, hour, minute, second):
    value = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
    assert _answer(Fast, value) == _answer(Slow, value)


@pytest.mark.parametrize(
    "value", ["1403/12/30 14:05", "2025-03-20T10:35:00+03:30", "2025-03-20 10:35", "nonsense", ""]
)
def test_other_shapes_go_to_the_jalali_parser(value):
    assert _answer(Fast, value) == _answer(Slow, value)


def test_activity_in_uses_it():
    item = ActivityIn.model_validate(
        {
            "kind": "order",
            "occurred_at": "2025-03-20T10:35:00Z",
            "identities": [{"kind": "phone", "value": "0912"}],
        }
    )
    assert item.occurred_at.isoformat() == "2025-03-20T10:35:00+00:00"
