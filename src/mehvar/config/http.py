"""The HTTP protocol uvicorn runs: its own h11 protocol, with Nagle's algorithm off on every connection.

uvicorn started with ``--workers N`` binds the listening socket itself and leaves its protocol number at 0;
the connections it accepts inherit that, and asyncio turns ``TCP_NODELAY`` on only for sockets that say
``IPPROTO_TCP`` (uvicorn issue 3149, open). With Nagle on, a response written in two pieces (headers, then
body) waits on the client's delayed acknowledgement: every keep-alive request after the first took 44 ms on
Linux, whatever its work, and the server sat idle meanwhile. ``--workers 1`` was not affected, so the fault
showed only in production's shape. Every command that starts uvicorn passes ``--http`` with ``HTTP`` (ADR 11).
"""

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

HTTP = "mehvar.config.http:NoDelayH11Protocol"  # uvicorn's --http value


def no_delay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on the transport's TCP socket (nothing for a Unix socket)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        no_delay(transport)
        super().connection_made(transport)
