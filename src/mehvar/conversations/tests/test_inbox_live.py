"""Live inbox updates: the server-sent events stream (under WSGI and under ASGI, as uvicorn serves it), the
polling fallback, and the read behind both (late commits are not missed, nothing is sent twice)."""

import concurrent.futures
import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.utils import timezone

from mehvar.conversations import live
from mehvar.conversations.models import Conversation
from mehvar.conversations.tests.inbox_helpers import receive, sms_channel, url
from mehvar.testing import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(tenants):
    return sms_channel(tenants.ws_a)


@pytest.fixture
def short_streams(settings):
    settings.MEHVAR_INBOX_STREAM_SECONDS = 3
    settings.MEHVAR_INBOX_KEEPALIVE_SECONDS = 1


def events_of(text):
    """(event name, data) of each SSE event in a chunk of the stream."""
    found = []
    for block in text.split("\n\n"):
        lines = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":")
        )
        if "event" in lines:
            found.append((lines["event"], json.loads(lines["data"]), lines.get("id")))
    return found


def test_the_stream_sends_new_conversations_as_they_arrive(client, tenants, channel, short_streams):
    receive(channel, phone="09120000001")  # before the page was opened: not sent
    login(client, tenants.agent_a)
    response = client.get(url("live"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"].startswith("no-cache")
    chunks = iter(response.streaming_content)
    assert next(chunks).decode().startswith("retry: ")
    arrived = receive(channel, "کد تخفیف کار نمی‌کند", phone="09120000002").conversation
    received = b"".join(chunks).decode()  # the stream ends after MEHVAR_INBOX_STREAM_SECONDS
    events = events_of(received)
    assert [name for name, _data, _id in events] == ["changed"]
    _name, data, event_id = events[0]
    assert data["numbers"] == [arrived.number]
    assert dt.datetime.fromisoformat(event_id) >= Conversation.objects.get(pk=arrived.pk).updated_at
    assert ": keep-alive" in received


def test_the_stream_resumes_from_the_last_event_id(client, tenants, channel, short_streams):
    login(client, tenants.agent_a)
    first = receive(channel, phone="09120000001").conversation
    seen = Conversation.objects.get(pk=first.pk).updated_at
    second = receive(channel, phone="09120000002").conversation
    response = client.get(url("live"), HTTP_LAST_EVENT_ID=seen.isoformat())
    events = events_of(b"".join(response.streaming_content).decode())
    assert events[0][1]["numbers"] == [second.number]


def test_the_stream_under_asgi(tenants, channel, short_streams):
    """What uvicorn runs: the stream is an async generator that reads in a thread between sleeps."""

    async def read() -> str:
        client = AsyncClient()
        await client.aforce_login(tenants.agent_a.user)
        response = await client.get(
            url("live", since=(timezone.now() - dt.timedelta(seconds=30)).isoformat())
        )
        assert response.status_code == 200 and response.is_async
        text = ""
        async for chunk in response.streaming_content:
            text += chunk.decode()
        return text

    arrived = receive(channel).conversation
    events = events_of(async_to_sync(read)())
    assert events and events[0][1]["numbers"] == [arrived.number]


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_streams_of_a_workspace_share_one_poller(tenants, short_streams):
    """Two agents' streams: one hub reads for both (in its own thread, on committed data) and both hear of a
    message that arrives while they listen; the hub stops when they end."""
    import asyncio

    from asgiref.sync import sync_to_async

    channel = sms_channel(tenants.ws_a)
    hubs_seen = []

    async def listen(member) -> str:
        client = AsyncClient()
        await client.aforce_login(member.user)
        response = await client.get(url("live"))
        text = ""
        async for chunk in response.streaming_content:
            text += chunk.decode()
            hubs_seen.append(len(live.Hub.hubs))
        return text

    async def both() -> list[str]:
        streams = [asyncio.ensure_future(listen(m)) for m in (tenants.agent_a, tenants.by_role["supervisor"])]
        await asyncio.sleep(1)
        assert list(live.Hub.hubs) == [tenants.ws_a.pk] and len(live.Hub.hubs[tenants.ws_a.pk].listeners) == 2
        message = await sync_to_async(receive)(channel, "سلام از ASGI")
        texts = await asyncio.gather(*streams)
        return [message.conversation.number, *texts]

    # A thread of its own: a browser test earlier in this process may leave an event loop on this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        number, *texts = pool.submit(async_to_sync(both)).result()
    for text in texts:
        assert [data["numbers"] for _name, data, _id in events_of(text)] == [[number]]
    assert max(hubs_seen) == 1 and live.Hub.hubs == {}


def test_a_late_commit_is_not_missed_and_nothing_is_sent_twice(tenants, channel):
    now = timezone.now()
    early = receive(channel, phone="09120000001").conversation
    watcher = live.Watcher(tenants.ws_a.pk, now - dt.timedelta(minutes=1))
    assert json.loads(watcher.check().split("data: ")[1])["numbers"] == [early.number]
    assert watcher.check() == ""  # the same change is not sent again
    # A transaction that began earlier commits now: its updated_at is older than the newest already sent.
    late = receive(channel, phone="09120000002").conversation
    Conversation.objects.filter(pk=late.pk).update(updated_at=watcher.since - dt.timedelta(seconds=2))
    assert json.loads(watcher.check().split("data: ")[1])["numbers"] == [late.number]
    assert watcher.check() == ""


def test_other_workspaces_changes_are_not_sent(tenants, channel):
    from mehvar.channels.models import Channel

    other = Channel.objects.create(workspace=tenants.ws_b, kind="sms", name="ب")
    watcher = live.Watcher(tenants.ws_a.pk, timezone.now() - dt.timedelta(minutes=1))
    receive(other)
    assert watcher.check() == ""


def test_the_polling_fallback(client, tenants, channel):
    login(client, tenants.agent_a)
    since = timezone.now() - dt.timedelta(seconds=30)
    arrived = receive(channel).conversation
    response = client.get(url("live_poll", since=since.isoformat()))
    data = response.json()
    assert [(number, newer) for number, _at, newer in data["changes"]] == [(arrived.number, True)]
    assert dt.datetime.fromisoformat(data["since"]) >= Conversation.objects.get(pk=arrived.pk).updated_at
    # garbage or an hour-old tab: now, or at most an hour back; never an error
    assert client.get(url("live_poll", since="yesterday")).status_code == 200
    no_zone = client.get(url("live_poll", since="2020-01-01T00:00:00")).json()["changes"]
    assert not any(newer for *_rest, newer in no_zone)  # no zone: read as now
    old_tab = client.get(url("live_poll", since="2020-01-01T00:00:00+00:00")).json()["changes"]
    assert [number for number, *_rest in old_tab] == [arrived.number]  # an hour back at most
    # the overlap before "since" is listed, marked not newer
    seen = Conversation.objects.get(pk=arrived.pk).updated_at
    again = client.get(url("live_poll", since=seen.isoformat())).json()["changes"]
    assert [(number, newer) for number, _at, newer in again] == [(arrived.number, False)]


def test_parse_since_bounds():
    now = timezone.now()
    assert live.parse_since(None, now) == now
    assert live.parse_since("nonsense", now) == now
    assert live.parse_since("2026-01-01T00:00:00", now) == now  # no zone: not trusted
    assert live.parse_since((now - dt.timedelta(days=3)).isoformat(), now) == now - live.MAX_LOOKBACK
    assert live.parse_since((now + dt.timedelta(days=3)).isoformat(), now) == now
    moment = now - dt.timedelta(minutes=5)
    assert live.parse_since(moment.isoformat().replace("+", " "), now) == moment  # "+" read as a space


def test_who_may_listen(client, tenants, channel):
    login(client, tenants.by_role["marketer"])
    assert client.get(url("live")).status_code == 403
    assert client.get(url("live_poll")).status_code == 403
    login(client, tenants.outsider_b)
    assert client.get(url("live")).status_code == 404
    assert client.get(url("live_poll")).status_code == 404
    client.logout()
    assert client.get(url("live")).status_code == 302
