"""The api channel (being built: see docs/status.md)."""

from mehvar.channels.api.schemas import ApiConfig
from mehvar.channels.base import ChannelAdapter


class ApiAdapter(ChannelAdapter):
    kind = "api"
    config_schema = ApiConfig
