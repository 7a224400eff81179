"""The email channel (being built: see docs/status.md)."""

from mehvar.channels.base import ChannelAdapter
from mehvar.channels.email.schemas import EmailConfig


class EmailAdapter(ChannelAdapter):
    kind = "email"
    address_kind = "email"
    config_schema = EmailConfig
