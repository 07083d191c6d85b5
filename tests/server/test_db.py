"""Migrations: any database, new or made by an older server, ends up exactly as the tables in
``server.db`` describe, through frozen Alembic revisions run by ``kiosk-server init-db``.

``data/server-v2.db`` and ``data/server-v2-postgres.sql`` were made by the server as it was
before Alembic (``schema_migrations`` at version 2), with centers, kiosks, batches, a chain
with a break, a rejected record, an import and catalogs; the tests upgrade copies of them.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from common.protocol import PATH_SYNC_STATE
from server.db import (
    DatabaseError,
    alembic_config,
    check_schema,
    head_revision,
    make_engine,
    metadata,
    migrate,
)
from tests.server.kiosk_driver import KioskDriver
from tests.server.live import BACKENDS, PG_ENV, REPO, LiveServer
from tests.server.test_import import Tablet, assert_imported, import_files

MIGRATIONS = REPO / "server" / "migrations"
DATA = Path(__file__).parent / "data"
REVISIONS = ["0001", "0002", "0003", "0004", "0005", "0006", "0007"]
HEAD = REVISIONS[-1]

OLD_SQLITE = DATA / "server-v2.db"
OLD_POSTGRES = DATA / "server-v2-postgres.sql"
OLD_SCHEMA = "ukuk_v2_fixture"
"""The schema the PostgreSQL dump was taken from; replaced by a fresh one when loading it."""
OLD_DEVICE = "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b"
"""The enrolled kiosk ``lobby-1`` of the old databases, whose key is made from this seed."""
OLD_KEY_SEED = bytes(range(1, 33))
OLD_HIGH_WATER_MARK = 8
OLD_TABLES = {
    "centers": 2,
    "kiosks": 4,
    "enrollment_codes": 3,
    "enroll_failures": 1,
    "catalogs": 2,
    "records": 11,
    "rejected_records": 1,
    "batches": 3,
    "chains": 2,
    "chain_breaks": 1,
    "imports": 1,
}
"""Every table of the old databases and its row count."""


def _pg_base() -> str:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    return base


def _with_search_path(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


class PgSchemas:
    """Fresh PostgreSQL schemas, dropped at the end of the test."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.admin = create_engine(base, poolclass=NullPool)
        self.made: list[str] = []

    def new(self, sql: str | None = None) -> str:
        """A new schema (filled by ``sql``, a plain dump of ``OLD_SCHEMA``); its URL."""
        schema = f"t_{uuid.uuid4().hex[:16]}"
        self.made.append(schema)
        if sql is None:
            with self.admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        else:
            # psql meta-commands (\restrict …) are not SQL; the rest runs as one script.
            script = "\n".join(
                line for line in sql.splitlines() if not line.startswith("\\")
            ).replace(OLD_SCHEMA, schema)
            raw = self.admin.raw_connection()
            try:
                with closing(raw.cursor()) as cursor:
                    cursor.execute(script)
                raw.commit()
            finally:
                raw.close()
        return _with_search_path(self.base, schema)

    def close(self) -> None:
        with self.admin.begin() as conn:
            for schema in self.made:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        self.admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    schemas = PgSchemas(_pg_base())
    try:
        yield schemas.new()
    finally:
        schemas.close()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    made = make_engine(db_url)
    try:
        yield made
    finally:
        made.dispose()


