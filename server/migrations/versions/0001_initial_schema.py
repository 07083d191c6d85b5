"""Initial schema: the tables the migrations before Alembic made (their versions 1 and 2).

Revision ID: 0001
Revises:
Create Date: 2026-11-29

Frozen history: literal types only; never import server.db or common here. Timestamps are
``DateTime(timezone=True)`` (``timestamptz`` on PostgreSQL; the server stores UTC on SQLite).
Integer ids are BIGINT on PostgreSQL and the rowid alias (``INTEGER PRIMARY KEY``) on SQLite.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "centers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name_ka", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "kiosks",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("center_id", sa.String(64), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("device_id", sa.String(64), unique=True),
        sa.Column("public_key", sa.Text()),
        sa.Column("app_version", sa.Text()),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("enrolled_at", TIMESTAMP),
        sa.Column("revoked_at", TIMESTAMP),
        sa.Column("last_seen_at", TIMESTAMP),
        sa.Column("last_heartbeat", sa.Text()),
        sa.Column("last_heartbeat_at", TIMESTAMP),
    )
    op.create_table(
        "enrollment_codes",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", BIG_ID, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP),
        sa.Column("used_by_device", sa.String(64)),
        sa.Column("cancelled_at", TIMESTAMP),
    )
    op.create_table(
        "enroll_failures",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
    )
    op.create_index("enroll_failures_ip_at", "enroll_failures", ["client_ip", "at"])
    op.create_table(
        "catalogs",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(80), nullable=False),
        sa.Column("version", sa.Text()),
        sa.Column("loaded_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(64), nullable=False, unique=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rating_uuid", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("center_id", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Text(), nullable=False),
        sa.Column("catalog_version", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer()),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("kiosk_id", BIG_ID, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("device_id", "seq", name="records_device_seq"),
    )
    op.create_index("records_rating_uuid", "records", ["rating_uuid"])
    op.create_table(
        "rejected_records",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("kiosk_id", BIG_ID, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.Text(), nullable=False),
        sa.Column("uuid", sa.Text()),
        sa.Column("seq", sa.BigInteger()),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("device_id", "fingerprint", name="rejected_device_fingerprint"),
    )
    op.create_index("rejected_device_seq", "rejected_records", ["device_id", "seq"])
    op.create_table(
        "batches",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(128), nullable=False),
        sa.Column("kiosk_id", BIG_ID, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("last_received_at", TIMESTAMP, nullable=False),
        sa.Column("times_received", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("head_seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("head_signature", sa.Text(), nullable=False),
        sa.UniqueConstraint("device_id", "batch_id", name="batches_device_batch"),
    )
    op.create_table(
        "chains",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("kiosk_id", BIG_ID, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("high_water_mark", sa.BigInteger(), nullable=False),
        sa.Column("max_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "chain_breaks",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("expected_prev_hash", sa.String(64), nullable=False),
        sa.Column("actual_prev_hash", sa.String(64), nullable=False),
        sa.Column("detected_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("device_id", "seq", name="chain_breaks_device_seq"),
    )
    op.create_table(
        "imports",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("records_sha256", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("kiosk_id", BIG_ID, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("file_center_id", sa.Text(), nullable=False),
        sa.Column("app_version", sa.Text()),
        sa.Column("exported_at", sa.Text(), nullable=False),
        sa.Column("imported_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
    )
    op.create_index("imports_device", "imports", ["device_id"])


def downgrade() -> None:
    for table in (
        "imports",
        "chain_breaks",
        "chains",
        "batches",
        "rejected_records",
        "records",
        "catalogs",
        "enroll_failures",
        "enrollment_codes",
        "kiosks",
        "centers",
    ):
        op.drop_table(table)
