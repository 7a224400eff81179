"""A local Telegram Bot API peer and a Telegram channel of workspace A that talks to it."""

import pytest

from mehvar.channels.models import Channel
from mehvar.channels.testing.peers import ProviderPeer


@pytest.fixture
def peer():
    with ProviderPeer() as running:
        yield running


@pytest.fixture
def telegram_channel(tenants, peer) -> Channel:
    return Channel.objects.create(
        workspace=tenants.ws_a, kind="telegram", name="ربات تلگرام", config=peer.telegram_config()
    )
