"""The steps of ``mehvar demo load``: each app adds its own demo data, so the demo grows with the product.

An app writes a ``demo_steps.py`` module with functions decorated by :func:`demo_step`; they run in
``order`` (then by name) inside the transaction that created the demo workspace and its staff, and get a
:class:`DemoContext`. Orders leave gaps: customers are 100, a module that needs customers takes 200.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules

from mehvar.core.models import Membership, Workspace


@dataclass
class DemoContext:
    workspace: Workspace
    owner: Membership
    members: dict[str, list[Membership]]  # by role
    customers: int  # how many customers to generate
    seed: int
    say: Callable[[str], None] = field(default=lambda message: None)


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    run: Callable[[DemoContext], None]


_STEPS: dict[str, DemoStep] = {}


def demo_step(
    *, order: int, name: str = ""
) -> Callable[[Callable[[DemoContext], None]], Callable[[DemoContext], None]]:
    """Register a function as a demo step; ``name`` defaults to the function's module and name."""

    def register(run: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        step = DemoStep(name=name or f"{run.__module__}.{run.__name__}", order=order, run=run)
        _STEPS[step.name] = step
        return run

    return register


def demo_steps() -> list[DemoStep]:
    """Every installed app's steps, in the order they run."""
    autodiscover_modules("demo_steps")
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))
