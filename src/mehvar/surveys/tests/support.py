"""What the surveys tests share: a workspace's channels, customers, surveys and moments in Tehran time."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from mehvar.channels.models import Channel
from mehvar.customers import services as customer_services
from mehvar.surveys import authoring
from mehvar.surveys.models import Answer, Invitation, Response

TEHRAN = ZoneInfo("Asia/Tehran")
_phones = itertools.count(1000)


def tehran(year=2026, month=11, day=24, hour=11, minute=0):
    """A moment in Tehran (a Tuesday, mid-morning: outside quiet hours, inside business hours)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


def sms_channel(workspace, name="پیامک"):
    return Channel.objects.create(workspace=workspace, kind="sms", name=name, config={})


def email_channel(workspace, name="ایمیل"):
    return Channel.objects.create(workspace=workspace, kind="email", name=name, config={})


def customer(acting, *, first_name="علی", last_name="رضایی", phone=None, **fields):
    phone = phone or f"0912123{next(_phones):04d}"
    return customer_services.customer_create(
        acting=acting, first_name=first_name, last_name=last_name, phone=phone, **fields
    )


def nps_survey(acting, *, trigger="conversation_resolved", active=True, **fields):
    return authoring.survey_create(
        acting=acting,
        kind="nps",
        title_fa="نظر شما دربارهٔ ما",
        title_en="Your opinion",
        trigger=trigger,
        active=active,
        **fields,
    )


def questions(survey):
    from mehvar.surveys.questions import questions_of

    return questions_of(survey)


def invite(survey, person, *, now=None, **kwargs):
    from mehvar.surveys.invitations import invitation_create

    return invitation_create(survey=survey, customer=person, now=now or tehran(), **kwargs)


def reload(invitation) -> Invitation:
    return Invitation.objects.select_related("survey", "workspace", "channel", "customer").get(
        pk=invitation.pk
    )


def respond(survey, score, at, *, agent=None, team=None, channel="sms", person=None, text="", **answer):
    """A stored response with its score answer (and a comment) at a moment, as the answer path leaves it."""
    response = Response.objects.create(
        workspace_id=survey.workspace_id,
        survey=survey,
        customer=person,
        agent=agent,
        team=team,
        channel_kind=channel,
        score=score,
        created_at=at,
        submitted_at=at,
    )
    first, *rest = questions(survey)
    Answer.objects.create(
        workspace_id=survey.workspace_id, response=response, question=first, value=score, created_at=at
    )
    if text:
        follow_up = next(q for q in rest if q.type == "text")
        Answer.objects.create(
            workspace_id=survey.workspace_id,
            response=response,
            question=follow_up,
            text=text,
            created_at=at,
            **answer,
        )
    return response
