"""The closed loop: an unhappy answer opens a recovery task; closing it tells the customer and asks again.

``recovery_consider`` runs after every identified answer: an NPS of 6 or less (a detractor; not for eNPS), a
CSAT of 1 or 2, or a comment the feedback engine reads as clearly negative opens one task per response. The
owner is the agent of the conversation the survey followed, else the customer's account manager, else the
workspace's recovery team; the deadline is ``SurveySettings.recovery_deadline_hours`` business hours away
on the workspace's calendar; the apology is the workspace's apology reply (canned reply of purpose
"apology" in the customer's language) or a default one. Those workspace rows are read through
``recovery_context`` (kept in the process for a few seconds).

``recovery_close`` records what was done, sends ``customer_message`` on the customer's channel (into the
conversation when there is one still open to messages, else straight through the outbox), puts the closure
on the timeline and schedules a re-survey ``resurvey_after_days`` later.
"""

import datetime as dt
import logging
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mehvar.channels.outbox import outbox_enqueue
from mehvar.core.audit import audit_record
from mehvar.core.models import AuditEntry, Membership
from mehvar.core.roles import Perm, role_has
from mehvar.core.text import normalize_text
from mehvar.customers.models import Customer
from mehvar.customers.timeline import activity_record
from mehvar.surveys import comments, scales
from mehvar.surveys.authoring import survey_settings
from mehvar.surveys.eligibility import SurveySkipped
from mehvar.surveys.models import (
    Answer,
    Origin,
    OwnerReason,
    Question,
    QuestionType,
    RecoveryReason,
    RecoveryStatus,
    RecoveryTask,
    Response,
    SurveyKind,
)
from mehvar.surveys.recovery_context import recovery_context

logger = logging.getLogger(__name__)
A = AuditEntry.Action
NOTE_MAX = 2000


def _reason(
    response: Response, answers: Mapping[int, Answer], questions: list[Question]
) -> tuple[str, int | None, str] | None:
    """(reason, score, comment) when the answers call for a recovery, else None."""
    reason, score = "", None
    for question in questions:
        answer = answers.get(question.pk)
        if answer is None or answer.value is None:
            continue
        detractor = answer.value <= scales.DETRACTOR_MAX and response.survey.kind != SurveyKind.ENPS
        if question.type == QuestionType.NPS and detractor:
            reason, score = RecoveryReason.DETRACTOR, answer.value
            break
        if question.type == QuestionType.CSAT and answer.value <= scales.LOW_CSAT_MAX:
            reason, score = RecoveryReason.LOW_CSAT, answer.value
            break
    texts = [answers[q.pk] for q in questions if q.pk in answers and answers[q.pk].text]
    if not reason and any(comments.is_negative(a.sentiment, a.sentiment_score) for a in texts):
        reason, score = RecoveryReason.NEGATIVE_COMMENT, response.score
    if not reason:
        return None
    return reason, score, "\n".join(a.text for a in texts)[:NOTE_MAX]


def _may_recover(member: Membership | None) -> bool:
    return member is not None and role_has(member.role, Perm.RECOVERY_WORK)


def _member(pk: int | None, workspace_id: int) -> Membership | None:
    return None if pk is None else Membership.objects.filter(pk=pk, workspace_id=workspace_id).first()


def _owner(
    response: Response, customer: Customer, team_id: int | None
) -> tuple[Membership | None, int | None, str]:
    """(owner, team id, why): the agent, else the account manager, else the recovery team."""
    agent = _member(response.agent_id, response.workspace_id)
    if _may_recover(agent):
        return agent, None, OwnerReason.AGENT
    manager = _member(customer.owner_id, response.workspace_id)
    if _may_recover(manager):
        return manager, None, OwnerReason.ACCOUNT_MANAGER
    if team_id is not None:
        return None, team_id, OwnerReason.TEAM
    return None, None, OwnerReason.NOBODY