@pytest.fixture(params=BACKENDS)
def old_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a copy of the committed database made before Alembic."""
    if request.param == "sqlite":
        copy = tmp_path / "old.db"
        shutil.copyfile(OLD_SQLITE, copy)
        yield f"sqlite:///{copy}"
        return
    schemas = PgSchemas(_pg_base())
    try:
        yield schemas.new(OLD_POSTGRES.read_text(encoding="utf-8"))
    finally:
        schemas.close()


def differences(engine: Engine) -> list[Any]:
    """What Alembic's autogenerate finds between the database and the tables (types too)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def upgrade_to(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def init_db_command(url: str) -> dict[str, Any]:
    """``kiosk-server init-db --db URL`` as a real process (arguments for ``subprocess``)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("UKUK_SERVER_DB", None)
    return {
        "args": [sys.executable, "-m", "server.cli", "init-db", "--db", url],
        "cwd": REPO,
        "env": env,
        "text": True,
    }


def make_old_database(engine: Engine, version: int) -> None:
    """A database as released servers left it: revision 0001's schema under the old
    ``schema_migrations`` (without ``imports`` at version 1), with a center and catalogs."""
    upgrade_to(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        if version == 1:
            conn.execute(text("DROP TABLE imports"))
        conn.execute(
            text(
                "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
                "description TEXT NOT NULL, applied_at TIMESTAMP WITH TIME ZONE NOT NULL)"
            )
        )
        for step in range(1, version + 1):
            conn.execute(
                text("INSERT INTO schema_migrations VALUES (:v, 'old step', CURRENT_TIMESTAMP)"),
                {"v": step},
            )
        conn.execute(
            text("INSERT INTO centers VALUES ('tbilisi', 'თბილისი', 'Tbilisi', CURRENT_TIMESTAMP)")
        )
        for scope, version_name, loaded_at in (
            ("*", "2026.1", "2026-01-02 10:00:00"),
            ("tbilisi", "2026.1", "2026-01-01 10:00:00"),
            ("kutaisi", "2026.2", "2026-02-01 10:00:00"),
            ("batumi", None, "2026-02-02 10:00:00"),
        ):
            values = (scope, f"body of {scope}", f"etag-{scope}", version_name, loaded_at)
            conn.execute(
                text("INSERT INTO catalogs VALUES (:s, :b, :e, :v, :t)"),
                dict(zip("sbevt", values, strict=True)),
            )


# -- fresh databases --------------------------------------------------------------------------


def test_fresh_database_is_migrated_to_the_tables(engine: Engine) -> None:
    with pytest.raises(DatabaseError, match=r"not initialised.*init-db"):
        check_schema(engine)
    done = migrate(engine)
    assert (done.head, done.applied, done.adopted_from) == (HEAD, REVISIONS, None)
    assert head_revision() == REVISIONS[-1]
    assert migrate(engine).applied == []
    check_schema(engine)
    assert table_names(engine) == set(metadata.tables) | {"alembic_version"}
    assert differences(engine) == []


def test_each_revision_goes_down_and_up_again(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    with pytest.raises(DatabaseError, match=rf"revision 0001, this server needs {HEAD}.*init-db"):
        check_schema(engine)
    assert migrate(engine).applied == REVISIONS[1:]
    assert differences(engine) == []
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert table_names(engine) == {"alembic_version"}
    assert migrate(engine).applied == REVISIONS
    assert differences(engine) == []


def test_postgres_connections_keep_alive_on_both_sides(engine: Engine) -> None:
    """A silently dropped network is noticed within a minute, not after the system's hours."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with engine.connect() as conn:
        seen = {
            name: conn.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count")
        }
        assert conn.exec_driver_sql("SHOW search_path").scalar() != ""
        conn.rollback()
        assert conn.exec_driver_sql("SHOW tcp_keepalives_idle").scalar() == "30"
    assert seen == {
        "tcp_keepalives_idle": "30",
        "tcp_keepalives_interval": "10",
        "tcp_keepalives_count": "3",
    }


def test_newer_schema_is_refused(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match=r"revision 9999.*newer.*upgrade the server"):
        check_schema(engine)
    with pytest.raises(DatabaseError, match="newer"):
        migrate(engine)


