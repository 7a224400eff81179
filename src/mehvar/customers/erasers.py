"""Other modules' personal data that an erasure wipes: a small registry, as ``merge_movers`` is for merges.

A module whose rows hold what a customer said or who they are (survey comments, imported reviews,
conversation messages) registers an eraser in its ``AppConfig.ready``::

    from mehvar.customers.erasers import register
    register("surveys", surveys_erase)

``customer_erase`` calls every ``eraser(workspace=, customer_ids=)`` inside its transaction; the eraser
blanks free text and anything that names the person, and keeps numbers (scores, counts, dates) so that
aggregates stay right (ADR 6). It returns how many rows it changed, kept in the erasure's audit entry.
"""

from collections.abc import Callable

from mehvar.core.models import Workspace

Eraser = Callable[..., int]  # (*, workspace: Workspace, customer_ids: list[int]) -> rows changed
_ERASERS: dict[str, Eraser] = {}


def register(name: str, eraser: Eraser) -> None:
    _ERASERS[name] = eraser


def erasers_run(*, workspace: Workspace, customer_ids: list[int]) -> dict[str, int]:
    """Every registered eraser wipes its rows of these customers; how many rows each changed."""
    return {name: eraser(workspace=workspace, customer_ids=customer_ids) for name, eraser in _ERASERS.items()}
