"""The server database: schema, versioned migrations and engine set-up for SQLite and PostgreSQL.

Why this shape:
- SQLAlchemy Core tables shared by both backends; timestamps are timezone-aware UTC everywhere
  (``timestamptz`` on PostgreSQL, ISO text on SQLite) through :class:`UtcDateTime`.
- Migrations are Alembic revisions in ``server/migrations/versions`` (configured in code, no
  ``alembic.ini``): frozen history that spells out its own columns and never imports these
  tables. A schema change is a new revision together with the matching change to the tables
  below; ``tests/server/test_db.py`` checks that the migrated database equals these tables.
  Databases made by the migrations before Alembic (``schema_migrations``) are adopted by
  ``init-db`` (:mod:`server.migrations.legacy`).
- Deduplication relies on UNIQUE constraints (``records.uuid``, ``(device_id, seq)``), never on
  check-then-insert, so racing requests cannot store a record twice.
- On SQLite every transaction starts with ``BEGIN IMMEDIATE``: writers queue on the busy
  timeout instead of failing when two read-then-write transactions meet.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from common.records import LIST_FIELDS, RULES, Channel, Record, Rule
from server.migrations import legacy

log = logging.getLogger("server.db")

DEFAULT_DB_URL = "sqlite:///ukukavshiri-server.db"
ENV_DB_URL = "UKUK_SERVER_DB"


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone; we put it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# An integer primary key that is BIGINT on PostgreSQL and the rowid alias on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

centers = Table(
    "centers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name_ka", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

kiosks = Table(
    "kiosks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("center_id", String(64), ForeignKey("centers.id"), nullable=False),
    # pending | active | revoked, or offline: made by an import for a device never enrolled
    # (no key, so it cannot sign requests until it is enrolled with a code); or web: the
    # hash chain of one web channel at one center, written by the server itself
    # (server.web_channel.chains), never listed, enrolled or revoked as a kiosk.
    Column("status", String(16), nullable=False),
    Column("device_id", String(64), unique=True),
    Column("public_key", Text),
    Column("app_version", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("enrolled_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Column("last_seen_at", UtcDateTime),
    Column("last_heartbeat", Text),  # JSON of the last heartbeat body
    Column("last_heartbeat_at", UtcDateTime),
)

enrollment_codes = Table(
    "enrollment_codes",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kiosk_id", BigId, ForeignKey("kiosks.id"), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("used_by_device", String(64)),
    Column("cancelled_at", UtcDateTime),
)

enroll_failures = Table(
    "enroll_failures",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("client_ip", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("enroll_failures_ip_at", "client_ip", "at"),
)

catalogs = Table(
    "catalogs",
    metadata,
    # A center id, or DEFAULT_CATALOG_SCOPE for the catalog of centers without their own.
    Column("scope", String(64), primary_key=True),
    Column("body", Text, nullable=False),
    Column("etag", String(80), nullable=False),
    Column("version", Text),
    Column("loaded_at", UtcDateTime, nullable=False),
)


catalog_versions = Table(
    "catalog_versions",
    metadata,
    # Every catalog version ever loaded, so a record is judged against the catalog it names
    # (its reasons and languages), even after a newer catalog replaced it.
    Column("version", Text, primary_key=True),
    Column("body", Text, nullable=False),
    Column("etag", String(80), nullable=False),
    Column("loaded_at", UtcDateTime, nullable=False),
)


def _record_column(name: str, rule: Rule) -> Column[Any]:
    """The column that holds one record field, typed from its rule (lists as JSON text)."""
    column_type: Any
    if rule.type in ("uuid", "hex64"):
        column_type = String(64)
    elif rule.type == "int":
        column_type = BigInteger if rule.high is not None and rule.high > 2**31 else Integer
    elif rule.type == "enum":
        column_type = String(16)
    else:  # text, time (as the device wrote it: hashed), list (JSON)
        column_type = Text
    return Column(name, column_type, nullable=rule.nullable, unique=name == "uuid")


def record_columns(record: Record) -> dict[str, Any]:
    """The values of a record's own columns (lists as compact JSON, non-ASCII kept)."""
    return wire_columns(record.to_wire())