def test_concurrent_init_db_runs_wait_for_each_other(db_url: str) -> None:
    init_db = init_db_command(db_url)
    runs = [
        subprocess.Popen(**init_db, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    stdout = "".join(out for out, _err in outputs)
    assert stdout.count(f"applied {', '.join(REVISIONS)}") == 1, stdout
    assert stdout.count(f"already at schema revision {HEAD}") == 2, stdout
    engine = make_engine(db_url)
    try:
        assert differences(engine) == []
    finally:
        engine.dispose()


def test_revisions_never_import_the_live_tables() -> None:
    """Frozen history: only Alembic, SQLAlchemy and the standard library, never ``server`` or
    ``common``."""
    files = [*sorted((MIGRATIONS / "versions").glob("*.py")), MIGRATIONS / "legacy.py"]
    assert len(files) == len(REVISIONS) + 1
    for path in files:
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
        assert imported - sys.stdlib_module_names <= {"alembic", "sqlalchemy"}, path.name


# -- databases made before Alembic --------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_database_from_before_alembic_is_adopted(engine: Engine, version: int) -> None:
    make_old_database(engine, version)
    with pytest.raises(DatabaseError, match=f"version {version} .*before Alembic.*init-db"):
        check_schema(engine)
    done = migrate(engine)
    assert (done.adopted_from, done.applied) == (version, REVISIONS[1:])
    check_schema(engine)
    assert "schema_migrations" not in table_names(engine)
    assert differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM centers")).scalars().all() == ["tbilisi"]
        versions = conn.execute(
            text("SELECT version, body, etag FROM catalog_versions ORDER BY version")
        ).all()
    # The same version in two scopes: the one loaded first is kept.
    assert [tuple(row) for row in versions] == [
        ("2026.1", "body of tbilisi", "etag-tbilisi"),
        ("2026.2", "body of kutaisi", "etag-kutaisi"),
    ]


def test_a_database_from_before_imports_takes_imports_after_init_db(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    make_old_database(engine, 1)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM catalogs"))  # stand-in bodies; any service goes
    tablet = Tablet(tmp_path / "kiosk", center="tbilisi")
    try:
        with LiveServer(tmp_path / "server", db_url=db_url) as server:  # runs init-db
            tablet.rate(4)
            result = import_files(server, tablet.export())
            assert_imported(result, "stored 1, duplicates 0, rejected 0")
            rows = server.query(
                "SELECT stored FROM imports WHERE device_id = :d", d=tablet.device_id
            )
            assert [row[0] for row in rows] == [1]
    finally:
        tablet.store.close()
    assert differences(engine) == []


def test_an_old_init_db_that_stopped_before_its_first_step_starts_afresh(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)"))
    done = migrate(engine)
    assert (done.adopted_from, done.applied) == (None, REVISIONS)
    assert differences(engine) == []


def test_unknown_old_versions_are_refused(engine: Engine) -> None:
    make_old_database(engine, 2)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_migrations VALUES (3, 'x', CURRENT_TIMESTAMP)"))
    with pytest.raises(DatabaseError, match=r"old version 3.*upgrade the server"):
        migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM schema_migrations WHERE version = 3"))
        conn.execute(text("DROP TABLE imports"))
    with pytest.raises(DatabaseError, match=r"tables differ.*missing: imports"):
        migrate(engine)
    assert "schema_migrations" in table_names(engine)  # nothing was changed


def _rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the old tables, in the columns they had before (later additions aside)."""
    rows = {}
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        inspector = inspect(conn)
        for table in OLD_TABLES:
            added = {"channel", "content_sha256"}
            if table == "imports":  # the signature of each file, since 0007
                added |= {"public_key", "signature", "seqs", "head_seq", "head_hash"}
            names = [c["name"] for c in inspector.get_columns(table) if c["name"] not in added]
            columns = ", ".join(f'"{name}"' for name in names)
            result = conn.execute(text(f"SELECT {columns} FROM {table}"))
            rows[table] = sorted((tuple(row) for row in result), key=repr)
    return rows


def test_committed_old_database_is_upgraded_by_init_db(old_db_url: str, tmp_path: Path) -> None:
    engine = make_engine(old_db_url)
    try:
        assert table_names(engine) == set(OLD_TABLES) | {"schema_migrations"}
        before = _rows(engine)
        assert {table: len(rows) for table, rows in before.items()} == OLD_TABLES
        with pytest.raises(DatabaseError, match="init-db"):
            check_schema(engine)

        result = subprocess.run(
            **init_db_command(old_db_url), capture_output=True, timeout=120, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "old schema version 2) adopted at revision 0001" in result.stdout
        assert f"applied {', '.join(REVISIONS[1:])}" in result.stdout

        assert _rows(engine) == before
        assert table_names(engine) == set(metadata.tables) | {"alembic_version"}
        assert differences(engine) == []
        with engine.connect() as conn:
            channels = conn.execute(text("SELECT channel, count(*) FROM records GROUP BY 1"))
            assert [tuple(row) for row in channels] == [("kiosk", OLD_TABLES["records"])]
            catalogs = conn.execute(
                text("SELECT DISTINCT version, body, etag FROM catalogs ORDER BY version")
            ).all()
            versions = conn.execute(
                text("SELECT version, body, etag FROM catalog_versions ORDER BY version")
            ).all()
            assert versions == catalogs
            assert [row[0] for row in versions] == ["2026.1"]
            head = conn.execute(
                text("SELECT seq, hash FROM records WHERE device_id = :d ORDER BY seq DESC"),
                {"d": OLD_DEVICE},
            ).first()
        assert head is not None
        assert head[0] == OLD_HIGH_WATER_MARK
    finally:
        engine.dispose()

    with LiveServer(tmp_path / "server", db_url=old_db_url) as server:  # init-db again, serve
        assert f"already at schema revision {HEAD}" in server.cli("init-db").stdout
        kiosk = KioskDriver(server.url, OLD_DEVICE)
        kiosk.key = Ed25519PrivateKey.from_private_bytes(OLD_KEY_SEED)
        state = kiosk.get(PATH_SYNC_STATE)
        assert state.status_code == 200, state.text
        assert state.json()["high_water_mark"] == OLD_HIGH_WATER_MARK
        assert state.json()["missing"] == []
        # The chain goes on from the old head.
        record = kiosk.record(OLD_HIGH_WATER_MARK + 1, head[1])
        answer = kiosk.post_batch([record])
        assert answer.status_code == 200, answer.text
        assert answer.json()["results"][0]["status"] == "stored"
        assert answer.json()["high_water_mark"] == OLD_HIGH_WATER_MARK + 1
        stored = server.query("SELECT channel FROM records WHERE uuid = :u", u=record["uuid"])
        assert [row[0] for row in stored] == ["kiosk"]
