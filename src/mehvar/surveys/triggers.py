"""When surveys are sent: after a resolved conversation, after a delivery, some days after a customer's first
purchase, and periodically (relationship NPS).

* ``conversation_status_changed`` is called by ``conversations.hooks.after_status`` for every status move;
  on *resolved* it invites the customer to the workspace's active post-conversation survey, on the
  conversation's channel. It runs inside the resolve's transaction, in a savepoint: whatever happens here,
  the resolve itself goes through.
* Deliveries and orders arrive as timeline activities (kinds ``delivery`` and ``order``) until a commerce
  module exists; ``activity_triggers_scan`` (every 10 minutes) reads the activities that became due since
  its last run (``Survey.scanned_until``, through the (workspace, kind, occurred_at) index). An order is a
  *first* purchase when the customer has no earlier order activity. Activities recorded more than
  ``MAX_LOOKBACK`` late are not surveyed.
* ``relationship_scan`` (hourly) walks each relationship survey's customers in id order,
  ``RELATIONSHIP_BATCH`` at a time (``Survey.scan_cursor``), and invites those not asked within the
  survey's interval.

Each invitation still passes ``eligibility`` (throttle, consent) and is unique per (survey, interaction), so
a rescan or a second resolve never asks twice.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from mehvar.customers.models import Activity, Customer
from mehvar.surveys.eligibility import SurveySkipped
from mehvar.surveys.invitations import invitation_create
from mehvar.surveys.models import Invitation, Survey, Trigger

logger = logging.getLogger(__name__)
SCAN_BATCH = 500
RELATIONSHIP_BATCH = 200
FIRST_LOOKBACK = dt.timedelta(days=1)
MAX_LOOKBACK = dt.timedelta(days=7)
ACTIVITY_KINDS = {Trigger.DELIVERY: "delivery", Trigger.FIRST_PURCHASE: "order"}


def conversation_status_changed(*, conversation: object, old: str, now: dt.datetime) -> Invitation | None:
    """Invite the customer of a conversation that was just resolved (None when nothing was sent)."""
    if getattr(conversation, "status", "") != "resolved":
        return None
    workspace_id = conversation.workspace_id  # type: ignore[attr-defined]
    survey = (
        Survey.objects.filter(workspace_id=workspace_id, trigger=Trigger.CONVERSATION_RESOLVED, active=True)
        .order_by("-updated_at")
        .first()
    )
    if survey is None:
        return None
    try:
        with transaction.atomic():
            return invitation_create(
                survey=survey,
                customer=conversation.customer,  # type: ignore[attr-defined]
                conversation=conversation,
                now=now,
            )
    except SurveySkipped as skipped:
        logger.info("no survey after conversation %s: %s", conversation.pk, skipped.reason)  # type: ignore[attr-defined]
    except Exception:  # the resolve must go through whatever happens here
        logger.exception("survey invitation after conversation %s failed", conversation.pk)  # type: ignore[attr-defined]
    return None


def _invite(survey: Survey, customer: Customer, now: dt.datetime, activity: Activity | None = None) -> bool:
    try:
        with transaction.atomic():
            invitation_create(survey=survey, customer=customer, activity=activity, now=now)
    except SurveySkipped:
        return False
    except Exception:
        logger.exception("survey %s: invitation for customer %s failed", survey.pk, customer.pk)
        return False
    return True


def _is_first_order(activity: Activity) -> bool:
    return not Activity.objects.filter(
        workspace_id=activity.workspace_id,
        customer_id=activity.customer_id,
        kind="order",
        occurred_at__lt=activity.occurred_at,
    ).exists()


def activity_survey_scan(*, survey: Survey, now: dt.datetime) -> int:
    """Invite the customers of the activities that became due for one delivery / first-purchase survey."""
    upper = now - dt.timedelta(days=survey.delay_days)
    lower = max(survey.scanned_until or upper - FIRST_LOOKBACK, upper - MAX_LOOKBACK)
    activities = list(
        Activity.objects.filter(
            workspace_id=survey.workspace_id,
            kind=ACTIVITY_KINDS[survey.trigger],
            occurred_at__gte=lower,
            occurred_at__lte=upper,
        )
        .select_related("customer")
        .order_by("occurred_at", "pk")[:SCAN_BATCH]
    )
    invited = 0
    for activity in activities:
        if survey.trigger == Trigger.FIRST_PURCHASE and not _is_first_order(activity):
            continue
        invited += _invite(survey, activity.customer, now, activity)
    watermark = activities[-1].occurred_at if len(activities) == SCAN_BATCH else upper
    Survey.objects.filter(pk=survey.pk, workspace_id=survey.workspace_id).update(scanned_until=watermark)
    return invited


def activity_triggers_scan(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    invited = 0
    for survey in Survey.objects.filter(active=True, trigger__in=list(ACTIVITY_KINDS)).select_related(
        "workspace"
    ):
        invited += activity_survey_scan(survey=survey, now=now)
    return invited


def relationship_survey_scan(*, survey: Survey, now: dt.datetime, batch: int = RELATIONSHIP_BATCH) -> int:
    customers = list(
        Customer.objects.filter(
            workspace_id=survey.workspace_id,
            pk__gt=survey.scan_cursor,
            merged_into__isnull=True,
            erased_at__isnull=True,
        ).order_by("pk")[:batch]
    )
    invited = sum(_invite(survey, customer, now) for customer in customers)
    cursor = customers[-1].pk if len(customers) == batch else 0  # the end: start again next time
    Survey.objects.filter(pk=survey.pk, workspace_id=survey.workspace_id).update(scan_cursor=cursor)
    return invited


def relationship_scan(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    invited = 0
    for survey in Survey.objects.filter(active=True, trigger=Trigger.RELATIONSHIP).select_related(
        "workspace"
    ):
        invited += relationship_survey_scan(survey=survey, now=now)
    return invited
