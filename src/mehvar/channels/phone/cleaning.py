"""Checking what an agent (or a PBX through the API) says about a call; every error names its field."""

import dataclasses
import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from mehvar.core.jalali import JalaliDateError, parse_datetime
from mehvar.core.models import Membership, Workspace
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text, to_ascii_digits
from mehvar.customers.matching import normalize_identity
from mehvar.customers.models import Customer
from mehvar.customers.notes import NOTE_MAX_LENGTH, CallDirection, CallOutcome

DURATION_MAX_SECONDS = 86_400
RECORDING_URL_MAX_LENGTH = 500
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{2})$")


@dataclasses.dataclass(frozen=True)
class CleanCall:
    direction: str
    outcome: str
    seconds: int
    phone: str  # E.164, or ""
    customer: Customer | None
    recording_url: str
    notes: str
    agent: Membership
    started_at: dt.datetime


def parse_duration(value: Any) -> int:
    """Seconds from 185, "185", "۱۸۵", "3:05", "۰۳:۰۵" or "1:02:03"; ValueError when it is none of them."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        seconds = value
    else:
        text = to_ascii_digits(str(value)).strip().replace("٫", ":").replace("：", ":")
        if text.isdigit():
            seconds = int(text)
        else:
            match = _CLOCK.match(text)
            if match is None or int(match[3]) > 59 or (match[1] is not None and int(match[2]) > 59):
                raise ValueError
            seconds = int(match[1] or 0) * 3600 + int(match[2]) * 60 + int(match[3])
    if not 0 <= seconds <= DURATION_MAX_SECONDS:
        raise ValueError
    return seconds


def _started_at(value: dt.datetime | str | None, now: dt.datetime) -> dt.datetime:
    if value in (None, ""):
        return now
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise JalaliDateError("naive", _("Give the time with its time zone."))
        moment = value
    else:
        moment = parse_datetime(str(value))
    if moment > now + FUTURE_TOLERANCE:
        raise JalaliDateError("future", _("A call cannot start in the future."))
    return moment


def call_clean(
    *,
    workspace: Workspace,
    acting: Membership,
    direction: str,
    outcome: str,
    duration: Any,
    phone: str = "",
    customer: Customer | None = None,
    recording_url: str = "",
    notes: str = "",
    agent: Membership | None = None,
    started_at: dt.datetime | str | None = None,
    now: dt.datetime | None = None,
) -> CleanCall:
    """Every field checked at once: ValidationError({field: [message]}) listing all that are wrong."""
    errors: dict[str, list[ValidationError]] = {}

    def bad(field: str, message: str, code: str = "invalid") -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if direction not in dict(CallDirection.choices):
        bad("direction", _("Choose incoming or outgoing."), "invalid_choice")
    if outcome not in dict(CallOutcome.choices):
        bad("outcome", _("Choose how the call ended."), "invalid_choice")
    seconds = 0
    try:
        seconds = parse_duration(duration)
    except (TypeError, ValueError):
        bad("duration", _("Give the duration in seconds (185) or as minutes:seconds (3:05), up to 24 hours."))
    e164 = ""
    if phone:
        try:
            e164 = normalize_identity("phone", phone)
        except ValidationError as error:
            for message in error.message_dict.get("phone", []):
                bad("phone", message)
    if customer is not None and customer.workspace_id != workspace.pk:
        bad("customer", _("This customer is not in this workspace."), "not_found")
        customer = None
    elif customer is not None and not customer.is_active_record:
        bad("customer", _("This customer was merged into another or erased; it cannot change."), "inactive")
    if customer is None and not phone and "customer" not in errors:
        bad("phone", _("Give the customer's phone number, or choose the customer."), "required")
    recording_url = (recording_url or "").strip()
    if recording_url:
        try:
            if len(recording_url) > RECORDING_URL_MAX_LENGTH:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(recording_url)
        except ValidationError:
            bad(
                "recording_url",
                _("Give the recording as a link starting with https:// (at most %(max)d characters).")
                % {"max": RECORDING_URL_MAX_LENGTH},
            )
    notes = normalize_text(notes or "", multiline=True)
    if len(notes) > NOTE_MAX_LENGTH:
        bad(
            "notes",
            _("A note may have at most %(max)d characters (it has %(length)d).")
            % {"max": NOTE_MAX_LENGTH, "length": len(notes)},
            "max_length",
        )
    agent = agent or acting
    if agent.workspace_id != workspace.pk or not role_has(agent.role, Perm.CONVERSATIONS_REPLY):
        bad("agent", _("The agent must be a member of this workspace who answers customers."))
    now = now or timezone.now()
    moment = now
    try:
        moment = _started_at(started_at, now)
    except JalaliDateError as error:
        bad("started_at", error.message, error.code)
    if errors:
        raise ValidationError(errors)
    return CleanCall(
        direction=direction,
        outcome=outcome,
        seconds=seconds,
        phone=e164,
        customer=customer,
        recording_url=recording_url,
        notes=notes,
        agent=agent,
        started_at=moment,
    )
