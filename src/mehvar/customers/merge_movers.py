"""Other modules' rows that follow a customer merge: a small registry, so that customers imports none of them.

A module whose tables point at customers (conversations today; orders, promises later) registers a mover
in its ``AppConfig.ready``::

    from mehvar.customers.merge_movers import MergeMover, register
    register(MergeMover("conversations", move=conversations_move, move_back=conversations_move_back))

``customer_merge`` calls every ``move(merge=, source=, target=)`` inside its transaction, after identities and
activities have moved; what it returns (JSON: typically the ids it moved) is kept on the ``Merge`` row under
``survivor_before["moved"][name]``. ``merge_undo`` hands that record back to ``move_back(merge=, survivor=,
merged=, record=)``, which must return exactly those rows to the merged customer (and only those: rows made
for the survivor after the merge stay).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mehvar.customers.models import Customer, Merge


@dataclass(frozen=True)
class MergeMover:
    name: str
    move: Callable[..., Any]  # (*, merge: Merge, source: Customer, target: Customer) -> JSON record
    move_back: Callable[..., None]  # (*, merge: Merge, survivor: Customer, merged: Customer, record) -> None


_MOVERS: dict[str, MergeMover] = {}


def register(mover: MergeMover) -> None:
    _MOVERS[mover.name] = mover


def movers() -> list[MergeMover]:
    return list(_MOVERS.values())


def movers_run(*, merge: Merge, source: Customer, target: Customer) -> dict[str, Any]:
    """Every registered mover moves its rows; their records, by name."""
    return {mover.name: mover.move(merge=merge, source=source, target=target) for mover in movers()}


def movers_undo(*, merge: Merge, survivor: Customer, merged: Customer, records: dict[str, Any]) -> None:
    """Each mover that moved something in ``merge`` moves it back (newest registration last)."""
    for name, record in records.items():
        mover = _MOVERS.get(name)
        if mover is None:
            raise LookupError(f"No merge mover named {name!r} is registered; cannot undo its rows.")
        mover.move_back(merge=merge, survivor=survivor, merged=merged, record=record)
