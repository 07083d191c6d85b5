"""A hash of each batch's content, so a batch id reused for other content is always refused.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Frozen history: literal types only; never import server.db or common here. Batches received
before this revision have no hash; a replay of one of them is compared by head and record
count, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("content_sha256")
