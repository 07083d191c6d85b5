"""Exception handlers that give every HTTP failure the one error shape of ``server.errors``.

FastAPI's own answers (404 for an unknown path, 405, request validation) and unexpected
failures are rewritten too, so a kiosk only ever parses ``{"error": {"code", "message"}}``.

A database that cannot be reached (down, restarting, its connection lost) answers 503
``unavailable`` with a ``Retry-After`` as long as the database is expected to stay away
(:class:`DatabaseOutage`), so kiosks come back as soon as it is likely to be up again rather
than a fixed minute later.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.errors import STATUS_CODES, ApiError, error_body

log = logging.getLogger("server.http")

RETRY_AFTER_MIN_S = 2
"""Retry-After at the start of an outage: a database restart takes a few seconds."""
RETRY_AFTER_MAX_S = 60
"""Retry-After once the database has been away a minute or more."""


class DatabaseOutage:
    """How long the database has been away, to tell clients when to come back.

    An outage that has just begun is most likely a restart, over in a few seconds; one that
    has lasted a while is likely to last a while longer. So ``Retry-After`` is the time the
    database has been away so far, between :data:`RETRY_AFTER_MIN_S` and
    :data:`RETRY_AFTER_MAX_S`. The outage ends when the database accepts a connection again
    (:meth:`recovered`, called by ``server.app`` on each new connection).
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._since: float | None = None
        self._lock = threading.Lock()

    def failed(self) -> int:
        """Note a failure; the seconds a client should wait before trying again."""
        now = self.monotonic()
        with self._lock:
            if self._since is None:
                self._since = now
            away = now - self._since
        return min(RETRY_AFTER_MAX_S, max(RETRY_AFTER_MIN_S, math.ceil(away)))

    def recovered(self) -> None:
        with self._lock:
            self._since = None


SQLITE_BUSY_CODES = (5, 6)
"""SQLITE_BUSY and SQLITE_LOCKED: another process holds the file past the busy timeout."""


def database_unreachable(exc: Exception) -> bool:
    """True when the database could not be reached or its connection was lost (``server.app``
    marks a failed connect as such), or an SQLite file stayed locked; False for a failing
    query, which is a bug."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in SQLITE_BUSY_CODES


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers, **exc.extra)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    if exc.status_code == 404:
        message = "There is no such endpoint."
    elif exc.status_code == 405:
        message = "This endpoint does not accept that method."
    return error_response(exc.status_code, code, message, dict(exc.headers or {}))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    detail = "invalid request"
    if errors:
        first = errors[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        detail = f"{where}: {first.get('msg', 'invalid')}"
    return error_response(400, "malformed", detail)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "internal_error", "The server failed; the error was logged.")


def install(app: FastAPI, outage: DatabaseOutage | None = None) -> None:
    """Route every kind of failure through :func:`error_response`."""
    away = outage or DatabaseOutage()

    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        if not database_unreachable(exc):
            return await _unexpected(request, exc)
        retry_after = away.failed()
        log.error("database unavailable (retry after %d s): %s", retry_after, exc)
        return error_response(
            503,
            "unavailable",
            "The server's database is unavailable. Try again later.",
            {"Retry-After": str(retry_after)},
        )

    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(PoolTimeout, database_error)
    app.add_exception_handler(Exception, _unexpected)
