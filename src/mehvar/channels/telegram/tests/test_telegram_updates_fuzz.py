"""Whatever is posted as an update, reading it either succeeds or raises ParseError: never anything else."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mehvar.channels.base import ParseError
from mehvar.channels.telegram.updates import update_parse

NAMES = st.sampled_from(
    [
        "update_id",
        "message",
        "edited_message",
        "message_id",
        "from",
        "chat",
        "id",
        "date",
        "text",
        "caption",
        "photo",
        "document",
        "file_id",
        "contact",
        "phone_number",
        "user_id",
        "is_bot",
        "edit_date",
    ]
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(NAMES, inner, max_size=8)),
    max_leaves=30,
)


def read(body: bytes) -> None:
    try:
        message = update_parse(body)
    except ParseError as error:
        assert str(error)
        return
    if message is not None:
        assert message.identities[0][0] == "telegram" and message.thread_key


@settings(max_examples=400)
@given(JSONISH)
def test_any_json_is_read_or_refused_with_a_reason(data):
    read(json.dumps(data).encode())


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_with_a_reason(body):
    read(body)
