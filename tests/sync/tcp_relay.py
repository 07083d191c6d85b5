"""A plain TCP relay that can be cut: a database (or anything) going away and coming back.

Why: a PostgreSQL restart must be tested without restarting the PostgreSQL other tests use.
The server under test reaches its database through this relay; :meth:`TcpRelay.cut` resets
every open connection and refuses new ones, as a stopped database does, and
:meth:`TcpRelay.restore` lets connections through again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading


class TcpRelay:
    """Listens on 127.0.0.1 (a free port, kept across cuts) and relays to ``target``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> TcpRelay:
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
        for thread in self._threads:
            thread.join(5)

    def restore(self) -> None:
        """Accept connections again."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self.port = listener.getsockname()[1]
            self._listener = listener
        self._start(self._accept, listener)

    def cut(self) -> None:
        """Reset every relayed connection and refuse new ones until :meth:`restore`."""
        with self._lock:
            listener, self._listener = self._listener, None
            pairs, self._pairs = self._pairs, []
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for client, upstream in pairs:
            _reset(client)
            _reset(upstream)

    def _start(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    _reset(client)
                    _reset(upstream)
                    return
                self._pairs.append((client, upstream))
            self._start(_pump, client, upstream)
            self._start(_pump, upstream, client)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def _reset(sock: socket.socket) -> None:
    """End a connection at once, as a stopped server's connections end.

    ``shutdown`` first: closing a socket another thread is blocked reading would leave it open
    (and its peer waiting) until that read returns; then ``close`` with a zero linger sends RST.
    """
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
