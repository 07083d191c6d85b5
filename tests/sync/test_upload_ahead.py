"""The next batch is built while the server stores the last one, and nothing else changes:
one request at a time, each batch's key saved before it goes out, batches in seq order, every
record stored once and marked synced only from an answer."""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import requests

from common import protocol
from sync.keys import KioskFiles
from sync.outbox import META_INFLIGHT
from tests.sync.helpers import check_invariants, enroll_new_kiosk, job, states, tap


class WatchingSession(requests.Session):
    """A session that notes, for each batch it sends, how many requests were on the wire
    and what the kiosk's database said was in flight at that moment."""

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.on_wire = 0
        self.most_on_wire = 0
        self.lock = threading.Lock()
        self.sent: list[tuple[str, list[int], dict[str, Any]]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.on_wire += 1
            self.most_on_wire = max(self.most_on_wire, self.on_wire)
        try:
            if str(url).endswith(protocol.PATH_BATCHES):
                body = json.loads(gzip.decompress(kwargs["data"]))
                with sqlite3.connect(self.db_path) as conn:
                    row = conn.execute(
                        "SELECT value FROM meta WHERE key = ?", (META_INFLIGHT,)
                    ).fetchone()
                inflight = json.loads(row[0]) if row and row[0] else {}
                key = kwargs["headers"][protocol.HEADER_IDEMPOTENCY]
                seqs = [record["seq"] for record in body["records"]]
                self.sent.append((key, seqs, inflight))
            return super().request(method, url, *args, **kwargs)
        finally:
            with self.lock:
                self.on_wire -= 1


def test_batches_built_ahead_go_one_at_a_time_in_order_each_saved_before_sending(
    live_sqlite, data_dir
):
    live, db = live_sqlite
    device = enroll_new_kiosk(db, data_dir, live.url)
    taps = set(tap(data_dir, 1234))  # batches of 500, 500, 234
    session = WatchingSession(KioskFiles(data_dir).db_path)

    sync = job(data_dir, client_options={"session": session})
    report = sync.run_once()
    sync.close()

    assert report.stored == 1234
    assert session.most_on_wire == 1
    assert [len(seqs) for _key, seqs, _inflight in session.sent] == [500, 500, 234]
    sent_seqs = [seq for _key, seqs, _inflight in session.sent for seq in seqs]
    assert sent_seqs == sorted(sent_seqs) == list(range(1, 1235))
    for key, seqs, inflight in session.sent:
        assert inflight["batch_id"] == key  # taken before it was sent
        assert len(inflight["uuids"]) == len(seqs)
    assert len({key for key, _seqs, _inflight in session.sent}) == 3
    check_invariants(db, data_dir, device, taps)
    assert set(states(data_dir).values()) == {"synced"}
