"""Running uvicorn with several worker processes without Nagle's algorithm on their connections.

With ``--workers N`` uvicorn binds the listening socket itself and hands it to the workers,
and it makes that socket with ``proto`` 0. A connection accepted on it reports ``proto`` 0 as
well, and asyncio turns ``TCP_NODELAY`` on only for sockets that say ``IPPROTO_TCP``; so every
answer after the first on a kept-alive connection waited for the client's delayed ACK (about
40 ms on Linux: a kiosk's 500-record batch took 68-76 ms instead of 25-35 ms). uvicorn's issue
#3149; uvicorn 0.54 still does it. With one worker uvicorn lets asyncio make the listener from
``getaddrinfo``, which gives ``IPPROTO_TCP``, and nothing is wrong.

:func:`run_workers` is ``uvicorn.run``'s path for several workers with the listener made
right; one worker goes through ``uvicorn.run`` itself.
"""

from __future__ import annotations

import contextlib
import inspect
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

INET = (socket.AF_INET, socket.AF_INET6)


class TcpConfig(uvicorn.Config):
    """uvicorn's settings, whose listening socket says it is TCP, so that asyncio turns
    ``TCP_NODELAY`` on for every connection accepted on it."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in INET or sock.proto == socket.IPPROTO_TCP:
            return sock
        # The same listening socket (still inheritable), now known as TCP.
        return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def run_workers(app: str, **options: Any) -> None:
    """Serve the app factory ``app`` with ``options["workers"]`` (2 or more) processes."""
    config = TcpConfig(app, **options)
    sockets = [config.bind_socket()]
    # Older uvicorn (0.36, for one) is handed the workers' entry point; newer makes its own.
    extra: dict[str, Any] = {}
    if "target" in inspect.signature(Multiprocess).parameters:
        extra["target"] = uvicorn.Server(config).run
    # As uvicorn.run: on Ctrl+C the supervisor has already stopped its workers.
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=sockets, **extra).run()
