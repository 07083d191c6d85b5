"""A TCP proxy between the sync client and the real server that breaks chosen requests.

Why a proxy and not a patched client: the faults a kiosk meets happen on the wire - a reset
before the server saw the request, an answer lost after the server committed, a stalled or
cut-off answer, an HTML page from a captive portal. The proxy produces exactly those, on a
real socket, while the client and server run unchanged.

It speaks just enough HTTP/1.1 to find request boundaries (head + ``Content-Length`` body),
forwards each request on a fresh upstream connection with ``Connection: close`` and reads the
answer to EOF, so it always knows whether the server has answered (and so committed) before
it decides what the client gets. Faults are queued and matched per request by method and
path prefix (and, if asked, by what the body holds); each applies ``times`` times, in order.
Besides those, :class:`Chaos` breaks a share of all other requests at random, for the
benchmarks that need faults everywhere.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import json
import random
import selectors
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Fault kinds:
RESET_BEFORE = "reset_before"
"""Read the request, then reset the connection without forwarding it."""
DROP_RESPONSE = "drop_response"
"""Forward, read the server's full answer, then reset the client connection."""
SLOW = "slow"
"""Forward, then hold the answer until the client gives up (or ``delay`` s pass)."""
STATUS = "status"
"""Answer with ``status``/``headers``/``body``; forwarded first if ``forward`` is set."""
TRUNCATE = "truncate"
"""Forward, then send the answer's head and only half of its body, and close."""
GARBAGE = "garbage"
"""Forward, then answer 200 with an HTML page instead of the server's JSON."""
HOLD = "hold"
"""Stop at ``stage`` ("before" or "after" forwarding) until released, then reset."""
TRICKLE = "trickle"
"""Send the answer (injected, or the server's if ``forward``) one byte every ``delay`` s."""

KINDS = (RESET_BEFORE, DROP_RESPONSE, SLOW, STATUS, TRUNCATE, GARBAGE, HOLD, TRICKLE)