def _apology(response: Response, customer: Customer, template: str | None) -> str:
    """The apology: the workspace's template in the response's language (``template``) filled in, or ours."""
    from mehvar.conversations.models import Conversation
    from mehvar.conversations.templating import render_for_customer, render_reply

    conversation = (
        None
        if response.conversation_id is None
        else Conversation.objects.filter(
            pk=response.conversation_id, workspace_id=response.workspace_id
        ).first()
    )
    if template is not None and conversation is not None:
        return render_reply(template, conversation=conversation)
    name = customer.first_name or customer.display_name or ""
    with translation.override(response.language):
        if template is not None:
            # No conversation: what the customer alone tells is filled; the rest stays for the agent to
            # write out (closing refuses a message that still holds a placeholder).
            return render_for_customer(template, customer=customer)
        if name:
            return _(
                "Dear %(name)s, we are sorry that we let you down, and thank you for telling us. "
                "We have looked into what happened and put it right."
            ) % {"name": name}
        return _(
            "We are sorry that we let you down, and thank you for telling us. We have looked into what "
            "happened and put it right."
        )


def recovery_consider(
    *,
    response: Response,
    answers: Mapping[int, Answer],
    questions: list[Question],
    now: dt.datetime,
    new: bool = False,
) -> RecoveryTask | None:
    """Open the response's recovery task when its answers call for one (or add a late comment to it).
    ``new``: the response was created in this transaction under its invitation's lock (responses.py), so it
    has no task yet and none can be opened beside this one: no look first, no savepoint."""
    if response.customer_id is None:
        return None
    found = _reason(response, answers, questions)
    if found is None:
        return None
    reason, score, comment = found
    existing = (
        None
        if new
        else RecoveryTask.objects.filter(workspace_id=response.workspace_id, response=response).first()
    )
    if existing is not None:
        if comment and existing.comment != comment:
            RecoveryTask.objects.filter(pk=existing.pk, workspace_id=existing.workspace_id).update(
                comment=comment
            )
            existing.comment = comment
        return existing
    customer = Customer.objects.select_related("workspace").get(
        pk=response.customer_id, workspace_id=response.workspace_id
    )
    context = recovery_context(customer.workspace)
    owner, team_id, owner_reason = _owner(response, customer, context.team_id)
    due = context.calendar.add_business_time(now, dt.timedelta(hours=context.deadline_hours))
    fields = {
        "survey_id": response.survey_id,
        "customer": customer,
        "conversation_id": response.conversation_id,
        "reason": reason,
        "score": score,
        "comment": comment,
        "owner": owner,
        "team_id": team_id,
        "owner_reason": owner_reason,
        "apology": _apology(response, customer, context.apologies.get(response.language)),
        "created_at": now,
        "due_at": due,
    }
    if new:
        task = RecoveryTask.objects.create(workspace_id=response.workspace_id, response=response, **fields)
        created = True
    else:
        with transaction.atomic():
            task, created = RecoveryTask.objects.get_or_create(
                workspace_id=response.workspace_id, response=response, defaults=fields
            )
    if created:
        _notify(task)
    return task


def _notify(task: RecoveryTask) -> None:
    from mehvar.conversations.member_mail import members_mail

    people = (
        [task.owner]
        if task.owner is not None
        else list(task.team.members.select_related("user"))
        if task.team
        else []
    )
    if not people:
        return
    customer, reason = str(task.customer), task.get_reason_display

    members_mail(
        members=[p for p in people if p is not None],
        subject=lambda: _("A recovery task for %(customer)s") % {"customer": customer},
        lines=lambda: [
            _("Workspace: %(name)s") % {"name": task.customer.workspace.name},
            _("Customer: %(name)s") % {"name": customer},
            _("Why: %(reason)s") % {"reason": reason()},
            _("Comment: %(comment)s") % {"comment": task.comment or "—"},
        ],
    )


def may_close(member: Membership, task: RecoveryTask) -> bool:
    """Its owner, a member of its team when it has no owner, or anyone who manages surveys."""
    if member.workspace_id != task.workspace_id:
        return False
    if role_has(member.role, Perm.SURVEYS_MANAGE):
        return True
    if not role_has(member.role, Perm.RECOVERY_WORK):
        return False
    if task.owner_id is not None:
        return task.owner_id == member.pk
    return task.team_id is not None and task.team.members.filter(pk=member.pk).exists()  # type: ignore[union-attr]


