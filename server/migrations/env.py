"""Alembic's environment for the server database, run by :func:`server.db.migrate`.

It never opens a connection of its own: the caller passes one in ``config.attributes
["connection"]``, already inside the transaction that holds the migration lock, so every
revision applies in that one transaction (see Alembic's cookbook, "Sharing a Connection across
one or more programmatic migration commands"). On SQLite, ``render_as_batch`` makes
``batch_alter_table`` copy and swap a table where SQLite cannot ``ALTER`` it.

Only this file knows the live tables (``target_metadata``, for autogenerate); the revisions
under ``versions/`` never import them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo

from server.db import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "the server's migrations run only through `kiosk-server init-db` (server.db.migrate), "
        "which passes the database connection"
    )
applied: list[str] = config.attributes.setdefault("applied", [])


def _note_applied(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]
) -> None:
    if step.is_upgrade and not step.is_stamp:
        applied.append(step.up_revision_id or "")


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    on_version_apply=_note_applied,
)
with context.begin_transaction():
    context.run_migrations()
