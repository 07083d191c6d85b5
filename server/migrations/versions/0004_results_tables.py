"""The results side: staff users and their sessions, login failures, the audit log, comment
moderation, the roll-ups of ratings (with how far they have read) and published snapshots.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Frozen history: literal types only; never import server.db or common here. Timestamps are
``DateTime(timezone=True)``; integer ids are BIGINT on PostgreSQL and the rowid alias on
SQLite, as in 0001. The roll-ups start empty: the first refresh reads every stored record.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("disabled_at", TIMESTAMP),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
    )
    op.create_index("sessions_user", "sessions", ["user_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
    )
    op.create_index("login_failures_ip_at", "login_failures", ["client_ip", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("users.id")),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_table(
        "comment_moderation",
        sa.Column("record_uuid", sa.String(64), primary_key=True),
        sa.Column("hidden", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", BIG_ID, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "rollup_ratings",
        sa.Column("service_id", sa.Text(), primary_key=True),
        sa.Column("center_id", sa.Text(), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("burst", sa.Integer(), primary_key=True),
        sa.Column("score", sa.Integer(), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rollup_reasons",
        sa.Column("service_id", sa.Text(), primary_key=True),
        sa.Column("center_id", sa.Text(), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("burst", sa.Integer(), primary_key=True),
        sa.Column("band", sa.String(4), primary_key=True),
        sa.Column("reason_id", sa.Text(), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rollup_hours",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("burst", sa.Integer(), primary_key=True),
        sa.Column("weekday", sa.Integer(), primary_key=True),
        sa.Column("hour", sa.Integer(), primary_key=True),
        sa.Column("score", sa.Integer(), primary_key=True),
        sa.Column("count", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "rollup_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("last_record_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("taken_at", TIMESTAMP, nullable=False),
        sa.Column("max_record_id", sa.BigInteger(), nullable=False),
        sa.Column("chain_heads", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "snapshots",
        "rollup_state",
        "rollup_hours",
        "rollup_reasons",
        "rollup_ratings",
        "comment_moderation",
        "audit_log",
        "login_failures",
        "sessions",
        "users",
    ):
        op.drop_table(table)
