"""``serve --workers N``: connections accepted on the listening socket the workers share go
without Nagle's algorithm, so an answer on a kept-alive connection is not held back until the
client's delayed ACK (about 40 ms on Linux). Checked on a real socket and a real asyncio
server, as uvicorn's workers accept their connections."""

from __future__ import annotations

import asyncio
import socket

from server.listening import TcpConfig


def nodelay_of_an_accepted_connection(listener: socket.socket) -> int:
    async def accept_one() -> int:
        loop = asyncio.get_running_loop()
        accepted: asyncio.Future[int] = loop.create_future()

        class Note(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await loop.create_server(Note, sock=listener)
        _reader, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        try:
            return await asyncio.wait_for(accepted, timeout=10)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    return asyncio.run(accept_one())


def test_the_workers_listener_is_tcp_and_its_connections_go_without_nagle() -> None:
    listener = TcpConfig("server.cli:app_from_environment", host="127.0.0.1", port=0).bind_socket()
    assert listener.proto == socket.IPPROTO_TCP
    assert listener.get_inheritable()  # the workers still get it
    assert nodelay_of_an_accepted_connection(listener) != 0
