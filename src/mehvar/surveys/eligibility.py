"""May this customer be asked now? Never over-survey, and respect what they consented to.

* The workspace's rule: at most one invitation per customer every ``SurveySettings.throttle_days`` (30 by
  default), whatever the survey. A re-survey after a recovery task is the one exception: the customer was
  promised it.
* The survey's own rule: not the same survey again within ``Survey.throttle_days`` (and, for a relationship
  survey, within its interval ``delay_days``).
* Consent, as the customers app models it (``customers.Consent``: the newest decision per channel holds).
  A survey that follows an interaction (a resolved conversation, a delivery, an order) is a *transactional*
  message: it is sent unless the customer's newest decision for the channel is a refusal. A relationship
  survey follows nothing, so it is *marketing*: it needs a consent given on that channel. Channels without
  a consent kind (web chat, the API) take transactional surveys only.
"""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from mehvar.channels.models import Channel
from mehvar.customers.models import Consent, ConsentChannel, Customer
from mehvar.surveys.models import Invitation, Origin, Survey, SurveySettings, Trigger

REASONS = {
    "inactive": _("the survey is turned off"),
    "customer_gone": _("the customer was merged or erased"),
    "throttled": _("the customer was asked recently (the workspace's limit)"),
    "survey_throttled": _("the customer got this survey recently"),
    "no_consent": _("the customer has not agreed to messages on this channel"),
    "no_channel": _("no channel can reach the customer"),
    "already_invited": _("this interaction was already followed by this survey"),
    "expired": _("the invitation expired before it could be sent"),
}


class SurveySkipped(Exception):
    """No invitation: ``reason`` is a key of ``REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def label(self) -> str:
        return str(REASONS.get(self.reason, self.reason))


CONSENT_KINDS = {
    "email": ConsentChannel.EMAIL,
    "sms": ConsentChannel.SMS,
    "telegram": ConsentChannel.TELEGRAM,
}


def is_marketing(survey: Survey) -> bool:
    return survey.trigger == Trigger.RELATIONSHIP


def consent_allows(*, customer: Customer, channel: Channel, marketing: bool) -> bool:
    kind = CONSENT_KINDS.get(channel.kind)
    if kind is None:
        return not marketing
    newest = (
        Consent.objects.filter(workspace_id=customer.workspace_id, customer=customer, channel=kind)
        .order_by("-recorded_at", "-pk")
        .values_list("granted", flat=True)
        .first()
    )
    if marketing:
        return newest is True
    return newest is not False


def invitation_blocker(
    *,
    survey: Survey,
    customer: Customer,
    channel: Channel,
    origin: str,
    settings: SurveySettings,
    now: dt.datetime,
) -> str | None:
    """Why this customer must not get this survey now, or None when they may."""
    if not survey.active and origin != Origin.RESURVEY:
        return "inactive"
    if not customer.is_active_record:
        return "customer_gone"
    if origin != Origin.RESURVEY:
        mine = Invitation.objects.filter(workspace_id=survey.workspace_id, customer=customer)
        if (
            settings.throttle_days
            and mine.filter(created_at__gt=now - dt.timedelta(days=settings.throttle_days)).exists()
        ):
            return "throttled"
        own_days = max(
            survey.throttle_days, survey.delay_days if survey.trigger == Trigger.RELATIONSHIP else 0
        )
        if own_days and mine.filter(survey=survey, created_at__gt=now - dt.timedelta(days=own_days)).exists():
            return "survey_throttled"
    if not consent_allows(customer=customer, channel=channel, marketing=is_marketing(survey)):
        return "no_consent"
    return None
