"""Whatever a gateway posts, reading it either succeeds or raises ParseError: never anything else."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mehvar.channels.base import HookRequest, ParseError
from mehvar.channels.sms.callbacks import Statuses, callbacks_parse

STATUSES = Statuses(delivered=frozenset({"10"}), undelivered=frozenset({"11"}))
NAMES = st.sampled_from(["from", "to", "message", "messageid", "status", "localid", "date", "x"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(NAMES, inner, max_size=6)),
    max_leaves=20,
)


def read(body: bytes, content_type: str):
    try:
        messages, reports = callbacks_parse(HookRequest(body, content_type, {}, {}), STATUSES)
    except ParseError as error:
        assert str(error)
        return
    for message in messages:
        assert message.external_id and all(isinstance(value, str) for _, value in message.identities)
    for report in reports:
        assert report.status in ("delivered", "undelivered")


@settings(max_examples=300)
@given(JSONISH)
def test_any_json_is_read_or_refused_with_a_reason(data):
    read(json.dumps(data).encode(), "application/json")


@settings(max_examples=200)
@given(
    st.binary(max_size=300),
    st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain", ""]
    ),
)
def test_any_bytes_are_read_or_refused_with_a_reason(body, content_type):
    read(body, content_type)
