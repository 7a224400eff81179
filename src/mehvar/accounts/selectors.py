"""Reads for accounts."""

from mehvar.accounts.models import User


def user_with_email_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email.strip()).exists()
