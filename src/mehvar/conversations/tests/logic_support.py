"""Small builders shared by the tests of the inbox's logic (SLA, routing, automations, abuse)."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from mehvar.channels.base import InboundMessage
from mehvar.channels.models import Channel
from mehvar.conversations.inbound import message_receive
from mehvar.conversations.models import AgentProfile, Message
from mehvar.core.models import Membership, Workspace
from mehvar.testing import make_member

TEHRAN = ZoneInfo("Asia/Tehran")
_ids = itertools.count(1)


def tehran(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TEHRAN)


def make_channel(workspace: Workspace, kind: str = "api", name: str = "") -> Channel:
    return Channel.objects.create(workspace=workspace, kind=kind, name=name or f"{kind} {next(_ids)}")


def receive(
    channel: Channel,
    text: str = "سلام، سفارشم کی میرسه؟",
    *,
    phone: str = "09121234567",
    now: dt.datetime | None = None,
    subject: str = "",
    thread: str = "",
) -> Message:
    inbound = InboundMessage(
        external_id=f"ext-{next(_ids)}",
        identities=(("phone", phone),),
        text=text,
        sender_name="مریم احمدی",
        subject=subject,
        thread_key=thread,
        sent_at=now,
    )
    return message_receive(channel=channel, inbound=inbound, now=now)


def make_agent(
    workspace: Workspace,
    name: str,
    *,
    role: str = "agent",
    presence: str = AgentProfile.Presence.ONLINE,
    **profile: object,
) -> Membership:
    member = make_member(workspace=workspace, email=f"{name}-{next(_ids)}@a.test", role=role, full_name=name)
    AgentProfile.objects.create(workspace=workspace, membership=member, presence=presence, **profile)
    return member
