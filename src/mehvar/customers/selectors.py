"""Reads for customers: always inside one workspace, active records only unless said otherwise."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from mehvar.core.models import Membership, Workspace
from mehvar.core.tenancy import get_in_workspace
from mehvar.customers.models import Consent, Customer, CustomField, Identity, Tag


def customers_of(*, workspace: Workspace) -> QuerySet[Customer]:
    """The workspace's customers, newest first."""
    return Customer.objects.filter(workspace=workspace).order_by("-created_at", "-pk")


def customer_get(*, workspace: Workspace, pk: Any) -> Customer:
    """A live customer of the workspace (neither merged nor erased), or Http404."""
    return get_in_workspace(
        Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True), workspace, pk=pk
    )


@dataclass(frozen=True)
class CustomValue:
    definition: CustomField
    value: Any  # as stored: int/float, ISO date string, choice, bool or text; None when not set

    @property
    def date(self) -> dt.date | None:
        """The value of a date field as a date (to show in Jalali)."""
        if self.definition.type == CustomField.Type.DATE and isinstance(self.value, str):
            try:
                return dt.date.fromisoformat(self.value)
            except ValueError:
                return None
        return None


@dataclass(frozen=True)
class CustomerProfile:
    """The 360 header: who they are, how to reach them, where they stand and what they agreed to."""

    customer: Customer
    owner: Membership | None
    identities: list[Identity]
    tags: list[Tag]
    consents: dict[str, Consent]  # channel → the newest decision
    custom_fields: list[CustomValue]
    key_numbers: dict[str, Any] = field(default_factory=dict)


def current_consents(consents: list[Consent]) -> dict[str, Consent]:
    """Channel → newest decision, from consents ordered newest first."""
    current: dict[str, Consent] = {}
    for consent in consents:
        current.setdefault(consent.channel, consent)
    return current


def customer_profile(*, workspace: Workspace, pk: Any) -> CustomerProfile:
    """Everything the 360 header shows, in five queries whatever the customer has: the customer with its
    owner and the owner's user, identities, tags, consents and the workspace's custom field definitions."""
    customer = get_in_workspace(
        Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True).select_related(
            "owner__user"
        ),
        workspace,
        pk=pk,
    )
    identities = list(
        Identity.objects.filter(workspace=workspace, customer=customer).order_by("kind", "created_at", "pk")
    )
    tags = list(Tag.objects.filter(workspace=workspace, customers=customer).order_by("name"))
    consents = list(
        Consent.objects.filter(workspace=workspace, customer=customer)
        .select_related("recorded_by__user")
        .order_by("-recorded_at", "-pk")
    )
    definitions = list(CustomField.objects.filter(workspace=workspace).order_by("position", "pk"))
    return CustomerProfile(
        customer=customer,
        owner=customer.owner,
        identities=identities,
        tags=tags,
        consents=current_consents(consents),
        custom_fields=[CustomValue(d, customer.custom_fields.get(d.key)) for d in definitions],
        key_numbers={
            "first_seen_at": customer.first_seen_at,
            "last_contact_at": customer.last_contact_at,
            "lifetime_value": customer.lifetime_value,
            "last_nps": customer.last_nps,
        },
    )
