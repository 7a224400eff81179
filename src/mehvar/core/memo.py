"""Settings read once per unit of work: a memo kept on the ``Workspace`` object inside a scope.

Processing one inbound message needs the inbox settings, the business calendar and the webhook endpoints
several times (the pipeline, SLA, routing, events). Inside ``workspace_memo_scope(workspace)`` each of them
is read once and kept on that workspace object; when the scope ends the memo is dropped, so nothing read
here outlives the work that read it. Outside a scope ``workspace_memo`` simply loads.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_ATTRIBUTE = "_mehvar_memo"


@contextmanager
def workspace_memo_scope(workspace: Any) -> Iterator[None]:
    """Memoise settings reads on ``workspace`` for the block (nested scopes share the outer memo)."""
    if _ATTRIBUTE in workspace.__dict__:
        yield
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
