"""Reads for customers: always inside one workspace."""

from django.db.models import QuerySet

from mehvar.core.models import Workspace
from mehvar.customers.models import Customer


def customers_of(*, workspace: Workspace) -> QuerySet[Customer]:
    """The workspace's customers, newest first."""
    return Customer.objects.filter(workspace=workspace).order_by("-created_at", "-pk")
