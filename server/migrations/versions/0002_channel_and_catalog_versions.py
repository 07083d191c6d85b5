"""How each record arrived (records.channel) and every catalog version ever loaded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Frozen history: literal types only; never import server.db or common here.

``catalog_versions`` starts with the versions the ``catalogs`` table holds now. Two scopes may
hold the same version; the one loaded first is kept (the earliest ``loaded_at``, then the
smallest scope), and a version already present is left alone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(
            sa.Column("channel", sa.String(16), nullable=False, server_default="kiosk")
        )
    op.create_table(
        "catalog_versions",
        sa.Column("version", sa.Text(), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO catalog_versions (version, body, etag, loaded_at) "
        "SELECT c.version, c.body, c.etag, c.loaded_at FROM catalogs AS c "
        "WHERE c.version IS NOT NULL AND NOT EXISTS ("
        " SELECT 1 FROM catalogs AS earlier WHERE earlier.version = c.version"
        " AND (earlier.loaded_at < c.loaded_at"
        " OR (earlier.loaded_at = c.loaded_at AND earlier.scope < c.scope))) "
        "ON CONFLICT (version) DO NOTHING"
    )


def downgrade() -> None:
    op.drop_table("catalog_versions")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("channel")
