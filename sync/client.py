"""HTTP client for the municipal server: signing, timeouts, clock offset and typed errors.

Why typed errors: the sync loop must react differently to "try again later" (network down,
server busy, answer cut off), "stop and call staff" (the kiosk was revoked or is unknown) and
"this request can never succeed" (malformed, too large). Everything ``requests`` or the server
can throw at us is turned into exactly one of :class:`TransientError`, :class:`AuthError`,
:class:`TooLarge` or :class:`PermanentError`, each with a message staff can read.

Why a clock offset: tablets are often set to the wrong time, and the server refuses
signatures more than five minutes off. Every answer's ``Date`` header tells us the server's
time, so later requests are stamped with server time and a wrong tablet clock never locks
the kiosk out. A ``clock_skew`` refusal is retried once with the corrected offset.

Why the server's own message types: answers are validated with the pydantic models the server
builds them from (:mod:`common.messages`), so both sides read the protocol from one place.
Those answer models have strict types and ignore unknown keys (see
:class:`common.messages.ServerAnswer`): a newer server may add fields, but ``"5"`` for a number
is a broken answer. An answer that does not validate, or is no JSON at all (a captive portal's
page), is a :class:`TransientError` with code ``bad_answer`` and changes nothing locally. The
bodies we send (enrollment, heartbeat) are built from the request models too, so only their
documented fields can ever go out.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ValidationError

from common import __version__, protocol
from common.messages import (
    BatchResponse,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    HealthResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    SyncStateResponse,
    first_error,
)
from sync.backoff import RATE_LIMIT_DEFAULT_S, parse_retry_after

log = logging.getLogger("sync.client")

AnswerModel = TypeVar("AnswerModel", bound=BaseModel)

USER_AGENT = f"Ukukavshiri-Kiosk/{__version__}"
DEFAULT_CONNECT_TIMEOUT_S = 10.0
DEFAULT_READ_TIMEOUT_S = 60.0
DEFAULT_DEADLINE_S = 120.0
MAX_ANSWER_BYTES = 32 * 1024 * 1024
"""Largest answer read into memory (the catalog is the biggest, far below this)."""


class SyncError(Exception):
    """Base of every sync failure; ``str()`` is a sentence staff can read.

    ``detail`` is the server's own message when it sent one (kept apart to quote it alone).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        detail: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.detail = detail


class TransientError(SyncError):
    """Try again later: network, timeout, server error, rate limit, unreadable answer."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after = retry_after


class AuthError(SyncError):
    """The server no longer accepts this kiosk: stop syncing, keep the data, re-enroll."""


class TooLarge(SyncError):
    """The server refused the request body as too large (413): send less at once."""


class PermanentError(SyncError):
    """The server refused the request itself (400 and the like); repeating it won't help."""


class EnrollmentError(PermanentError):
    """The enrollment code was refused (unknown, expired, or the device is already known)."""