def _clean_note(value: str, field: str, *, required: bool) -> str:
    text = normalize_text(value or "", multiline=True)
    if required and not text:
        raise ValidationError(
            {field: ValidationError(_("Write what was done for the customer."), code="required")}
        )
    if len(text) > NOTE_MAX:
        raise ValidationError({field: _("At most %(max)d characters.") % {"max": NOTE_MAX}})
    return text


def _tell_customer(task: RecoveryTask, text: str, now: dt.datetime) -> bool:
    """Send ``text`` on the customer's channel: into the conversation, else to the invitation's address."""
    key = f"recovery:{task.pk}:told"
    if task.conversation_id is not None:
        from mehvar.conversations.models import Conversation, Status
        from mehvar.conversations.services import message_send_system

        conversation = Conversation.objects.select_related("channel", "customer", "workspace").get(
            pk=task.conversation_id, workspace_id=task.workspace_id
        )
        if conversation.status != Status.CLOSED and message_send_system(
            conversation=conversation, text=text, idempotency_key=key, now=now
        ):
            return True
    invitation = task.response.invitation
    if invitation is None:
        return False
    outbox_enqueue(
        workspace=task.customer.workspace,
        channel=invitation.channel,
        to=invitation.address,
        payload={
            "text": text,
            "subject": invitation.survey.title(invitation.language),
            "data": {"recovery": task.pk},
        },
        idempotency_key=key,
        purpose="survey",
    )
    return True


@transaction.atomic
def recovery_close(
    *,
    task: RecoveryTask,
    acting: Membership,
    resolution: str,
    customer_message: str = "",
    resurvey: bool = True,
    now: dt.datetime | None = None,
    via: str = "web",
) -> RecoveryTask:
    """Close a recovery task: what was done (required), what to tell the customer (sent on their channel
    when given), and a re-survey scheduled for later. Closing twice is refused, naming ``status``."""
    if not may_close(acting, task):
        raise PermissionDenied
    resolution = _clean_note(resolution, "resolution", required=True)
    customer_message = _clean_note(customer_message, "customer_message", required=False)
    from mehvar.conversations.templating import placeholders_in

    left = placeholders_in(customer_message)
    if left:
        raise ValidationError(
            {
                "customer_message": ValidationError(
                    _("The message still holds %(names)s: write it out or remove it before it is sent.")
                    % {"names": " ".join(left)},
                    code="placeholder",
                )
            }
        )
    now = now or timezone.now()
    claimed = RecoveryTask.objects.filter(
        pk=task.pk, workspace_id=task.workspace_id, status=RecoveryStatus.OPEN
    ).update(
        status=RecoveryStatus.DONE,
        closed_at=now,
        closed_by=acting,
        resolution=resolution,
        customer_message=customer_message,
    )
    if claimed != 1:
        raise ValidationError(
            {"status": ValidationError(_("This recovery task is closed already."), code="closed")}
        )
    task.refresh_from_db()
    told = bool(customer_message) and _tell_customer(task, customer_message, now)
    activity_record(
        workspace=task.customer.workspace,
        customer=task.customer,
        kind="survey_recovery",
        occurred_at=now,
        summary=resolution[:500],
        data={"task": task.pk, "reason": task.reason, "told": told},
        actor=acting,
        record=task,
    )
    invitation = task.response.invitation
    if resurvey and invitation is not None:
        from mehvar.surveys.invitations import invitation_create

        settings = survey_settings(task.customer.workspace)
        try:
            task.resurvey = invitation_create(
                survey=invitation.survey,
                customer=task.customer,
                channel=invitation.channel,
                address=invitation.address,
                origin=Origin.RESURVEY,
                language=invitation.language,
                not_before=now + dt.timedelta(days=settings.resurvey_after_days),
                now=now,
            )
            RecoveryTask.objects.filter(pk=task.pk, workspace_id=task.workspace_id).update(
                resurvey=task.resurvey
            )
        except SurveySkipped as skipped:
            logger.info("no re-survey after recovery task %s: %s", task.pk, skipped.reason)
    audit_record(
        workspace=task.customer.workspace,
        actor=acting.user,
        action=A.UPDATE,
        obj=task,
        before={"status": RecoveryStatus.OPEN},
        after={"status": RecoveryStatus.DONE, "resolution": resolution, "told": told},
        via=via,
    )
    return task
