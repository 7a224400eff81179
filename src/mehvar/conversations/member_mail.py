"""E-mail to members about a conversation (SLA escalations, automation "notify" actions).

Each member gets their own message in their own language (``User.language``), sent through Django's mail
after the surrounding transaction commits: a rolled-back change never e-mails anyone. The message names
the workspace, the conversation's number, subject and customer, so that it reads on its own.
"""

from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from mehvar.conversations.models import Conversation
from mehvar.core.models import Membership


def _send(
    *, emails_languages: list[tuple[str, str]], subject: Callable[[], str], lines: Callable[[], list[str]]
) -> None:
    for email, language in emails_languages:
        with translation.override(language):
            send_mail(subject(), "\n".join(lines()), None, [email], fail_silently=True)


def conversation_lines(conversation: Conversation) -> list[str]:
    """The lines every notice about a conversation starts with (in the active language)."""
    customer = conversation.customer
    return [
        _("Workspace: %(name)s") % {"name": conversation.workspace.name},
        _("Conversation #%(number)s: %(subject)s")
        % {"number": conversation.number, "subject": conversation.subject or "—"},
        _("Customer: %(name)s") % {"name": str(customer)},
    ]


def members_mail(
    *,
    members: Iterable[Membership],
    subject: Callable[[], str],
    lines: Callable[[], list[str]],
) -> int:
    """E-mail ``members`` after commit. ``subject`` and ``lines`` are called once per recipient, inside that
    recipient's language, so their strings must be translated inside them. Returns how many will be sent."""
    recipients = []
    seen = set()
    for member in members:
        email = member.user.email
        if email and email not in seen:
            seen.add(email)
            recipients.append((email, member.user.language or settings.LANGUAGE_CODE))
    if recipients:
        transaction.on_commit(partial(_send, emails_languages=recipients, subject=subject, lines=lines))
    return len(recipients)