AUTH_MESSAGES = {
    "unknown_device": "The server does not know this kiosk. Enroll it again; no rating is lost.",
    "revoked": "This kiosk was switched off on the server. Enroll it again; no rating is lost.",
    "bad_signature": "The server did not accept this kiosk's signature. Enroll it again; "
    "no rating is lost.",
    "clock_skew": "The tablet's clock is too far from the server's. Set the date and time.",
}
ENROLL_MESSAGES = {
    "code_invalid": "This enrollment code is not valid. Check it, or ask for a new one.",
    "code_expired": "This enrollment code has expired. Ask the administrator for a new one.",
    "device_conflict": "The server already knows this kiosk with another key. Ask the "
    "administrator to revoke the old entry, then enroll again.",
    "rate_limited": "Too many enrollment attempts. Wait a few minutes and try again.",
    "malformed": "The server did not understand the enrollment request.",
}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: requests.structures.CaseInsensitiveDict[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass(frozen=True)
class CatalogAnswer:
    """A catalog fetch: ``changed`` False for 304 or no catalog on the server yet."""

    changed: bool
    etag: str | None = None
    body: bytes = b""


def _error_body(body: bytes) -> ErrorBody | None:
    """The server's error body, or None for anything else (a proxy's page, an empty body)."""
    try:
        return ErrorBody.model_validate_json(body)
    except ValidationError:
        return None


def _is_json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body.decode("utf-8")), dict)
    except ValueError:  # UnicodeDecodeError included
        return False


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """Body pieces as soon as they arrive, so a trickling answer meets the deadline check.

    ``iter_content`` waits until a whole chunk is filled; urllib3's ``read1`` (2.3+) returns
    whatever has arrived. Truncated answers raise (urllib3 enforces Content-Length).
    """
    raw = response.raw
    read1 = getattr(raw, "read1", None)
    if read1 is None:  # older urllib3
        yield from response.iter_content(16 * 1024)
        return
    while True:
        chunk = read1(64 * 1024, decode_content=True)
        if not chunk:
            return
        yield chunk


