"""Panels other modules put on the Customer 360 page, without customers importing them.

A module registers a panel for a slot of the page (``conversations``, later ``promises``) in its
``AppConfig.ready``: a template and a loader ``load(*, request, customer) -> dict | None`` that reads what
the panel shows (None: this member may not see it; the slot shows nothing). Loaders must read in a fixed
number of queries (the 360 page's query count is tested and benchmarked); the conversations panel uses one.
A slot with no panel registered keeps the page's placeholder.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from mehvar.customers.models import Customer


@dataclass(frozen=True)
class CustomerPanel:
    slot: str
    template: str
    load: Callable[..., dict[str, Any] | None]


_PANELS: dict[str, CustomerPanel] = {}


def register(panel: CustomerPanel) -> None:
    _PANELS[panel.slot] = panel


def panels_for(*, request: HttpRequest, customer: Customer) -> dict[str, dict[str, Any]]:
    """Slot → {"template", "shown", "data"}: ``shown`` is False when the member may not see the panel."""
    result: dict[str, dict[str, Any]] = {}
    for slot, panel in _PANELS.items():
        data = panel.load(request=request, customer=customer)
        result[slot] = {"template": panel.template, "shown": data is not None, "data": data or {}}
    return result