def wire_columns(wire: dict[str, Any]) -> dict[str, Any]:
    """:func:`record_columns` from a record's validated wire form, without building a
    :class:`Record` first (uploads arrive as wire dicts, and ``to_wire`` costs more than the
    insert)."""
    values = {name: wire[name] for name in RULES}
    for name in LIST_FIELDS:
        items = values[name]
        values[name] = json.dumps(list(items), ensure_ascii=False) if items else "[]"
    return values


records = Table(
    "records",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    *(_record_column(name, rule) for name, rule in RULES.items()),
    Column("channel", String(16), nullable=False, server_default=Channel.KIOSK.value),
    Column("kiosk_id", BigId, ForeignKey("kiosks.id"), nullable=False),
    Column("batch_id", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("device_id", "seq", name="records_device_seq"),
    Index("records_rating_uuid", "rating_uuid"),
)


rejected_records = Table(
    "rejected_records",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kiosk_id", BigId, ForeignKey("kiosks.id"), nullable=False),
    Column("device_id", String(64), nullable=False),  # the sender
    Column("batch_id", Text, nullable=False),
    Column("uuid", Text),
    # Set only when the record names the sender as its device; counts for the chain coverage.
    Column("seq", BigInteger),
    Column("reason", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    UniqueConstraint("device_id", "fingerprint", name="rejected_device_fingerprint"),
    Index("rejected_device_seq", "device_id", "seq"),
)

batches = Table(
    "batches",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("device_id", String(64), nullable=False),
    Column("batch_id", String(128), nullable=False),
    Column("kiosk_id", BigId, ForeignKey("kiosks.id"), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("last_received_at", UtcDateTime, nullable=False),
    Column("times_received", Integer, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("duplicate", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("head_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("head_signature", Text, nullable=False),
    # SHA-256 of the records and head as received (see server.batches.content_hash); null for
    # batches received before it was kept.
    Column("content_sha256", String(64)),
    UniqueConstraint("device_id", "batch_id", name="batches_device_batch"),
)

chains = Table(
    "chains",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("kiosk_id", BigId, ForeignKey("kiosks.id"), nullable=False),
    Column("high_water_mark", BigInteger, nullable=False),
    Column("max_seq", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

chain_breaks = Table(
    "chain_breaks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("device_id", String(64), nullable=False),
    # The link into ``seq`` is broken: its prev_hash is not the stored hash of seq - 1.
    Column("seq", BigInteger, nullable=False),
    Column("expected_prev_hash", String(64), nullable=False),
    Column("actual_prev_hash", String(64), nullable=False),
    Column("detected_at", UtcDateTime, nullable=False),
    UniqueConstraint("device_id", "seq", name="chain_breaks_device_seq"),
)

imports = Table(
    "imports",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("file_name", Text, nullable=False),  # the path as staff gave it
    Column("records_sha256", String(64), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("kiosk_id", BigId, ForeignKey("kiosks.id"), nullable=False),
    Column("file_center_id", Text, nullable=False),
    Column("app_version", Text),
    Column("exported_at", Text, nullable=False),  # as the kiosk wrote it
    Column("imported_at", UtcDateTime, nullable=False),
    # Set when every record of the file was judged; counts are kept up to date before that.
    Column("finished_at", UtcDateTime),
    Column("record_count", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("duplicate", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    # The file's signature and what it vouches for, so an audit can check the records that
    # came only on a USB stick (docs/export.md, "Audit"). The signed message is rebuilt from
    # device_id, file_center_id, exported_at and records_sha256 above, as the file held them.
    # Null for files imported before they were kept, and for a file whose records cannot be
    # named by seq (one naming another device, or out of order).
    Column("public_key", Text),  # the file's, as the import checked it against the device's
    Column("signature", Text),
    Column("seqs", Text),  # JSON: the file's records as [first, last] runs of seq, in order
    Column("head_seq", BigInteger),  # the newest record of the file
    Column("head_hash", String(64)),
    Index("imports_device", "device_id"),
)

kiosk_keys = Table(
    "kiosk_keys",
    metadata,
    # Every public key a device has had here, from when it was in force until it was replaced,
    # so each signed head is checked with the key it was received under (docs/audit.md), not
    # with whichever key the device holds today. Written with the kiosks row it belongs to.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("device_id", String(64), nullable=False),
    Column("kiosk_id", BigId, ForeignKey("kiosks.id"), nullable=False),
    Column("public_key", Text, nullable=False),
    Column("reason", String(16), nullable=False),  # how it came in force: KEY_ENROLLMENT …
    Column("valid_from", UtcDateTime, nullable=False),
    Column("valid_until", UtcDateTime),  # null: in force now
    Column("ended_by", String(16)),  # replaced | forgotten; null while in force
    Index("kiosk_keys_device", "device_id", "valid_from"),
)

KEY_ENROLLMENT = "enrollment"
"""A kiosk enrolled for the first time with this key (an add-kiosk or offline entry's code)."""
KEY_REENROLLMENT = "reenrollment"
"""A kiosk enrolled before enrolled again (a reenroll-kiosk code), with this key."""
KEY_IMPORT = "import"
"""An import kept the key of a device known only from its export files (its offline entry)."""
KEY_MIGRATION = "migration"
"""The key a kiosk held when the server began to keep key history (revision 0007); it was in
force at least from the kiosk's last enrollment, and earlier keys are not known."""
KEY_REPLACED = "replaced"
"""Another key came in force for the device."""
KEY_FORGOTTEN = "forgotten"
"""Staff let an offline entry's device come with a new key (``forget-offline-key``)."""

# -- results: staff, moderation, roll-ups and published snapshots -----------------------------

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # admin | analyst
    Column("password_hash", Text, nullable=False),  # argon2id, with its parameters
    Column("created_at", UtcDateTime, nullable=False),
    Column("disabled_at", UtcDateTime),
)

sessions = Table(
    "sessions",
    metadata,
    # SHA-256 of the random token in the cookie: a copy of the database opens no session.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("sessions_user", "user_id"),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("client_ip", String(64), nullable=False),
    Column("user_name", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("login_failures_ip_at", "client_ip", "at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("user_id", BigId, ForeignKey("users.id")),  # null: the command line
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),  # JSON object
)

comment_moderation = Table(
    "comment_moderation",
    metadata,
    # The comment record's uuid; its text is never changed, only hidden from view.
    Column("record_uuid", String(64), primary_key=True),
    Column("hidden", Integer, nullable=False),  # 1 hidden, 0 shown again
    Column("reason", Text, nullable=False),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

rollup_ratings = Table(
    "rollup_ratings",
    metadata,
    # Ratings counted by what the results pages filter on; months are local (the device's
    # created_at plus its utc_offset_min), as 'YYYY-MM'.
    Column("service_id", Text, primary_key=True),
    Column("center_id", Text, primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("burst", Integer, primary_key=True),  # 1 when flagged burst
    Column("score", Integer, primary_key=True),
    Column("count", BigInteger, nullable=False),
)

rollup_reasons = Table(
    "rollup_reasons",
    metadata,
    # Reasons chosen, by the score band of their rating ('low' up to the catalog's low_max).
    Column("service_id", Text, primary_key=True),
    Column("center_id", Text, primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("burst", Integer, primary_key=True),
    Column("band", String(4), primary_key=True),
    Column("reason_id", Text, primary_key=True),
    Column("count", BigInteger, nullable=False),
)

rollup_hours = Table(
    "rollup_hours",
    metadata,
    # When ratings arrive (local weekday 0 = Monday, local hour) and how satisfied they are.
    Column("month", String(7), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("burst", Integer, primary_key=True),
    Column("weekday", Integer, primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("score", Integer, primary_key=True),
    Column("count", BigInteger, nullable=False),
)

rollup_comments = Table(
    "rollup_comments",
    metadata,
    # One row per non-empty comment whose rating is stored, with what the comments page filters
    # and sorts by (the rating's cell, local month, score and moment); the text stays in records.
    Column("record_id", BigId, primary_key=True),  # the comment record's id
    Column("record_uuid", String(64), nullable=False),
    Column("service_id", Text, nullable=False),
    Column("center_id", Text, nullable=False),
    Column("month", String(7), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("burst", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("rated_at", UtcDateTime, nullable=False),  # the rating's created_at
    Column("utc_offset_min", Integer, nullable=False),  # the rating's
    Index("rollup_comments_month_rated", "month", "rated_at", "record_id"),
)

rollup_state = Table(
    "rollup_state",
    metadata,
    # How far the roll-ups have read: every record with a smaller or equal id is counted.
    Column("name", String(32), primary_key=True),
    Column("last_record_id", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    # A closed period's published numbers, frozen: 'YYYY', 'YYYY-Qn' or 'YYYY-MM'.
    Column("period", String(7), primary_key=True),
    Column("taken_at", UtcDateTime, nullable=False),
    Column("max_record_id", BigInteger, nullable=False),
    Column("chain_heads", Text, nullable=False),  # JSON: device_id -> [seq, hash]
    Column("body", Text, nullable=False),  # JSON: the published tables
    Column("body_sha256", String(64), nullable=False),
)

# -- the web channel: server keys, verified codes, rate limits ----------------------------------

server_keys = Table(
    "server_keys",
    metadata,
    # Secrets every server process shares (web signing key, code HMAC key, form-token key),
    # made on first need; see server.web_channel.keys.
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

web_code_batches = Table(
    "web_code_batches",
    metadata,
    # A batch of one-time codes for one program at one center; the codes are never stored.
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("center_id", String(64), ForeignKey("centers.id"), nullable=False),
    Column("service_id", Text, nullable=False),
    Column("count", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    Column("created_by", BigId, ForeignKey("users.id")),  # null: the command line
)

web_codes = Table(
    "web_codes",
    metadata,
    # HMAC-SHA256 of the normalised code under the server's code key; spent carries no time,
    # so it cannot be matched with a rating's received_at.
    Column("code_hash", String(64), primary_key=True),
    Column("batch_id", BigId, ForeignKey("web_code_batches.id"), nullable=False),
    Column("spent", Integer, nullable=False),  # 1 once its rating is stored
    Index("web_codes_batch", "batch_id", "spent"),
)

web_address_salts = Table(
    "web_address_salts",
    metadata,
    # One random salt per UTC day for hashing client addresses; deleted once the day is over.
    Column("day", String(10), primary_key=True),
    Column("salt", String(64), nullable=False),
)

web_rate_counts = Table(
    "web_rate_counts",
    metadata,
    # Open-channel answers per fixed window: for one salted address hash ('a:<hex>') or for
    # all ('*'); no address and no exact time. Deleted when the window is over.
    Column("key", String(80), primary_key=True),
    Column("window_start", UtcDateTime, primary_key=True),
    Column("count", Integer, nullable=False),
)

DEFAULT_CATALOG_SCOPE = "*"


class DatabaseError(Exception):
    """The database cannot be used as asked (bad URL, unreachable, not initialised…)."""


POSTGRES_CONNECT = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
"""TCP keepalives on the server's side of each PostgreSQL connection (libpq parameters)."""
POSTGRES_SESSION = (
    "SET tcp_keepalives_idle = 30; SET tcp_keepalives_interval = 10; SET tcp_keepalives_count = 3"
)
"""The same on PostgreSQL's side, set per session so a URL's own ``options`` stay as given.

With both, when the network between server and database drops without a word, each side
notices within about a minute (instead of the system's two hours): a transaction holding a
kiosk's row lock is rolled back, and that kiosk's requests do not hang."""


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the per-backend settings the server relies on."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True, connect_args=POSTGRES_CONNECT)
            event.listen(engine, "connect", _configure_postgres_session)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from exc
    return engine


def _configure_postgres_session(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute(POSTGRES_SESSION)
    dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Long reads (export) opt out with execution_options(read_only=True) so they do not
        # hold the write lock.
        read_only = conn.get_execution_options().get("read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


# -- migrations -------------------------------------------------------------------------------

MIGRATIONS_LOCATION = "server:migrations"
"""Alembic's script location: ``server/migrations`` (``env.py``, ``versions/``)."""


@dataclass(frozen=True)
class Migration:
    """What :func:`migrate` did."""

    head: str
    """The revision the database is at now."""
    applied: list[str]
    """The revisions applied, oldest first."""
    adopted_from: int | None = None
    """The old ``schema_migrations`` version of a database adopted from before Alembic."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code; migrations run on ``connection``."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision(script: ScriptDirectory | None = None) -> str:
    """The newest revision this server knows."""
    head = (script or _scripts()).get_current_head()
    if head is None:  # pragma: no cover - the versions folder ships with the package
        raise DatabaseError("no migrations found in server/migrations/versions")
    return head


def database_revision(conn: Connection) -> str | None:
    """The database's Alembic revision; None when it has none (empty, or from before Alembic)."""
    return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> Migration:
    """Bring the database to the head revision (``kiosk-server init-db``).

    Everything runs in one transaction that holds the migration lock, so a failure leaves the
    database as it was and concurrent runs wait for each other (the second finds nothing to
    do). A database from before Alembic is first adopted as revision 0001.
    """
    script = _scripts()
    head = head_revision(script)
    try:
        with engine.begin() as conn:
            _lock_for_migration(conn)
            try:
                adopted = legacy.adopt(conn, script)
            except legacy.LegacyError as exc:
                raise DatabaseError(str(exc)) from None
            revision = database_revision(conn)
            if revision is not None and not _is_known(script, revision):
                raise DatabaseError(_newer(revision, head))
            config = alembic_config(conn)
            command.upgrade(config, "head")
            applied = list(config.attributes.get("applied", []))
    except SQLAlchemyError as exc:
        raise DatabaseError(f"migration failed: {_short(exc)}") from exc
    for name in applied:
        log.info("applied migration %s", name)
    return Migration(head=head, applied=applied, adopted_from=adopted or None)


def _lock_for_migration(conn: Connection) -> None:
    """Serialise concurrent ``init-db`` runs (SQLite already holds its write lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(727072)"))


def _is_known(script: ScriptDirectory, revision: str) -> bool:
    return any(known.revision == revision for known in script.walk_revisions())


def _newer(revision: str, head: str) -> str:
    return (
        f"the database schema (revision {revision}) is newer than this server knows "
        f"({head}); upgrade the server"
    )


def check_schema(engine: Engine) -> None:
    """Refuse to run against a database that ``init-db`` has not brought up to date."""
    try:
        with engine.connect() as conn:
            conn.execution_options(read_only=True)
            old_version = legacy.legacy_version(conn)
            revision = database_revision(conn)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot open the database: {_short(exc)}") from exc
    script = _scripts()
    head = head_revision(script)
    if old_version:
        raise DatabaseError(
            f"the database schema is at version {old_version} of the migrations before "
            f"Alembic, this server needs revision {head}; run `kiosk-server init-db` to migrate it"
        )
    if revision is None:
        raise DatabaseError("the database is not initialised; run `kiosk-server init-db` first")
    if revision == head:
        return
    if _is_known(script, revision):
        raise DatabaseError(
            f"the database schema is at revision {revision}, this server needs {head}; "
            "run `kiosk-server init-db` to migrate it"
        )
    raise DatabaseError(_newer(revision, head))


def _short(exc: SQLAlchemyError) -> str:
    """The driver's message without SQLAlchemy's SQL dump and background link."""
    original = getattr(exc, "orig", None)
    return str(original if original is not None else exc).strip().splitlines()[0]


def put_key_in_force(
    conn: Connection, kiosk_id: int, device_id: str, public_key: str, reason: str, at: datetime
) -> None:
    """Record that ``public_key`` is the device's from ``at``; the key it had stops then.

    Called in the transaction that binds the key to the kiosk, under that kiosk's row lock.
    """
    end_key(conn, device_id, at, KEY_REPLACED)
    conn.execute(
        kiosk_keys.insert().values(
            device_id=device_id,
            kiosk_id=kiosk_id,
            public_key=public_key,
            reason=reason,
            valid_from=at,
        )
    )


def end_key(conn: Connection, device_id: str, at: datetime, ended_by: str) -> None:
    """The device's key in force, if any, stops being in force at ``at``."""
    conn.execute(
        kiosk_keys.update()
        .where(kiosk_keys.c.device_id == device_id, kiosk_keys.c.valid_until.is_(None))
        .values(valid_until=at, ended_by=ended_by)
    )


def insert_ignore(table: Table, dialect_name: str) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for the connection's backend."""
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def insert_new(conn: Connection, table: Table, **values: Any) -> bool:
    """Insert a row unless a UNIQUE constraint already holds one; True when it was inserted.

    ``RETURNING`` tells the outcome on every backend (``rowcount`` does not: psycopg reports
    -1 for an insert whose primary key SQLAlchemy fetched).
    """
    statement = (
        insert_ignore(table, conn.dialect.name)
        .values(**values)
        .returning(*table.primary_key.columns)
    )
    return conn.execute(statement).first() is not None


def insert_new_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *returning: Column[Any],
    shared: Mapping[str, Any] | None = None,
) -> list[Row[Any]]:
    """Insert each row unless a UNIQUE constraint already holds one; the ``returning`` columns
    of the rows inserted. ``shared``: columns with one value for every row (sent once).

    The rows go in, in order, with one ``INSERT … ON CONFLICT DO NOTHING … RETURNING``, so a
    row that collides with an earlier row of the same call is skipped just as if each had been
    inserted alone, at the cost of one round trip instead of one per row. The rows must all
    have the same keys.

    On SQLite the rows are one ``VALUES`` list handed to the driver (:func:`_sqlite_insert`). On
    PostgreSQL they travel as one JSON array, turned back into rows of the table's own types by
    ``json_populate_recordset`` and inserted in their order (``WITH ORDINALITY``): the statement
    text stays short and the same for any number of rows, so psycopg prepares it once, where a
    ``VALUES`` list of 500 records is 10 000 placeholders for psycopg to rewrite on every call
    (half the server's time per batch), and 21 arrays cost psycopg more to send than one JSON
    text costs ``json.dumps``. Values must then be what JSON carries as such (text, numbers,
    None) or timezone-aware datetimes.
    """
    if not rows:
        return []
    names = tuple(rows[0])
    common = dict(shared or {})
    if conn.dialect.name == "postgresql":
        statement = _json_insert(
            table, names, tuple(common), tuple(column.name for column in returning)
        )
        payload = json.dumps(list(rows), ensure_ascii=False, default=_json_datetime)
        parameters = {f"shared_{i}": value for i, value in enumerate(common.values())}
        return list(conn.execute(statement, {"rows": payload, **parameters}).all())
    if conn.dialect.name == "sqlite":
        return _sqlite_insert(conn, table, names, rows, common, returning)
    statement = insert_ignore(table, conn.dialect.name).returning(*returning)
    return list(conn.execute(statement, [{**row, **common} for row in rows]).all())


def _sqlite_insert(
    conn: Connection,
    table: Table,
    names: tuple[str, ...],
    rows: Sequence[dict[str, Any]],
    shared: dict[str, Any],
    returning: tuple[Column[Any], ...],
) -> list[Row[Any]]:
    """:func:`insert_new_rows` on SQLite: ``INSERT … VALUES (?, …), (?, …) … ON CONFLICT DO
    NOTHING RETURNING …`` handed to the driver with the values already converted by each
    column's type, as SQLAlchemy's "insertmanyvalues" would send them; building that
    statement through SQLAlchemy costs about twice what SQLite then takes to store the rows
    (it makes and converts each row's parameters one by one). As many rows per statement as
    the driver takes parameters (``insertmanyvalues_max_parameters``), in order, so a row that
    collides with one of an earlier statement is skipped as well."""
    dialect = conn.dialect

    def converter(name: str) -> Any:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    # Each converting column with what it made of each value so far: a batch's rows share
    # many of them.
    converting: list[tuple[int, Any, dict[Any, Any]]] = [
        (i, function, {}) for i, name in enumerate(names) if (function := converter(name))
    ]
    tail_values = [
        function(value) if (function := converter(name)) else value
        for name, value in shared.items()
    ]
    quote = dialect.identifier_preparer
    every = (*names, *shared)
    head = (
        f"INSERT INTO {quote.format_table(table)} "
        f"({', '.join(quote.quote(name) for name in every)}) VALUES "
    )
    tail = " ON CONFLICT DO NOTHING RETURNING " + ", ".join(
        quote.quote(column.name) for column in returning
    )
    one = "(" + ", ".join("?" * len(every)) + ")"
    per_statement = max(1, dialect.insertmanyvalues_max_parameters // len(every))
    found: list[Row[Any]] = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        values: list[Any] = []
        for row in chunk:
            row_values = [row[name] for name in names]
            for i, function, made in converting:
                value = row_values[i]
                key = (value.__class__, value)  # 1 and True are equal, but not the same value
                try:
                    row_values[i] = made[key]
                except KeyError:
                    row_values[i] = made[key] = function(value)
                except TypeError:  # not hashable
                    row_values[i] = function(value)
            values.extend(row_values)
            values.extend(tail_values)
        sql = head + ", ".join([one] * len(chunk)) + tail
        found.extend(conn.exec_driver_sql(sql, tuple(values)).all())
    return found


def _json_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be inserted as JSON")


@functools.lru_cache(maxsize=32)
def _json_insert(
    table: Table, names: tuple[str, ...], shared: tuple[str, ...], returning: tuple[str, ...]
) -> Any:
    """``INSERT INTO t (names, shared) SELECT names, :shared_0, … FROM ROWS FROM
    (json_populate_recordset(NULL::t, :rows)) WITH ORDINALITY … ORDER BY ordinality ON
    CONFLICT DO NOTHING RETURNING …``; each shared value cast to its column's type."""
    dialect = postgresql.dialect()
    quote = dialect.identifier_preparer
    target = quote.format_table(table)
    columns = ", ".join(quote.quote(name) for name in (*names, *shared))
    picked = [f"r.{quote.quote(name)}" for name in names]
    picked += [
        f"CAST(:shared_{i} AS {table.c[name].type.compile(dialect=dialect)})"
        for i, name in enumerate(shared)
    ]
    back = ", ".join(quote.quote(name) for name in returning)
    statement = text(
        f"INSERT INTO {target} ({columns}) SELECT {', '.join(picked)} FROM ROWS FROM "
        f"(json_populate_recordset(CAST(NULL AS {target}), CAST(:rows AS json))) "
        f"WITH ORDINALITY AS r ORDER BY r.ordinality ON CONFLICT DO NOTHING RETURNING {back}"
    )
    typed = [bindparam(f"shared_{i}", type_=table.c[name].type) for i, name in enumerate(shared)]
    return statement.bindparams(*typed).columns(*(table.c[name] for name in returning))
