"""Notes and logged calls: written by people on a customer's timeline (kinds ``note`` and ``call``)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm
from mehvar.core.text import normalize_text, to_ascii_digits
from mehvar.customers.models import Activity, Customer
from mehvar.customers.profile_fields import invalid, require, require_active

A = AuditEntry.Action
NOTE_MAX_LENGTH = 10_000


class CallDirection:
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    choices = [(INBOUND, gettext_lazy("Incoming")), (OUTBOUND, gettext_lazy("Outgoing"))]


class CallOutcome:
    choices = [
        ("answered", gettext_lazy("Answered")),
        ("no_answer", gettext_lazy("No answer")),
        ("busy", gettext_lazy("Busy")),
        ("voicemail", gettext_lazy("Left a message")),
        ("wrong_number", gettext_lazy("Wrong number")),
    ]


def _activity(
    acting: Membership,
    customer: Customer,
    kind: str,
    summary: str,
    data: dict[str, Any],
    via: str,
    channel: str = "",
) -> Activity:
    from mehvar.customers.timeline import activity_record

    with transaction.atomic():
        activity = activity_record(
            workspace=customer.workspace,
            customer=customer,
            kind=kind,
            occurred_at=timezone.now(),
            summary=summary,
            channel=channel,
            data=data,
            actor=acting,
        )
        audit_record(
            workspace=customer.workspace,
            actor=acting.user,
            action=A.CREATE,
            obj=activity,
            object_label=kind,
            after={"customer": customer.pk, "kind": kind},
            via=via,
        )
    return activity


def note_add(*, acting: Membership, customer: Customer, text: str, via: str = "web") -> Activity:
    """A note on the customer's timeline."""
    require(acting, Perm.CUSTOMERS_EDIT, customer.workspace_id)
    require_active(customer)
    text = normalize_text(text, multiline=True)
    if not text:
        raise invalid("text", _("Write the note first."), "required")
    if len(text) > NOTE_MAX_LENGTH:
        raise invalid(
            "text",
            _("A note may have at most %(max)d characters (it has %(length)d).")
            % {"max": NOTE_MAX_LENGTH, "length": len(text)},
            "max_length",
        )
    return _activity(acting, customer, "note", text[:500], {"text": text}, via)


def call_log(
    *,
    acting: Membership,
    customer: Customer,
    direction: str,
    outcome: str,
    duration_seconds: int,
    note: str = "",
    via: str = "web",
) -> Activity:
    """A phone call on the timeline (it moves the customer's last contact)."""
    require(acting, Perm.CUSTOMERS_EDIT, customer.workspace_id)
    require_active(customer)
    errors: dict[str, list[ValidationError]] = {}
    if direction not in dict(CallDirection.choices):
        errors["direction"] = [ValidationError(_("Choose incoming or outgoing."), code="invalid_choice")]
    if outcome not in dict(CallOutcome.choices):
        errors["outcome"] = [ValidationError(_("Choose how the call ended."), code="invalid_choice")]
    try:
        seconds = int(to_ascii_digits(str(duration_seconds)).strip())
        if not 0 <= seconds <= 86_400:
            raise ValueError
    except ValueError:
        errors["duration_seconds"] = [
            ValidationError(_("Give the duration in seconds, from 0 to 86400."), code="invalid")
        ]
        seconds = 0
    note = normalize_text(note or "", multiline=True)
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = [
            ValidationError(
                _("A note may have at most %(max)d characters (it has %(length)d).")
                % {"max": NOTE_MAX_LENGTH, "length": len(note)},
                code="max_length",
            )
        ]
    if errors:
        raise ValidationError(errors)
    data = {"direction": direction, "outcome": outcome, "duration_seconds": seconds, "text": note}
    return _activity(acting, customer, "call", note[:500], data, via, channel="phone")
