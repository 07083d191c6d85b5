"""A server of its own for the rating pages' browser tests: the demo centers and catalog, a
few one-time codes, and the web channel's settings the test module chooses (``UKUK_WEB_*``,
read when the server starts), so rate limits set elsewhere never decide these tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from common.catalog import demo_catalog
from server.db import make_engine, utc_now
from server.web_channel.codes import issue_batch
from tests.server.live import LiveServer
from tests.web.pages import RATE_CENTER, RATE_SERVICE
from tests.web.seed import DEMO_CATALOG, serve_options


class HostSite:
    """The municipality's own website in the embedding test: one page, served from another
    port of 127.0.0.1 (Chromium keeps pages of other address spaces from framing loopback)."""

    def __init__(self) -> None:
        self.page = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.page)))
                self.end_headers()
                self.wfile.write(site.page)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@dataclass
class RateSite:
    server: LiveServer

    @property
    def url(self) -> str:
        return self.server.url

    def codes(self, count: int = 1) -> list[str]:
        """New one-time codes for the demo center and service."""
        engine = make_engine(self.server.db_url)
        try:
            _batch, plain = issue_batch(
                engine, center_id=RATE_CENTER, service_id=RATE_SERVICE, count=count,
                expires_at=utc_now() + timedelta(days=1), user_id=None,
            )  # fmt: skip
        finally:
            engine.dispose()
        return plain

    def records(self) -> list[Any]:
        return self.server.query(
            "SELECT kind, channel, language, score, reasons, comment, flags FROM records "
            "ORDER BY id"
        )


def start_rate_site(workdir: Path, **environ: str) -> RateSite:
    """A started server with the demo centers and catalog; ``environ`` are its web settings."""
    server = LiveServer(workdir)
    try:
        server.serve_args = serve_options(server)
        for center in demo_catalog().centers:
            server.add_center(center.id, center.name.ka, center.name.en)
        server.load_catalog(DEMO_CATALOG)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in environ.items():
                patch.setenv(name, value)
            server.start()
    except BaseException:
        server.close()
        raise
    return RateSite(server)
