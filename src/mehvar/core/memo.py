"""Settings read once per unit of work: a memo kept on the ``Workspace`` object inside a scope.

Processing one inbound message needs the inbox settings, the business calendar, the SLA policies, the
automation rules and the webhook endpoints several times (the pipeline, SLA, routing, events). Inside
``workspace_memo_scope(workspace)`` each of them is read once and kept on that workspace object; when the
scope ends the memo is dropped, so nothing read here outlives the work that read it. Outside a scope
``workspace_memo`` simply loads. The inbound drain (``conversations.inbound_drain``) opens one scope per
round of claimed events (ADR 9): every event of a round arrived before its settings were read.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_ATTRIBUTE = "_mehvar_memo"


@contextmanager
def workspace_memo_scope(workspace: Any) -> Iterator[None]:
    """Memoise settings reads on ``workspace`` for the block (nested scopes share the outer memo).

    A nested block that fails empties the shared memo: what it read may come from rows its rolled-back
    transaction wrote (the inbox settings row created on first use), so the outer block reads afresh."""
    if _ATTRIBUTE in workspace.__dict__:
        try:
            yield
        except BaseException:
            workspace.__dict__[_ATTRIBUTE].clear()
            raise
        return
    workspace.__dict__[_ATTRIBUTE] = {}
    try:
        yield
    finally:
        workspace.__dict__.pop(_ATTRIBUTE, None)


def workspace_memo(workspace: Any, key: str, load: Callable[[], T]) -> T:
    """``load()``, once per key while a scope on this workspace object is open."""
    memo = workspace.__dict__.get(_ATTRIBUTE)
    if memo is None:
        return load()
    if key not in memo:
        memo[key] = load()
    return memo[key]


def workspace_memo_for(instance: Any, key: str, load: Callable[[], T]) -> T:
    """``workspace_memo`` on the workspace ``instance`` (a model with a ``workspace`` foreign key) holds, when
    that object is loaded: only a loaded object can carry an open scope. Otherwise ``load()``, without
    reading the workspace."""
    workspace = instance._state.fields_cache.get("workspace")
    if workspace is None:
        return load()
    return workspace_memo(workspace, key, load)