@dataclass
class Fault:
    kind: str
    path: str | None = None
    """Path prefix the request must start with (query included); None matches any."""
    method: str | None = None
    times: int = 1
    after: int = 0
    """Matching requests to let through untouched before the fault starts."""
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    forward: bool = False
    delay: float = 10.0
    stage: str = "after"
    body_has: bytes | None = None
    """Bytes the request body must hold (a gzip body is looked at decompressed)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")

    def matches(self, method: str, path: str, body: bytes = b"") -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is not None and not path.startswith(self.path):
            return False
        return self.body_has is None or self.body_has in _plain(body)


def _plain(body: bytes) -> bytes:
    try:
        return gzip.decompress(body)
    except (OSError, EOFError):
        return body


@dataclass
class Chaos:
    """Breaks each request no queued fault matches with probability ``rate``, in one of
    ``kinds`` drawn at random (a copy of it, so its ``times`` never runs out)."""

    rate: float
    kinds: Sequence[Fault]
    seed: int | None = None
    injected: dict[str, int] = field(default_factory=dict)
    """How many requests each kind broke."""
    passed: int = 0

    def __post_init__(self) -> None:
        self._rand = random.Random(self.seed)

    def pick(self) -> Fault | None:
        if self._rand.random() >= self.rate:
            self.passed += 1
            return None
        fault = self._rand.choice(list(self.kinds))
        name = fault.kind if fault.kind != STATUS else f"{STATUS}-{fault.status}"
        name += "-forwarded" if fault.forward else ""
        self.injected[name] = self.injected.get(name, 0) + 1
        return Fault(**{**fault.__dict__, "times": 1, "after": 0})


@dataclass
class Exchange:
    """One request the proxy saw, and what it did with it."""

    method: str
    path: str
    headers: dict[str, str]
    fault: str | None
    body: bytes = b""
    forwarded: bool = False
    upstream_status: int | None = None


class _Request:
    def __init__(self, head: bytes, body: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        self.method, self.path, self.version = lines[0].split(" ", 2)
        self.header_lines = [line for line in lines[1:] if line]
        self.headers = {}
        for line in self.header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.body = body

    def upstream_bytes(self) -> bytes:
        kept = [
            line
            for line in self.header_lines
            if line.split(":", 1)[0].strip().lower() not in ("connection", "keep-alive")
        ]
        head = "\r\n".join(
            [f"{self.method} {self.path} {self.version}", *kept, "Connection: close"]
        )
        return head.encode("latin-1") + b"\r\n\r\n" + self.body


def _status_line(status: int) -> str:
    reasons = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        409: "Conflict",
        413: "Content Too Large",
        429: "Too Many Requests",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
    }
    return f"HTTP/1.1 {status} {reasons.get(status, 'Status')}"


def make_response(
    status: int, body: bytes, headers: dict[str, str] | None = None, content_type: str = ""
) -> bytes:
    """A complete HTTP/1.1 answer; a header given as "" is left out (e.g. ``Date``)."""
    lines = [_status_line(status)]
    all_headers = {
        "Date": email.utils.formatdate(usegmt=True),
        "Content-Type": content_type or "application/json",
    }
    all_headers.update(headers or {})
    for name, value in all_headers.items():
        if value:
            lines.append(f"{name}: {value}")
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def error_body(code: str, message: str = "injected by the fault proxy") -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class FaultProxy:
    """Listens on 127.0.0.1 (a free port) and forwards to ``upstream`` (``http://host:port``)."""

    def __init__(
        self, upstream: str, io_timeout: float = 30.0, tls: ssl.SSLContext | None = None
    ) -> None:
        parts = urlsplit(upstream)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"upstream needs host and port: {upstream!r}")
        self.upstream = (parts.hostname, parts.port)
        self.tls = tls
        """Server-side TLS context: the proxy then terminates HTTPS in front of the server."""
        self.io_timeout = io_timeout
        self.port = 0
        self.exchanges: list[Exchange] = []
        self.held = threading.Event()
        """Set when a ``hold`` fault reaches its hold point."""
        self.release = threading.Event()
        self._faults: list[Fault] = []
        self.chaos: Chaos | None = None
        """Random faults for the requests no queued fault matches."""
        self.keep_bodies = True
        """Keep each request's body in :attr:`exchanges` (a long benchmark turns it off)."""
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._workers: list[threading.Thread] = []

    # -- control ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self.release.set()

    def arm_hold(self) -> None:
        """Forget an earlier hold before adding a new ``hold`` fault."""
        self.held.clear()
        self.release.clear()

    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def requests_to(self, path: str) -> list[Exchange]:
        with self._lock:
            return [e for e in self.exchanges if e.path.startswith(path)]

    def _take(self, method: str, path: str, body: bytes = b"") -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, body):
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
            return self.chaos.pick() if self.chaos is not None else None

    def start(self) -> FaultProxy:
        self._stopping.clear()
        self._listen()
        self._thread = threading.Thread(target=self._serve, name="faultproxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.release.set()
        if self._thread is not None:
            self._thread.join(5)
        self._close_listener()
        for worker in list(self._workers):
            worker.join(5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextlib.contextmanager
    def refusing(self) -> Iterator[None]:
        """While inside, nothing listens on the port: clients get "connection refused"."""
        self._close_listener()
        try:
            yield
        finally:
            self._listen()

    def _listen(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            listener.setblocking(False)
            self.port = listener.getsockname()[1]
            self._listener = listener

    def _close_listener(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    # -- serving ---------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:
                self._stopping.wait(0.02)
                continue
            selector = selectors.DefaultSelector()
            try:
                selector.register(listener, selectors.EVENT_READ)
                ready = selector.select(0.05)
            except (OSError, ValueError):
                continue
            finally:
                selector.close()
            if not ready:
                continue
            try:
                conn, _ = listener.accept()
            except (BlockingIOError, OSError):
                continue
            worker = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._workers = [w for w in self._workers if w.is_alive()]
            self._workers.append(worker)
            worker.start()

    def _handle(self, conn: socket.socket) -> None:
        conn.setblocking(True)
        conn.settimeout(self.io_timeout)
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            request = self._read_request(conn)
            if request is None:
                conn.close()
                return
            fault = self._take(request.method, request.path, request.body)
            exchange = Exchange(
                request.method,
                request.path,
                request.headers,
                fault.kind if fault else None,
                request.body if self.keep_bodies else b"",
            )
            with self._lock:
                self.exchanges.append(exchange)
            self._serve_one(conn, request, fault, exchange)
        except OSError:
            with contextlib.suppress(OSError):
                conn.close()

    def _serve_one(
        self, conn: socket.socket, request: _Request, fault: Fault | None, exchange: Exchange
    ) -> None:
        kind = fault.kind if fault else None
        if kind == RESET_BEFORE:
            _reset(conn)
            return
        if fault is not None and kind == HOLD and fault.stage == "before":
            self._hold(conn, fault)
            _reset(conn)
            return
        if fault is not None and kind == STATUS and not fault.forward:
            conn.sendall(self._injected(fault))
            conn.close()
            return
        if fault is not None and kind == TRICKLE and not fault.forward:
            self._trickle(conn, self._injected(fault), fault.delay)
            return
        response = self._forward(request, exchange)
        if response is None:
            _reset(conn)
            return
        if fault is None:
            conn.sendall(response)
            conn.close()
        elif kind == DROP_RESPONSE:
            _reset(conn)
        elif kind == HOLD:
            self._hold(conn, fault)
            _reset(conn)
        elif kind == SLOW:
            self._wait_for_client_to_leave(conn, fault.delay)
            _reset(conn)
        elif kind == TRUNCATE:
            head, _, body = response.partition(b"\r\n\r\n")
            conn.sendall(head + b"\r\n\r\n" + body[: len(body) // 2])
            conn.shutdown(socket.SHUT_WR)
            conn.close()
        elif kind == TRICKLE:
            self._trickle(conn, response, fault.delay)
        elif kind == GARBAGE:
            page = b"<html><body><h1>Please sign in to the network</h1></body></html>"
            conn.sendall(make_response(200, page, content_type="text/html"))
            conn.close()
        else:  # STATUS after forwarding
            conn.sendall(self._injected(fault))
            conn.close()

    def _injected(self, fault: Fault) -> bytes:
        codes = {401: "revoked", 403: "forbidden", 413: "too_large", 429: "rate_limited"}
        body = fault.body
        if body is None:
            body = error_body(codes.get(fault.status, "server_error"))
        return make_response(fault.status, body, fault.headers)

    def _trickle(self, conn: socket.socket, response: bytes, interval: float) -> None:
        head, _, body = response.partition(b"\r\n\r\n")
        try:
            conn.sendall(head + b"\r\n\r\n")
            for index in range(len(body)):
                if self._stopping.wait(interval):
                    break
                conn.sendall(body[index : index + 1])
        except OSError:
            pass
        _reset(conn)

    def _hold(self, conn: socket.socket, fault: Fault) -> None:
        self.held.set()
        deadline = time.monotonic() + fault.delay
        while not self.release.is_set() and not self._stopping.is_set():
            if time.monotonic() > deadline:
                break
            self.release.wait(0.02)

    def _wait_for_client_to_leave(self, conn: socket.socket, limit: float) -> None:
        deadline = time.monotonic() + limit
        conn.settimeout(0.02)
        while time.monotonic() < deadline and not self._stopping.is_set():
            try:
                if conn.recv(4096) == b"":
                    return
            except TimeoutError:
                continue
            except OSError:
                return

    def _read_request(self, conn: socket.socket) -> _Request | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
            if len(data) > 1024 * 1024:
                return None
        head, _, rest = data.partition(b"\r\n\r\n")
        request = _Request(head, b"")
        length = int(request.headers.get("content-length", "0") or 0)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            rest += chunk
        request.body = rest[:length]
        return request

    def _forward(self, request: _Request, exchange: Exchange) -> bytes | None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=self.io_timeout)
        except OSError:
            return None
        with upstream:
            upstream.sendall(request.upstream_bytes())
            chunks = []
            while True:
                try:
                    chunk = upstream.recv(65536)
                except OSError:
                    return None
                if not chunk:
                    break
                chunks.append(chunk)
        response = b"".join(chunks)
        exchange.forwarded = True
        with contextlib.suppress(ValueError, IndexError):
            exchange.upstream_status = int(response.split(b" ", 2)[1])
        return response or None


def _reset(conn: socket.socket) -> None:
    """Close with RST instead of FIN, as a dropped connection looks to the other side."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        conn.close()
