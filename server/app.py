"""The HTTP API (FastAPI) over the database; ``docs/protocol.md`` describes every endpoint.

Request bodies are read by hand rather than by FastAPI's body parsing, because the signature
covers the bytes exactly as sent and the size limits must hold before and after gzip. The
database work runs in the thread pool; the answer is sent only after its transaction commits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection, ExceptionContext
from starlette.concurrency import run_in_threadpool

from common import __version__
from common.messages import (
    BatchRequest,
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
from common.protocol import (
    PATH_BATCHES,
    PATH_CATALOG,
    PATH_ENROLL,
    PATH_HEALTH,
    PATH_HEARTBEAT,
    PATH_SYNC_STATE,
)
from server.auth import Kiosk, authenticate, decode_body, parse_json_object, path_with_query
from server.auth import read_body as read_limited_body
from server.batches import sync_state, take_batch
from server.catalogs import catalog_for, etag_matches
from server.enrollment import RateLimit, enroll
from server.errors import ApiError
from server.http_errors import DatabaseOutage
from server.http_errors import install as install_error_handlers
from server.kiosks import record_heartbeat
from server.web import routes as web_routes
from server.web.site import Site

log = logging.getLogger("server.app")

REQUEST_MODELS: dict[str, type[BaseModel]] = {
    PATH_ENROLL: EnrollRequest,
    PATH_BATCHES: BatchRequest,
    PATH_HEARTBEAT: HeartbeatRequest,
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


M = TypeVar("M", bound=BaseModel)


def create_app(
    engine: Engine, enroll_limit: RateLimit | None = None, site: Site | None = None
) -> FastAPI:
    """The API and the web pages bound to ``engine``; the schema must already be migrated."""
    limit = enroll_limit or RateLimit()
    site = site or Site.make(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        # Close pooled connections so SQLite checkpoints its WAL into the main file on exit.
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Ukukavshiri municipal server",
        version=__version__,
        description="Kiosk ↔ server protocol v1; see docs/protocol.md.",
    )
    outage = DatabaseOutage()

    @event.listens_for(engine, "engine_connect")
    def _database_answered(_conn: Connection) -> None:
        # The database accepted a connection: an outage (see DatabaseOutage) is over.
        outage.recovered()

    @event.listens_for(engine, "handle_error")
    def _connect_failed(context: ExceptionContext) -> None:
        # No connection could be made at all: the database is away, not the query wrong.
        if context.connection is None:
            context.is_disconnect = True

    install_error_handlers(app, outage)
    app.state.database_outage = outage
    app.include_router(web_routes.router(site))

    async def signed(request: Request) -> tuple[Kiosk, bytes]:
        """The authenticated kiosk and the decoded body of a signed request."""
        raw = await read_limited_body(request)
        headers = {key.lower(): value for key, value in request.headers.items()}
        kiosk = await run_in_threadpool(
            authenticate, engine, request.method, path_with_query(request), headers, raw
        )
        return kiosk, decode_body(request, raw)

    def validated(model: type[M], body: bytes) -> M:
        data = parse_json_object(body)
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise ApiError(400, "malformed", first_error(exc)) from None

    @app.get(PATH_HEALTH, response_model=HealthResponse, responses=_errors(503))
    def health() -> HealthResponse:
        with engine.connect() as conn:
            conn.execution_options(read_only=True)
            conn.execute(text("SELECT 1"))
        return HealthResponse(status="ok", version=__version__)

    @app.post(
        PATH_ENROLL,
        status_code=201,
        response_model=EnrollResponse,
        responses=_errors(400, 404, 409, 410, 413, 429),
    )
    async def enroll_kiosk(request: Request) -> EnrollResponse:
        body = decode_body(request, await read_limited_body(request))
        enroll_request = validated(EnrollRequest, body)
        client_ip = request.client.host if request.client else "unknown"
        return await run_in_threadpool(enroll, engine, enroll_request, client_ip, limit)

    @app.post(
        PATH_BATCHES,
        response_model=BatchResponse,
        responses=_errors(400, 401, 409, 413, 415),
    )
    async def post_batch(request: Request) -> Response:
        # Authenticated, read, stored and answered in one thread call on one connection; the
        # answer's JSON is written by server.batches (the model above is its documented shape).
        raw = await read_limited_body(request)
        headers = {key.lower(): value for key, value in request.headers.items()}
        path = path_with_query(request)
        answer = await run_in_threadpool(take_batch, engine, request.method, path, headers, raw)
        return Response(content=answer, media_type="application/json")

    @app.get(PATH_SYNC_STATE, response_model=SyncStateResponse, responses=_errors(401))
    async def get_sync_state(request: Request) -> SyncStateResponse:
        kiosk, _body = await signed(request)
        return await run_in_threadpool(sync_state, engine, kiosk, int(time.time()))

    @app.get(
        PATH_CATALOG,
        responses={
            200: {"description": "The catalog JSON, as loaded by staff, with a strong ETag."},
            304: {"description": "The kiosk's copy (If-None-Match) is current."},
            **_errors(401, 404),
        },
    )
    async def get_catalog(request: Request) -> Response:
        kiosk, _body = await signed(request)

        def load() -> Any:
            with engine.connect() as conn:
                conn.execution_options(read_only=True)
                return catalog_for(conn, kiosk.center_id)

        catalog = await run_in_threadpool(load)
        if catalog is None:
            raise ApiError(404, "no_catalog", "No catalog is loaded for this kiosk's center.")
        headers = {"ETag": catalog.etag, "Cache-Control": "no-cache"}
        if etag_matches(request.headers.get("if-none-match"), catalog.etag):
            return Response(status_code=304, headers=headers)
        return Response(content=catalog.body, media_type="application/json", headers=headers)

    @app.post(PATH_HEARTBEAT, response_model=HeartbeatResponse, responses=_errors(400, 401, 413))
    async def post_heartbeat(request: Request) -> HeartbeatResponse:
        kiosk, body = await signed(request)
        heartbeat = validated(HeartbeatRequest, body)
        await run_in_threadpool(record_heartbeat, engine, kiosk, heartbeat)
        return HeartbeatResponse(server_time=int(time.time()))

    def openapi() -> dict[str, Any]:
        """FastAPI's schema plus the request bodies we parse by hand."""
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for path, model in REQUEST_MODELS.items():
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
            schema["paths"][path]["post"]["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
                    }
                },
            }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
