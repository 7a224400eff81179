"""uvicorn's HTTP protocol as Mehvar runs it (``config.http``, ADR 11): Nagle's algorithm is off on every
connection, also on the listening socket uvicorn binds itself for ``--workers N`` (protocol number 0, on
whose connections asyncio leaves Nagle on)."""

import asyncio
import concurrent.futures
import socket
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from mehvar.config.http import HTTP, NoDelayH11Protocol

REPO = Path(__file__).resolve().parents[4]


async def _app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _accepted_no_delay(http: str | type) -> tuple[int, int, bytes]:
    """Serve one request on a socket bound as ``uvicorn --workers N`` binds it; (listener's protocol
    number, TCP_NODELAY on the accepted connection, the response)."""

    async def run() -> tuple[int, int, bytes]:
        config = uvicorn.Config(_app, host="127.0.0.1", port=0, http=http, lifespan="off", log_level="error")
        config.load()
        listener = config.bind_socket()  # what the multiprocess supervisor hands to every worker
        state = ServerState()
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: config.http_protocol_class(config=config, server_state=state, app_state={}),
            sock=listener,
        )
        port = listener.getsockname()[1]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            await writer.drain()
            answer = await reader.readuntil(b"ok")
            (protocol,) = state.connections
            accepted = protocol.transport.get_extra_info("socket")
            flag = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            writer.close()
            return listener.proto, flag, answer
        finally:
            server.close()

    # In a thread of its own: a browser test may have left an event loop on this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


def test_our_protocol_turns_nagle_off_where_uvicorns_own_leaves_it_on():
    proto, flag, answer = _accepted_no_delay(HTTP)
    assert proto == 0  # the condition of uvicorn issue 3149: still there, so the fix is still needed
    assert flag != 0
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
    # The same listener with uvicorn's own h11 protocol: Nagle stays on (what ADR 11 works around).
    assert _accepted_no_delay(H11Protocol)[1] == 0


def test_the_setting_names_the_class_and_every_uvicorn_command_uses_it():
    assert uvicorn.importer.import_from_string(HTTP) is NoDelayH11Protocol
    demo = (REPO / "scripts" / "demo").read_text(encoding="utf-8")
    assert f"--http {HTTP}" in demo
    bench = (REPO / "bench" / "activity_ingest.py").read_text(encoding="utf-8")
    assert '"--http",\n        HTTP,' in bench
