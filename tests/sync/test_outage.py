"""The server's database restarts: the server answers 503 with a Retry-After of a couple of
seconds, and the kiosk comes back after exactly that, not after a minute.

The server reaches PostgreSQL through a relay the test cuts and restores (``tcp_relay``), so
the PostgreSQL other tests use is never restarted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from server.http_errors import RETRY_AFTER_MIN_S
from sync.backoff import Backoff
from sync.client import TransientError
from sync.enrollment import enroll
from tests.server.live import PG_ENV, LiveServer
from tests.sync.helpers import CENTER, FAST_CLIENT, demo_catalog_file, job, states, tap
from tests.sync.tcp_relay import TcpRelay


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def relayed(tmp_path) -> Iterator[tuple[LiveServer, TcpRelay]]:
    """A server on PostgreSQL, reaching it through a relay the test can cut."""
    pg_url = os.environ.get(PG_ENV)
    if not pg_url:
        pytest.skip(f"{PG_ENV} is not set")
    parts = urlsplit(pg_url)
    with (
        TcpRelay((parts.hostname or "127.0.0.1", parts.port or 5432)) as relay,
        LiveServer(tmp_path / "server", pg_url=_through(pg_url, relay.port)) as live,
    ):
        live.add_center(CENTER)
        live.load_catalog(demo_catalog_file(tmp_path))
        yield live, relay


@pytest.mark.postgres
def test_a_database_restart_costs_the_kiosk_seconds_not_a_minute(relayed, data_dir):
    live, relay = relayed
    code = live.add_kiosk("outage-1", CENTER)
    enroll(data_dir, live.url, code, client_options=FAST_CLIENT)
    taps = set(tap(data_dir, 20))

    relay.cut()
    with pytest.raises(TransientError) as caught:
        job(data_dir).run_once()
    assert (caught.value.status, caught.value.code) == (503, "unavailable")
    assert caught.value.retry_after == RETRY_AFTER_MIN_S

    stop = threading.Event()
    delays: list[float] = []

    def sleep(delay: float) -> None:
        delays.append(delay)
        if len(delays) == 1:
            relay.restore()  # the database is back before the kiosk returns
        else:
            stop.set()

    backoff = Backoff(rand=lambda: 1.0)
    job(data_dir, sleep=sleep, backoff=backoff, interval_s=300).run_forever(stop)

    assert delays == [RETRY_AFTER_MIN_S, 300]
    assert {row[0] for row in live.query("SELECT uuid FROM records")} == taps
    assert set(states(data_dir).values()) == {"synced"}
