"""What a new customer looks like before it is stored, and how its fields are tidied.

Phones become E.164 (``mehvar.core.phones``) and e-mails are trimmed and lower-cased; names are kept as the
customer wrote them (matching compares them through ``mehvar.core.text.search_key`` later).
"""

import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from mehvar.core.phones import PhoneError, normalize_phone


@dataclasses.dataclass(slots=True)
class NewCustomer:
    """The fields of a customer about to be created, as received (phones and e-mails may be messy)."""

    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    city: str = ""
    province: str = ""
    birthday: dt.date | None = None
    display_name: str = ""


NAME_MAX_LENGTH = 100


def clean_email(raw: str) -> str:
    """A trimmed, lower-cased e-mail address, or "" for none; ValidationError when it is not one."""
    email = raw.strip().lower()
    if email:
        validate_email(email)
    return email


def clean_new_customer(row: NewCustomer) -> NewCustomer:
    """A copy of ``row`` ready to store: E.164 phone, tidy e-mail, trimmed names, a display name."""
    first_name, last_name = row.first_name.strip(), row.last_name.strip()
    if len(first_name) > NAME_MAX_LENGTH or len(last_name) > NAME_MAX_LENGTH:
        raise ValidationError({"first_name": _("A name may have at most 100 characters.")})
    phone = ""
    if row.phone.strip():
        try:
            phone = normalize_phone(row.phone)
        except PhoneError as error:
            raise ValidationError({"phone": error.message}, code=error.code) from error
    try:
        email = clean_email(row.email)
    except ValidationError as error:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}, code="invalid") from error
    display_name = row.display_name.strip() or f"{first_name} {last_name}".strip()
    return NewCustomer(
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        email=email,
        city=row.city.strip(),
        province=row.province.strip(),
        birthday=row.birthday,
        display_name=display_name[:200],
    )
