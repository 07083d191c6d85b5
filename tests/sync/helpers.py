"""Helpers shared by the sync tests: drafts, a sync job wired for tests, subprocess env."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import protocol
from kiosk.keys import generate_key, save_private_key
from kiosk.storage import Draft, Store
from sync.job import SyncJob
from sync.keys import Enrollment, KioskFiles

REPO_ROOT = Path(__file__).resolve().parents[2]
CENTER = "central-service-hall"
"""The center of every test kiosk; the server refuses records naming another (wrong_center)."""
SERVICE_ID = "free-canteen"
CATALOG_VERSION = "2026.1"

FAST_CLIENT: dict[str, Any] = {"connect_timeout": 5.0, "read_timeout": 15.0, "deadline": 30.0}
"""Client timeouts for tests that expect success: generous, so a loaded machine is no fault."""


def draft(score: int | None = 4, center_id: str = CENTER, **values: Any) -> Draft:
    base: dict[str, Any] = dict(
        kind="rating",
        rating_uuid=None,
        center_id=center_id,
        service_id=SERVICE_ID,
        catalog_version=CATALOG_VERSION,
        language="ka",
        score=score,
    )
    base.update(values)
    return Draft(**base)


def tap(data_dir: Path, count: int = 1, **values: Any) -> list[str]:
    """Append ``count`` ratings to the kiosk database, as the app would; returns uuids.

    Durability of the taps themselves is the storage tests' subject; here fsync per tap would
    only make thousand-record backlogs slow, so this connection skips it.
    """
    with Store(KioskFiles(data_dir).db_path) as store:
        store.conn.execute("PRAGMA synchronous = OFF")
        return [store.append(draft(score=1 + i % 5, **values)).uuid for i in range(count)]


def poison(data_dir: Path, record_uuid: str) -> None:
    """Damage one stored row so that the server refuses any batch holding it, as a whole (400
    ``malformed``): its reasons nest 40 arrays deep, and at most 32 levels are allowed."""
    nested = "[" * 40 + "]" * 40
    with Store(KioskFiles(data_dir).db_path) as store:
        record = store.get(record_uuid)
        assert record is not None
        seq = record.seq
        store.conn.execute("UPDATE records SET reasons = ? WHERE seq = ?", (nested, seq))


def fake_enrollment(data_dir: Path, server_url: str) -> Enrollment:
    """Enrollment files pointing at ``server_url`` without asking any server (unit tests)."""
    files = KioskFiles(data_dir)
    with Store(files.db_path) as store:
        device_id = store.device_id
    save_private_key(files.key_path, generate_key())
    enrollment = Enrollment(
        server_url=server_url,
        device_id=device_id,
        center_id=CENTER,
        kiosk_name="test kiosk",
        enrolled_at=datetime.now(UTC).isoformat(),
    )
    files.commit_enrollment(enrollment)
    return enrollment


def job(data_dir: Path, **options: Any) -> SyncJob:
    options.setdefault("client_options", FAST_CLIENT)
    return SyncJob(data_dir, **options)


def states(data_dir: Path) -> dict[str, str]:
    """uuid -> sync_state of every local record."""
    with Store(KioskFiles(data_dir).db_path) as store:
        return {u: str(state) for u, state in store.sync_states().items()}


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    return env


def sync_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "sync.cli", *args]


def dead_url() -> str:
    """An http URL where nothing listens (a port bound and released just now)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


MAX_RECORDS = protocol.MAX_BATCH_RECORDS


# -- the real server ---------------------------------------------------------------------------


def demo_catalog_file(directory: Path) -> Path:
    """The app's embedded catalog as a file, to load into the server."""
    from common.catalog import demo_catalog_bytes

    path = directory / "catalog.json"
    path.write_bytes(demo_catalog_bytes())
    return path


class ServerDB:
    """Read the server's database directly (SQLAlchemy), to check what really arrived; and
    hand out enrollment codes from a pool made with one ``kiosk-server add-kiosk`` call."""

    POOL_SIZE = 60

    def __init__(self, live: Any) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.live = live
        self.db_url = live.db_url
        # No pooled connection may outlive a query: the SQLite file is swapped for backups.
        self.engine = create_engine(self.db_url, poolclass=NullPool)
        self._codes: list[tuple[str, str]] = []
        self._made = 0

    def fill_codes(self, count: int = POOL_SIZE) -> None:
        """Issue codes now: codes made before a backup survive restoring it."""
        names = [f"kiosk-{self._made + i:04d}" for i in range(count)]
        self._made += count
        self._codes.extend(self.live.add_kiosks(names, CENTER).items())

    def issue_code(self) -> tuple[str, str]:
        """(kiosk name, one-time enrollment code) of a kiosk nobody enrolled yet."""
        if not self._codes:
            self.fill_codes()
        return self._codes.pop(0)

    def close(self) -> None:
        self.engine.dispose()

    def uuids(self, device_id: str) -> list[str]:
        """Every stored record uuid of the device, repeats included (there must be none)."""
        from sqlalchemy import select

        from server.db import records

        with self.engine.connect() as conn:
            rows = conn.execute(select(records.c.uuid).where(records.c.device_id == device_id))
            return [row[0] for row in rows]

    def batch_count(self, device_id: str) -> int:
        from sqlalchemy import func, select

        from server.db import batches

        with self.engine.connect() as conn:
            query = select(func.count()).select_from(batches)
            return conn.execute(query.where(batches.c.device_id == device_id)).scalar_one()


def enroll_new_kiosk(db: ServerDB, data_dir: Path, url: str) -> str:
    """Enroll a kiosk nobody used yet at ``url``; returns its device id."""
    from sync.enrollment import enroll

    _name, code = db.issue_code()
    return enroll(data_dir, url, code, client_options=FAST_CLIENT).device_id


def check_invariants(db: ServerDB, data_dir: Path, device_id: str, taps: set[str]) -> None:
    """Nothing lost, nothing twice, nothing marked synced that the server lacks."""
    on_server = db.uuids(device_id)
    server_set = set(on_server)
    assert len(on_server) == len(server_set), "a record is stored twice on the server"
    local = states(data_dir)
    pending = {u for u, s in local.items() if s == "pending"}
    synced = {u for u, s in local.items() if s == "synced"}
    assert server_set <= taps, "the server holds records nobody tapped"
    assert server_set | pending == taps, "a tapped record is neither on the server nor pending"
    assert synced <= server_set, "a record is marked synced that the server does not have"


SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def backup_server_db(live: Any, dest: Path) -> None:
    """Copy the stopped server's SQLite file (and its WAL) to ``dest``; restarts it after."""
    live.stop()
    try:
        source = live.workdir / "server.db"
        dest.mkdir(parents=True, exist_ok=True)
        for suffix in ("", *SQLITE_SIDE_FILES):
            path = Path(f"{source}{suffix}")
            if path.exists():
                (dest / path.name).write_bytes(path.read_bytes())
    finally:
        live.start()


def restore_server_db(live: Any, backup: Path) -> None:
    """Put the server back to a backup taken by :func:`backup_server_db`, as an operator would."""
    live.stop()
    try:
        target = live.workdir / "server.db"
        for suffix in SQLITE_SIDE_FILES:
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        for suffix in ("", *SQLITE_SIDE_FILES):
            saved = backup / f"server.db{suffix}"
            if saved.exists():
                Path(f"{target}{suffix}").write_bytes(saved.read_bytes())
    finally:
        live.start()
