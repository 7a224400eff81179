"""Every channel adapter, by kind: explicit imports, no dynamic loading."""

from mehvar.channels.api.adapter import ApiAdapter
from mehvar.channels.base import ChannelAdapter
from mehvar.channels.email.adapter import EmailAdapter
from mehvar.channels.phone.adapter import PhoneAdapter
from mehvar.channels.sms.adapter import SmsAdapter
from mehvar.channels.telegram.adapter import TelegramAdapter
from mehvar.channels.webchat.adapter import WebchatAdapter

_ADAPTERS: dict[str, ChannelAdapter] = {
    adapter.kind: adapter
    for adapter in (
        EmailAdapter(),
        SmsAdapter(),
        TelegramAdapter(),
        WebchatAdapter(),
        PhoneAdapter(),
        ApiAdapter(),
    )
}


def adapter_for(kind: str) -> ChannelAdapter:
    """The adapter of a channel kind; KeyError for a kind nobody registered."""
    return _ADAPTERS[kind]


def adapters() -> list[ChannelAdapter]:
    return list(_ADAPTERS.values())
