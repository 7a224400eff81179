"""Invitations: deciding, scheduling, sending through the outbox, one reminder.

``invitation_create`` checks the rules of ``eligibility`` (throttle, consent), picks the channel and address
(``addressing``), moves the sending time past quiet hours and, when it is due now, sends it in the same
transaction: the outbox row is written with its cause and sent after commit. Later ones are sent by
``invitations_send_due`` (a periodic task). Every send is claimed first with a conditional UPDATE
(``sent_at`` / ``reminded_at`` still empty), and the outbox row's idempotency key is derived from the
invitation (``survey:<id>:invite``, ``survey:<id>:remind``): a retried task or a second worker never sends
twice.
"""

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from mehvar.channels.models import Channel
from mehvar.channels.outbox import outbox_enqueue
from mehvar.core.models import Membership
from mehvar.core.roles import Perm, role_has
from mehvar.customers.models import Activity, Customer
from mehvar.surveys import compose, links
from mehvar.surveys.addressing import reach
from mehvar.surveys.authoring import survey_settings
from mehvar.surveys.eligibility import SurveySkipped, consent_allows, invitation_blocker, is_marketing
from mehvar.surveys.models import Invitation, Origin, Survey, SurveySettings
from mehvar.surveys.timing import after_quiet_hours, in_quiet_hours

logger = logging.getLogger(__name__)
SWEEP_LIMIT = 500


def _language(conversation: object | None) -> str:
    language = getattr(conversation, "language", "") or "fa"
    return language if language in ("fa", "en") else "fa"


@transaction.atomic
def invitation_create(
    *,
    survey: Survey,
    customer: Customer,
    conversation: object | None = None,
    activity: Activity | None = None,
    channel: Channel | None = None,
    address: str = "",
    origin: str = Origin.TRIGGER,
    not_before: dt.datetime | None = None,
    language: str = "",
    acting: Membership | None = None,
    now: dt.datetime | None = None,
) -> Invitation:
    """Invite ``customer`` to ``survey`` after an interaction (``conversation`` or ``activity``), or by hand.

    Raises ``SurveySkipped`` (with the reason) when the customer must not be asked now. ``not_before``
    schedules it later (a re-survey); quiet hours may move it later still. ``acting`` is the member sending
    it by hand (``surveys.manage``); None is the system."""
    if acting is not None and (
        acting.workspace_id != survey.workspace_id or not role_has(acting.role, Perm.SURVEYS_MANAGE)
    ):
        raise PermissionDenied
    if customer.workspace_id != survey.workspace_id:
        raise ValueError("the customer is not in the survey's workspace")
    now = now or timezone.now()
    settings = survey_settings(survey.workspace)
    # One decision per customer at a time: two triggers at once must not both pass the throttle.
    Customer.objects.select_for_update().filter(pk=customer.pk, workspace_id=customer.workspace_id).first()
    if origin == Origin.TRIGGER:
        already = Invitation.objects.filter(workspace_id=survey.workspace_id, survey=survey, origin=origin)
        if conversation is not None and already.filter(conversation=conversation).exists():
            raise SurveySkipped("already_invited")
        if activity is not None and already.filter(activity=activity).exists():
            raise SurveySkipped("already_invited")
    if channel is None:
        found = reach(customer=customer, conversation=conversation)
        if found is None:
            raise SurveySkipped("no_channel")
        channel, address = found
    elif channel.workspace_id != survey.workspace_id or not address:
        raise SurveySkipped("no_channel")
    reason = invitation_blocker(
        survey=survey, customer=customer, channel=channel, origin=origin, settings=settings, now=now
    )
    if reason:
        raise SurveySkipped(reason)
    send_at = after_quiet_hours(
        max(now, not_before or now), start=settings.quiet_start, end=settings.quiet_end
    )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                workspace_id=survey.workspace_id,
                survey=survey,
                customer=customer,
                channel=channel,
                address=address[:254],
                conversation=conversation,
                activity=activity,
                agent=getattr(conversation, "assignee", None),
                origin=origin,
                token=links.new_token(),
                language=language if language in ("fa", "en") else _language(conversation),
                created_at=now,
                send_at=send_at,
                expires_at=send_at + dt.timedelta(days=settings.expiry_days),
            )
    except IntegrityError:
        raise SurveySkipped("already_invited") from None
    if send_at <= now:
        invitation_send(invitation=invitation, now=now, settings=settings)
    return invitation


def _cancel(invitation: Invitation, reason: str) -> None:
    Invitation.objects.filter(
        pk=invitation.pk, workspace_id=invitation.workspace_id, sent_at__isnull=True
    ).update(cancelled_reason=reason)
    invitation.cancelled_reason = reason


