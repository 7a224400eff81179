"""The customer's links: the survey page ``/s/<key>/`` and one-tap answers
``/s/<key>/a/<question>/<value>/<signature>/``.

``key`` is ``<workspace id in base 36>.<token>``: the invitation is found by its (workspace, token) unique
index without any other lookup, and the token (96 random bits) is the secret. A one-tap link carries the
answer itself, signed with the site's secret (``django.core.signing.TimestampSigner``, its own salt): a
changed question, value or key breaks the signature, and a signature older than ``ONE_TAP_MAX_AGE`` (or an
invitation past ``expires_at``) is expired.
"""

import datetime as dt
import functools
import secrets
from typing import Any, Literal

from django.conf import settings
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.urls import reverse
from django.utils.http import base36_to_int, int_to_base36

from mehvar.channels.models import Channel
from mehvar.core.models import Workspace
from mehvar.surveys.models import Invitation, Survey

KEY_SEP = "."
ONE_TAP_SALT = "mehvar.surveys.one-tap"
ONE_TAP_MAX_AGE = dt.timedelta(days=90)
_signer = signing.TimestampSigner(salt=ONE_TAP_SALT, sep=".")


def new_token() -> str:
    return secrets.token_urlsafe(12)


def invitation_key(invitation: Invitation) -> str:
    return f"{int_to_base36(invitation.workspace_id)}{KEY_SEP}{invitation.token}"


def parse_key(key: str) -> tuple[int, str] | None:
    workspace_part, sep, token = (key or "").partition(KEY_SEP)
    if not sep or not token or len(token) > 32 or not workspace_part.isalnum() or len(workspace_part) > 12:
        return None
    try:
        return base36_to_int(workspace_part.lower()), token
    except ValueError:
        return None


# The customer's pages read the invitation of their link on every request, hundreds a second. Compiling the
# ORM's query for it (``select_related`` of three tables) cost ten times what the database spends on it, so
# the statement is written once per process from the models' own fields and the rows become model instances
# through ``Model.from_db`` with the database backend's converters, exactly as the ORM would build them:
# whole rows, nothing deferred. The same (workspace, token) unique index finds the row.
_JOINED = (
    ("i", Invitation, ""),
    ("s", Survey, "s.id = i.survey_id"),
    ("w", Workspace, "w.id = i.workspace_id"),
    ("c", Channel, "c.id = i.channel_id"),
)


# Per model: its field names, and each column's expression with the converters its values go through.
_Loader = tuple[type[Model], list[str], list[tuple[Any, list[Any]]]]


@functools.cache
def _by_key_statement(alias: str) -> tuple[str, list[_Loader]]:
    """The SQL of ``invitation_by_key`` on this database, and how its row becomes the four models."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns: list[str] = []
    tables: list[str] = []
    models: list[_Loader] = []
    for table_alias, model, join in _JOINED:
        fields = model._meta.concrete_fields
        columns += [f"{table_alias}.{quote(field.column)}" for field in fields]
        table = f"{quote(model._meta.db_table)} {table_alias}"
        tables.append(f"JOIN {table} ON {join}" if join else table)
        converters = []
        for field in fields:
            column = field.get_col(table_alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            converters.append((column, found))
        models.append((model, [field.attname for field in fields], converters))
    sql = f"SELECT {', '.join(columns)} FROM {' '.join(tables)} WHERE i.workspace_id = %s AND i.token = %s"
    return sql, models


def invitation_by_key(key: str) -> Invitation | None:
    """The invitation of a link, with its survey, workspace and channel loaded (one query)."""
    parsed = parse_key(key)
    if parsed is None:
        return None
    workspace_id, token = parsed
    connection = connections[DEFAULT_DB_ALIAS]
    sql, models = _by_key_statement(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id, token])
        row = cursor.fetchone()
    if row is None:
        return None
    loaded: list[Any] = []
    start = 0
    for model, names, converters in models:
        values = list(row[start : start + len(names)])
        start += len(names)
        for index, (column, functions) in enumerate(converters):
            for function in functions:
                values[index] = function(values[index], column, connection)
        loaded.append(model.from_db(connection.alias, names, values))
    invitation, survey, workspace, channel = loaded
    invitation.survey, invitation.workspace, invitation.channel = survey, workspace, channel
    return invitation


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def survey_path(invitation: Invitation) -> str:
    return reverse("survey_public:page", args=[invitation_key(invitation)])


def _payload(key: str, question_id: int, value: str) -> str:
    return f"{key}/{question_id}/{value}"


def one_tap_signature(*, key: str, question_id: int, value: str | int) -> str:
    payload = _payload(key, question_id, str(value))
    return _signer.sign(payload)[len(payload) + 1 :]


def one_tap_path(invitation: Invitation, question_id: int, value: str | int) -> str:
    key = invitation_key(invitation)
    signature = one_tap_signature(key=key, question_id=question_id, value=value)
    return reverse("survey_public:one_tap", args=[key, question_id, str(value), signature])


def one_tap_check(
    *, key: str, question_id: int, value: str, signature: str
) -> Literal["ok", "tampered", "expired"]:
    try:
        _signer.unsign(f"{_payload(key, question_id, value)}.{signature}", max_age=ONE_TAP_MAX_AGE)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "tampered"
    return "ok"
