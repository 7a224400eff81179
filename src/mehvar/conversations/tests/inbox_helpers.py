"""What the inbox tests share: a channel, customers writing in through the real inbound pipeline, URLs."""

import itertools
import re

from django.urls import reverse

from mehvar.channels.base import InboundAttachment, InboundMessage
from mehvar.channels.models import Channel
from mehvar.conversations import services
from mehvar.conversations.inbound import message_receive

HX = {"HTTP_HX_REQUEST": "true"}
_ids = itertools.count(1)


def url(name, *args, slug="shop-a", **query):
    path = reverse(f"inbox:{name}", args=[slug, *args])
    if query:
        from django.utils.http import urlencode

        path += "?" + urlencode(query, doseq=True)
    return path


def manual_routing(workspace):
    """The inbox tests decide assignments themselves (routing is tested on its own)."""
    settings = services.inbox_settings(workspace)
    settings.auto_assign = False
    settings.save(update_fields=["auto_assign"])


def sms_channel(workspace, name="پیامک"):
    manual_routing(workspace)
    return Channel.objects.create(workspace=workspace, kind="sms", name=name, config={})


def receive(
    channel, text="سلام، سفارشم نرسیده", *, phone="09121234567", name="علی رضایی", subject="", **extra
):
    inbound = InboundMessage(
        external_id=f"ext-{next(_ids)}",
        identities=(("phone", phone),),
        text=text,
        sender_name=name,
        subject=subject,
        attachments=tuple(extra.pop("attachments", ())),
        **extra,
    )
    return message_receive(channel=channel, inbound=inbound)


def attachment(name="فاکتور.pdf", content=b"%PDF-1.4 test", content_type="application/pdf"):
    return InboundAttachment(filename=name, content_type=content_type, content=content)


def errors_of(html):
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