def invitation_send(
    *, invitation: Invitation, now: dt.datetime | None = None, settings: SurveySettings | None = None
) -> bool:
    """Send a due invitation through the outbox; False when it is not due, already sent, or cancelled
    (consent withdrawn since it was scheduled, or expired unsent). Quiet hours push it to their end."""
    now = now or timezone.now()
    settings = settings or survey_settings(invitation.workspace)
    with transaction.atomic():
        if invitation.sent_at is not None or invitation.cancelled_reason or invitation.send_at > now:
            return False
        if in_quiet_hours(now, start=settings.quiet_start, end=settings.quiet_end):
            later = after_quiet_hours(now, start=settings.quiet_start, end=settings.quiet_end)
            Invitation.objects.filter(pk=invitation.pk, workspace_id=invitation.workspace_id).update(
                send_at=later
            )
            invitation.send_at = later
            return False
        if invitation.expires_at <= now:
            _cancel(invitation, "expired")
            return False
        if not consent_allows(
            customer=invitation.customer,
            channel=invitation.channel,
            marketing=is_marketing(invitation.survey),
        ):
            _cancel(invitation, "no_consent")
            return False
        claimed = Invitation.objects.filter(
            pk=invitation.pk, workspace_id=invitation.workspace_id, sent_at__isnull=True, cancelled_reason=""
        ).update(sent_at=now)
        if claimed != 1:
            return False
        invitation.sent_at = now
        outbox_enqueue(
            workspace=invitation.workspace,
            channel=invitation.channel,
            to=invitation.address,
            payload=compose.invitation_payload(invitation),
            idempotency_key=f"survey:{invitation.pk}:invite",
            purpose="survey",
        )
    return True


def invitation_remind(*, invitation: Invitation, now: dt.datetime | None = None) -> bool:
    """The one reminder: only for a sent, unanswered, unexpired invitation that was not reminded yet, and
    never in quiet hours or after the customer withdrew consent."""
    now = now or timezone.now()
    settings = survey_settings(invitation.workspace)
    if in_quiet_hours(now, start=settings.quiet_start, end=settings.quiet_end):
        return False
    if not consent_allows(
        customer=invitation.customer, channel=invitation.channel, marketing=is_marketing(invitation.survey)
    ):
        return False
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            workspace_id=invitation.workspace_id,
            sent_at__isnull=False,
            reminded_at__isnull=True,
            answered_at__isnull=True,
            expires_at__gt=now,
        ).update(reminded_at=now)
        if claimed != 1:
            return False
        invitation.reminded_at = now
        outbox_enqueue(
            workspace=invitation.workspace,
            channel=invitation.channel,
            to=invitation.address,
            payload=compose.invitation_payload(invitation, reminder=True),
            idempotency_key=f"survey:{invitation.pk}:remind",
            purpose="survey",
        )
    return True


def _workspaces_with_settings() -> list[SurveySettings]:
    # Every workspace that ever invited anyone has its settings row (invitation_create makes it).
    return list(SurveySettings.objects.select_related("workspace").order_by("workspace_id"))


def invitations_send_due(*, now: dt.datetime | None = None) -> int:
    """Send the scheduled invitations that are due (after quiet hours, re-surveys). Returns how many."""
    now = now or timezone.now()
    sent = 0
    for settings in _workspaces_with_settings():
        if in_quiet_hours(now, start=settings.quiet_start, end=settings.quiet_end):
            continue
        due = (
            Invitation.objects.filter(
                workspace_id=settings.workspace_id,
                sent_at__isnull=True,
                cancelled_reason="",
                send_at__lte=now,
            )
            .select_related("survey", "customer", "channel", "workspace")
            .order_by("send_at")[:SWEEP_LIMIT]
        )
        for invitation in due:
            try:
                sent += invitation_send(invitation=invitation, now=now, settings=settings)
            except Exception:  # one bad row must not stop the others
                logger.exception("survey invitation %s could not be sent", invitation.pk)
    return sent


def invitations_remind_due(*, now: dt.datetime | None = None) -> int:
    """Send the one reminder to invitations unanswered ``reminder_after_days`` after they went out."""
    now = now or timezone.now()
    reminded = 0
    for settings in _workspaces_with_settings():
        if not settings.reminder_after_days or in_quiet_hours(
            now, start=settings.quiet_start, end=settings.quiet_end
        ):
            continue
        due = (
            Invitation.objects.filter(
                workspace_id=settings.workspace_id,
                sent_at__isnull=False,
                reminded_at__isnull=True,
                answered_at__isnull=True,
                sent_at__lte=now - dt.timedelta(days=settings.reminder_after_days),
                expires_at__gt=now,
            )
            .select_related("survey", "customer", "channel", "workspace")
            .order_by("sent_at")[:SWEEP_LIMIT]
        )
        for invitation in due:
            try:
                reminded += invitation_remind(invitation=invitation, now=now)
            except Exception:
                logger.exception("survey reminder %s could not be sent", invitation.pk)
    return reminded
