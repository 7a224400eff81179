"""The telegram channel (being built: see docs/status.md)."""

from mehvar.channels.base import ChannelAdapter
from mehvar.channels.telegram.schemas import TelegramConfig


class TelegramAdapter(ChannelAdapter):
    kind = "telegram"
    address_kind = "telegram"
    config_schema = TelegramConfig
