"""One error shape for every failure: ``{"error": {"code": ..., "message": ...}}``.

Kiosks act on the machine ``code`` (re-enroll, back off, quarantine) and show staff the plain
``message``; FastAPI's own 404/405/422 answers are rewritten into the same shape so a client
never has to parse two formats (the handlers are in ``server.app``).
"""

from __future__ import annotations

from typing import Any

STATUS_CODES = {
    400: "malformed",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An answer with a status, a machine code and a plain message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}, **extra}
