"""The web channel: shared server keys, one-time code batches and their hashed codes, daily
address salts and the open channel's rate-limit counts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14

Frozen history: literal types only; never import server.db or common here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "server_keys",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "web_code_batches",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("center_id", sa.String(64), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("service_id", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP),
        sa.Column("created_by", BIG_ID, sa.ForeignKey("users.id")),
    )
    op.create_table(
        "web_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("batch_id", BIG_ID, sa.ForeignKey("web_code_batches.id"), nullable=False),
        sa.Column("spent", sa.Integer(), nullable=False),
    )
    op.create_index("web_codes_batch", "web_codes", ["batch_id", "spent"])
    op.create_table(
        "web_address_salts",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("salt", sa.String(64), nullable=False),
    )
    op.create_table(
        "web_rate_counts",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("window_start", TIMESTAMP, primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_rate_counts")
    op.drop_table("web_address_salts")
    op.drop_index("web_codes_batch", "web_codes")
    op.drop_table("web_codes")
    op.drop_table("web_code_batches")
    op.drop_table("server_keys")
