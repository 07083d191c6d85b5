"""Adopting databases made before Alembic: ``schema_migrations`` at version 1 or 2.

Those migrations called ``create_all`` on the tables of whatever code ran them, so their
schema is known only for released code: version 2 is exactly revision ``0001``; version 1 lacks
the ``imports`` table. :func:`adopt` brings such a database to revision ``0001``'s schema,
stamps it there and drops ``schema_migrations``; Alembic then upgrades it like any other.

Frozen like a revision: literal types only, never ``server.db`` or ``common``.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

log = logging.getLogger("server.migrations")

BASELINE = "0001"
"""The revision whose schema equals the old version 2."""

VERSION_1_TABLES = frozenset(
    {
        "centers",
        "kiosks",
        "enrollment_codes",
        "enroll_failures",
        "catalogs",
        "records",
        "rejected_records",
        "batches",
        "chains",
        "chain_breaks",
    }
)
VERSION_2_TABLES = VERSION_1_TABLES | {"imports"}


class LegacyError(Exception):
    """The old ``schema_migrations`` describes a database this code cannot adopt."""


def legacy_version(conn: Connection) -> int | None:
    """The old schema version of a database not yet under Alembic, else None."""
    inspector = sa.inspect(conn)
    if not inspector.has_table("schema_migrations") or inspector.has_table("alembic_version"):
        return None
    value = conn.execute(sa.text("SELECT max(version) FROM schema_migrations")).scalar()
    return int(value or 0)


def adopt(conn: Connection, script: ScriptDirectory) -> int | None:
    """Bring an old database to revision ``0001`` and stamp it; return its old version.

    Returns None (and changes nothing) for a database that is not an old one. Runs inside the
    caller's transaction.
    """
    version = legacy_version(conn)
    if version is None:
        return None
    tables = set(sa.inspect(conn).get_table_names()) - {"schema_migrations"}
    expected = {0: set(), 1: VERSION_1_TABLES, 2: VERSION_2_TABLES}.get(version)
    if expected is None:
        raise LegacyError(
            f"the database schema is at old version {version}, which this server does not know "
            "(it knows 1 and 2); upgrade the server"
        )
    if tables != expected:
        missing = ", ".join(sorted(expected - tables)) or "none"
        extra = ", ".join(sorted(tables - expected)) or "none"
        raise LegacyError(
            f"the database says old schema version {version} but its tables differ "
            f"(missing: {missing}; unexpected: {extra}); it cannot be migrated automatically"
        )
    context = MigrationContext.configure(conn)
    op = Operations(context)
    log.info("adopting a database at old schema version %d as revision %s", version, BASELINE)
    if version == 0:  # an old init-db that failed before its first step: nothing to keep
        op.drop_table("schema_migrations")
        return version
    if version == 1:
        _create_imports(op)
    _drop_unreleased_channel(conn, op)
    op.drop_table("schema_migrations")
    context.stamp(script, BASELINE)
    return version


def _create_imports(op: Operations) -> None:
    """The table the old step 2 ("imports of export files") made."""
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    timestamp = sa.DateTime(timezone=True)
    op.create_table(
        "imports",
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("records_sha256", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", big_id, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("file_center_id", sa.Text(), nullable=False),
        sa.Column("app_version", sa.Text()),
        sa.Column("exported_at", sa.Text(), nullable=False),
        sa.Column("imported_at", timestamp, nullable=False),
        sa.Column("finished_at", timestamp),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
    )
    op.create_index("imports_device", "imports", ["device_id"])


def _drop_unreleased_channel(conn: Connection, op: Operations) -> None:
    """Drop ``records.channel`` where the old migrations already made it.

    The code of one unreleased commit declared the column before any migration added it, so
    its old steps created it. That code never wrote it (every row holds the default 'kiosk'),
    and revision ``0002`` adds it back with the same default: nothing is lost.
    """
    columns = {column["name"] for column in sa.inspect(conn).get_columns("records")}
    if "channel" not in columns:
        return
    other = conn.execute(
        sa.text("SELECT count(*) FROM records WHERE channel <> 'kiosk'")
    ).scalar_one()
    if other:
        raise LegacyError(
            f"records.channel holds {other} values other than 'kiosk'; "
            "the database cannot be migrated automatically"
        )
    op.drop_column("records", "channel")
