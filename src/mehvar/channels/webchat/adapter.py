"""The webchat channel (being built: see docs/status.md)."""

from mehvar.channels.base import ChannelAdapter
from mehvar.channels.webchat.schemas import WebchatConfig


class WebchatAdapter(ChannelAdapter):
    kind = "webchat"
    address_kind = "web_visitor"
    config_schema = WebchatConfig