class SyncClient:
    """One kiosk's connection to its server; not thread-safe (one per sync thread)."""

    def __init__(
        self,
        server_url: str,
        *,
        device_id: str | None = None,
        private_key: Ed25519PrivateKey | None = None,
        ca_bundle: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
        read_timeout: float = DEFAULT_READ_TIMEOUT_S,
        deadline: float = DEFAULT_DEADLINE_S,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        clock_offset: float = 0.0,
        session: requests.Session | None = None,
    ) -> None:
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) server address: {server_url!r}")
        self.server_url = server_url.rstrip("/")
        self._prefix = parts.path.rstrip("/")
        self.device_id = device_id
        self.private_key = private_key
        self.verify: bool | str = ca_bundle if ca_bundle else True
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.deadline = deadline
        self.clock = clock
        self.monotonic = monotonic
        self.clock_offset = clock_offset
        """Server time minus tablet time, in seconds, learned from answers."""
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.trust_env = True

    def close(self) -> None:
        self.session.close()

    # -- transport -------------------------------------------------------------------------

    def server_now(self) -> float:
        return self.clock() + self.clock_offset

    def _note_server_time(self, server_time: float | None, local_time: float) -> None:
        if server_time is None:
            return
        offset = server_time - local_time
        # Date has one-second resolution: ignore sub-second wobble, follow real jumps.
        if abs(offset - self.clock_offset) >= 1.0:
            log.info("server clock offset now %.0f s", offset)
            self.clock_offset = offset

    def _note_date(
        self, headers: requests.structures.CaseInsensitiveDict[str], local: float
    ) -> None:
        value = headers.get("Date")
        if not value:
            return
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        # The header is truncated to whole seconds: half a second is the best estimate.
        self._note_server_time(moment.timestamp() + 0.5, local)

    def _send(
        self, method: str, path: str, body: bytes, headers: dict[str, str], signed: bool
    ) -> Answer:
        url = self.server_url + path
        request_path = self._prefix + path
        all_headers = dict(headers)
        if signed:
            if self.device_id is None or self.private_key is None:
                raise AuthError("This kiosk is not enrolled yet.", code="not_enrolled")
            timestamp = int(self.server_now())
            all_headers.update(
                protocol.signed_headers(
                    self.private_key, self.device_id, method, request_path, timestamp, body
                )
            )
        started = self.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                data=body if body else None,
                headers=all_headers,
                timeout=(self.connect_timeout, min(self.read_timeout, self.deadline)),
                stream=True,
                verify=self.verify,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            raise TransientError(
                "The server's certificate could not be verified. Check the server address "
                f"and the CA bundle. ({exc.__class__.__name__})",
                code="tls",
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise TransientError("The server did not answer in time.", code="timeout") from exc
        except requests.exceptions.RequestException as exc:
            raise TransientError(
                "The server could not be reached. Check the network connection.",
                code="network",
            ) from exc
        try:
            content = self._read_body(response, started)
        finally:
            response.close()
        self._note_date(response.headers, self.clock())
        return Answer(response.status_code, response.headers, content)

    def _read_body(self, response: requests.Response, started: float) -> bytes:
        """The whole body, but never past the overall deadline or :data:`MAX_ANSWER_BYTES`."""
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in _chunks(response):
                if self.monotonic() - started > self.deadline:
                    raise TransientError("The server took too long to answer.", code="timeout")
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise TransientError("The server's answer was too large.", code="bad_answer")
                chunks.append(chunk)
        except (urllib3.exceptions.ReadTimeoutError, requests.exceptions.Timeout) as exc:
            raise TransientError("The server did not answer in time.", code="timeout") from exc
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise TransientError(
                "The connection broke while the server was answering.", code="network"
            ) from exc
        if self.monotonic() - started > self.deadline:
            raise TransientError("The server took too long to answer.", code="timeout")
        return b"".join(chunks)

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        *,
        signed: bool = True,
        accept: tuple[int, ...] = (200,),
    ) -> Answer:
        """Send one request; return the answer if its status is in ``accept``, else raise."""
        answer = self._send(method, path, body, headers or {}, signed)
        if signed and answer.status == 401:
            error = _error_body(answer.body)
            if error is not None and error.error.code == "clock_skew":
                if error.server_time is not None:
                    self._note_server_time(float(error.server_time), self.clock())
                log.info("clock skew reported; retrying once with offset %.0f s", self.clock_offset)
                answer = self._send(method, path, body, headers or {}, signed)
        if answer.status in accept:
            return answer
        raise self._error_for(answer)

    def _error_for(self, answer: Answer) -> SyncError:
        status = answer.status
        error = _error_body(answer.body)
        code, detail = (error.error.code, error.error.message) if error else (None, None)
        suffix = f" ({code}: {detail})" if code else f" (HTTP {status})"
        if status in (401, 403):
            if code == "clock_skew":
                return TransientError(AUTH_MESSAGES["clock_skew"], code=code, status=status)
            message = AUTH_MESSAGES.get(
                code or "", "The server refused this kiosk. Enroll it again; no rating is lost."
            )
            return AuthError(message, code=code or "forbidden", status=status)
        if status == 413:
            return TooLarge("The server refused the upload as too large.", code=code, status=status)
        if status == 429:
            retry_after = parse_retry_after(answer.headers.get("Retry-After"))
            return TransientError(
                "The server asked the kiosk to slow down." + suffix,
                code=code or "rate_limited",
                status=status,
                retry_after=RATE_LIMIT_DEFAULT_S if retry_after is None else retry_after,
            )
        if status >= 500 or status in (408, 425):
            return TransientError(
                "The server had a temporary problem." + suffix,
                code=code or "server_error",
                status=status,
                retry_after=parse_retry_after(answer.headers.get("Retry-After")),
            )
        if 300 <= status < 400:
            return TransientError(
                "The network redirected the request (a sign-in page?)." + suffix,
                code="redirect",
                status=status,
            )
        if code is None:
            return PermanentError(
                "The server's answer was not understood; is the server address right?" + suffix,
                code="bad_answer",
                status=status,
            )
        return PermanentError(
            "The server refused the request." + suffix, code=code, status=status, detail=detail
        )

    def _validated(self, answer: Answer, model: type[AnswerModel], what: str) -> AnswerModel:
        """The answer's body as ``model``; a :class:`TransientError` ``bad_answer`` if it is not.

        ``model_validate_json`` refuses in one step what is not UTF-8, not JSON, not an object
        or not the documented shape; unknown keys pass (the answer models ignore them).
        """
        try:
            return model.model_validate_json(answer.body)
        except ValidationError as exc:
            log.warning("unreadable %s from the server: %s", what, first_error(exc))
            raise TransientError(
                f"The server's {what} could not be read.", code="bad_answer", status=answer.status
            ) from exc

    # -- API -------------------------------------------------------------------------------

    def health(self) -> HealthResponse:
        answer = self.request("GET", protocol.PATH_HEALTH, signed=False)
        return self._validated(answer, HealthResponse, "health answer")

    def enroll(
        self, code: str, device_id: str, public_key_b64: str, app_version: str = __version__
    ) -> EnrollResponse:
        """Register this device's public key with a one-time code; returns the server's view.

        The body is checked here with the server's own rules before anything is sent: a code
        that cannot be valid is refused at once, like the server would.
        """
        try:
            request = EnrollRequest(
                code=code, device_id=device_id, public_key=public_key_b64, app_version=app_version
            )
        except ValidationError as exc:
            problem = first_error(exc)
            log.warning("enrollment request not sent: %s", problem)
            if any(err["loc"][:1] == ("code",) for err in exc.errors()):
                raise EnrollmentError(ENROLL_MESSAGES["code_invalid"], code="code_invalid") from exc
            raise EnrollmentError(
                f"The enrollment request could not be made ({problem}).", code="malformed"
            ) from exc
        try:
            answer = self.request(
                "POST",
                protocol.PATH_ENROLL,
                request.model_dump_json().encode("utf-8"),
                {"Content-Type": "application/json"},
                signed=False,
                accept=(200, 201),
            )
        except PermanentError as exc:
            if exc.code in ENROLL_MESSAGES:
                raise EnrollmentError(
                    ENROLL_MESSAGES[exc.code], code=exc.code, status=exc.status
                ) from exc
            raise
        except TransientError as exc:
            if exc.code == "rate_limited":
                raise TransientError(
                    ENROLL_MESSAGES["rate_limited"],
                    code=exc.code,
                    status=exc.status,
                    retry_after=exc.retry_after,
                ) from exc
            raise
        return self._validated(answer, EnrollResponse, "enrollment answer")

    def sync_state(self) -> SyncStateResponse:
        answer = self.request("GET", protocol.PATH_SYNC_STATE)
        return self._validated(answer, SyncStateResponse, "sync state")

    def upload_batch(self, batch_id: str, gzipped_body: bytes) -> BatchResponse:
        """POST one gzip'd batch under its idempotency key; returns the validated answer."""
        answer = self.request(
            "POST",
            protocol.PATH_BATCHES,
            gzipped_body,
            {
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                protocol.HEADER_IDEMPOTENCY: batch_id,
            },
        )
        return self._validated(answer, BatchResponse, "batch answer")

    def catalog(self, etag: str | None) -> CatalogAnswer:
        """The catalog's bytes (judged by :func:`common.catalog.loads_catalog`, not here)."""
        headers = {"If-None-Match": etag} if etag else {}
        try:
            answer = self.request("GET", protocol.PATH_CATALOG, headers=headers, accept=(200, 304))
        except PermanentError as exc:
            if exc.status == 404 and exc.code == "no_catalog":
                return CatalogAnswer(changed=False)
            raise
        if answer.status == 304:
            return CatalogAnswer(changed=False, etag=etag)
        if not _is_json_object(answer.body):
            # An HTML page from a captive portal is a network problem, not a bad catalog.
            raise TransientError(
                "The server's catalog could not be read.", code="bad_answer", status=answer.status
            )
        return CatalogAnswer(changed=True, etag=answer.headers.get("ETag"), body=answer.body)

    def heartbeat(self, report: HeartbeatRequest) -> HeartbeatResponse:
        answer = self.request(
            "POST",
            protocol.PATH_HEARTBEAT,
            report.model_dump_json().encode("utf-8"),
            {"Content-Type": "application/json"},
        )
        return self._validated(answer, HeartbeatResponse, "heartbeat answer")
