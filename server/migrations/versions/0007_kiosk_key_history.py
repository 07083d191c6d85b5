"""Every public key each device has had (kiosk_keys), and the signature of each imported export
file with the seqs it vouches for (imports), so the audit can check every signed head.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-20

Frozen history: literal types only; never import server.db or common here. The history begins
with the key each kiosk holds now ('migration'), in force from its last enrollment (from when
an import made an offline entry, for those); the keys it had before are not known. Files
imported before this revision keep no signature.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kiosk_keys",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", BIG_ID, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("valid_from", TIMESTAMP, nullable=False),
        sa.Column("valid_until", TIMESTAMP),
        sa.Column("ended_by", sa.String(16)),
    )
    op.create_index("kiosk_keys_device", "kiosk_keys", ["device_id", "valid_from"])
    # Web chains (status 'web') hold the server's own key, which is never replaced.
    op.execute(
        "INSERT INTO kiosk_keys (device_id, kiosk_id, public_key, reason, valid_from) "
        "SELECT device_id, id, public_key, 'migration', COALESCE(enrolled_at, created_at) "
        "FROM kiosks WHERE device_id IS NOT NULL AND public_key IS NOT NULL "
        "AND status <> 'web'"
    )
    with op.batch_alter_table("imports") as batch:
        batch.add_column(sa.Column("public_key", sa.Text(), nullable=True))
        batch.add_column(sa.Column("signature", sa.Text(), nullable=True))
        batch.add_column(sa.Column("seqs", sa.Text(), nullable=True))
        batch.add_column(sa.Column("head_seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("head_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_column("head_hash")
        batch.drop_column("head_seq")
        batch.drop_column("seqs")
        batch.drop_column("signature")
        batch.drop_column("public_key")
    op.drop_index("kiosk_keys_device", "kiosk_keys")
    op.drop_table("kiosk_keys")
