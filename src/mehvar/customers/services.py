"""Writes for customers."""

import datetime as dt
import itertools
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.customers.cleaning import NewCustomer, clean_new_customer
from mehvar.customers.models import Customer

BULK_BATCH_SIZE = 1000


def customer_bulk_create(
    *,
    workspace: Workspace,
    rows: Iterable[NewCustomer],
    acting: Membership | None = None,
    via: str = "system",
    batch_size: int = BULK_BATCH_SIZE,
) -> int:
    """Create many customers in ``workspace`` and return how many; all or none.

    ``rows`` may be any iterable, a generator of millions included: it is read and written ``batch_size``
    rows at a time, so memory stays flat. Phones become E.164 and e-mails are tidied; a row that cannot be
    cleaned raises ValidationError naming its position (counted from 1) and nothing is kept. ``acting`` is
    the member doing it (None for the system: the demo, an import task); it needs ``customers.edit``.
    """
    if acting is not None and (
        acting.workspace_id != workspace.pk or not role_has(acting.role, Perm.CUSTOMERS_EDIT)
    ):
        raise PermissionDenied
    now = timezone.now()
    created = 0
    numbered = enumerate(rows, start=1)
    with transaction.atomic():
        while batch := list(itertools.islice(numbered, batch_size)):
            customers = [_customer(workspace, position, row, now) for position, row in batch]
            Customer.objects.bulk_create(customers, batch_size=batch_size)
            created += len(customers)
        if created:
            audit_record(
                workspace=workspace,
                actor=acting.user if acting is not None else None,
                action=AuditEntry.Action.CREATE,
                object_type=Customer._meta.label_lower,
                object_label=ngettext("%(count)d customer", "%(count)d customers", created)
                % {"count": created},
                after={"count": created},
                via=via,
            )
    return created


def _customer(workspace: Workspace, position: int, row: NewCustomer, now: dt.datetime) -> Customer:
    try:
        clean = clean_new_customer(row)
    except ValidationError as error:
        messages = {
            field: _("Row %(row)d: %(error)s") % {"row": position, "error": " ".join(errors)}
            for field, errors in error.message_dict.items()
        }
        raise ValidationError(messages) from error
    return Customer(
        workspace=workspace,
        first_name=clean.first_name,
        last_name=clean.last_name,
        display_name=clean.display_name,
        phone=clean.phone,
        email=clean.email,
        city=clean.city,
        province=clean.province,
        birthday=clean.birthday,
        created_at=now,
    )
