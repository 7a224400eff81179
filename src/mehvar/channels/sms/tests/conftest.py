"""A local SMS gateway peer and an SMS channel of workspace A that talks to it."""

import pytest

from mehvar.channels.models import Channel
from mehvar.channels.testing.peers import ProviderPeer


@pytest.fixture
def peer():
    with ProviderPeer() as running:
        yield running


@pytest.fixture
def sms_channel(tenants, peer) -> Channel:
    return Channel.objects.create(workspace=tenants.ws_a, kind="sms", name="پیامک", config=peer.sms_config())
