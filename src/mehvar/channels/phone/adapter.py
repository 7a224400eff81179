"""The phone channel: calls become conversations (direction, duration, outcome, recording link)."""

from typing import ClassVar

from mehvar.channels.base import ChannelAdapter
from mehvar.channels.phone.schemas import PhoneConfig


class PhoneAdapter(ChannelAdapter):
    kind = "phone"
    config_schema = PhoneConfig
    inbound_webhook: ClassVar[bool] = False
    can_send: ClassVar[bool] = False
