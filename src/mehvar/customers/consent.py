"""Marketing consent per channel (append-only; the newest decision holds) and the acknowledgement of the
customer's rights and the business's commitments."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm
from mehvar.core.text import normalize_text
from mehvar.customers.models import Consent, ConsentChannel, Customer
from mehvar.customers.profile_fields import invalid, require, require_active

A = AuditEntry.Action


def consent_record(
    *,
    acting: Membership,
    customer: Customer,
    channel: str,
    granted: bool,
    source: str,
    recorded_at: dt.datetime | None = None,
    via: str = "web",
) -> Consent:
    """Append one consent decision; the newest per channel is the one that holds."""
    require(acting, Perm.CUSTOMERS_EDIT, customer.workspace_id)
    require_active(customer)
    if channel not in ConsentChannel.values:
        raise invalid("channel", _("“%(value)s” is not a channel.") % {"value": str(channel)[:20]})
    if not isinstance(granted, bool):
        raise invalid("granted", _("Say whether consent was given or withdrawn."))
    source = normalize_text(source)
    if not source:
        raise invalid(
            "source", _("Say where the consent was given, for example a form or a call."), "required"
        )
    if len(source) > 120:
        raise invalid("source", _("This may have at most %(max)d characters.") % {"max": 120}, "max_length")
    at = recorded_at or timezone.now()
    if at.tzinfo is None:
        raise ValueError("recorded_at must be timezone-aware")
    with transaction.atomic():
        consent = Consent.objects.create(
            workspace_id=customer.workspace_id,
            customer=customer,
            channel=channel,
            granted=granted,
            source=source,
            recorded_at=at,
            recorded_by=acting,
        )
        audit_record(
            workspace=customer.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=customer,
            after={"consent": {"channel": channel, "granted": granted, "source": source}},
            via=via,
        )
    return consent


def rights_acknowledge(*, acting: Membership, customer: Customer, via: str = "web") -> Customer:
    """Store that the customer's rights and the business's commitments were shown and acknowledged now."""
    require(acting, Perm.CUSTOMERS_EDIT, customer.workspace_id)
    require_active(customer)
    now = timezone.now()
    with transaction.atomic():
        before = customer.rights_acknowledged_at
        Customer.objects.filter(pk=customer.pk, workspace_id=customer.workspace_id).update(
            rights_acknowledged_at=now
        )
        customer.rights_acknowledged_at = now
        audit_record(
            workspace=customer.workspace,
            actor=acting.user,
            action=A.UPDATE,
            obj=customer,
            before={"rights_acknowledged_at": before},
            after={"rights_acknowledged_at": now},
            via=via,
        )
    return customer
