"""The sms channel (being built: see docs/status.md)."""

from mehvar.channels.base import ChannelAdapter
from mehvar.channels.sms.schemas import SmsConfig


class SmsAdapter(ChannelAdapter):
    kind = "sms"
    address_kind = "phone"
    config_schema = SmsConfig
