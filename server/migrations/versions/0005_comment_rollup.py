"""The comments page's roll-up: one row per comment with its rating's cell, month and moment,
so that a page of the newest comments is read from an index instead of joining raw records.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Frozen history: literal types and literal rules only; never import server.db or common here.
The table is filled here with every comment the roll-ups have already read (both the comment
and its rating at or below the watermark), by the rule the roll-ups follow from now on: a
non-empty comment whose rating (a ``rating`` record with the comment's ``rating_uuid``, from
the same device) is stored, placed in the rating's local month (``created_at`` in UTC plus
``utc_offset_min``). Comments above the watermark are counted by the next refresh.
"""

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
CHUNK = 5000


def upgrade() -> None:
    table = op.create_table(
        "rollup_comments",
        sa.Column("record_id", BIG_ID, primary_key=True),
        sa.Column("record_uuid", sa.String(64), nullable=False),
        sa.Column("service_id", sa.Text(), nullable=False),
        sa.Column("center_id", sa.Text(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("burst", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rated_at", TIMESTAMP, nullable=False),
        sa.Column("utc_offset_min", sa.Integer(), nullable=False),
    )
    op.create_index(
        "rollup_comments_month_rated", "rollup_comments", ["month", "rated_at", "record_id"]
    )
    assert table is not None
    _fill(op.get_bind(), table)


def _fill(conn: sa.engine.Connection, table: sa.Table) -> None:
    """Every comment the roll-ups have read, in chunks of comment ids."""
    watermark = conn.execute(
        sa.text("SELECT last_record_id FROM rollup_state WHERE name = 'records'")
    ).scalar()
    if not watermark:
        return
    sqlite = conn.dialect.name == "sqlite"
    query = sa.text(
        "SELECT c.id, c.uuid, r.service_id, r.center_id, r.channel, r.flags, r.score,"
        " r.created_at, r.utc_offset_min"
        " FROM records AS c JOIN records AS r"
        " ON r.uuid = c.rating_uuid AND r.kind = 'rating' AND r.device_id = c.device_id"
        " WHERE c.kind = 'comment' AND c.comment IS NOT NULL AND c.comment != ''"
        " AND c.id > :after AND c.id <= :watermark AND r.id <= :watermark"
        " ORDER BY c.id LIMIT :size"
    )
    after = 0
    while True:
        rows = conn.execute(query, {"after": after, "watermark": watermark, "size": CHUNK}).all()
        values = [v for v in (_row(row, sqlite) for row in rows) if v is not None]
        if values:
            conn.execute(table.insert(), values)
        if len(rows) < CHUNK:
            return
        after = rows[-1].id


def _row(row: sa.Row, sqlite: bool) -> dict | None:
    try:
        moment = datetime.fromisoformat(row.created_at)
        flags = json.loads(row.flags)
        utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        local = utc.replace(tzinfo=None) + timedelta(minutes=row.utc_offset_min)
    except (ValueError, TypeError, OverflowError):
        return None  # the roll-ups do not count a rating whose time cannot be read
    month = f"{local.year:04d}-{local.month:02d}"
    return {
        "record_id": row.id,
        "record_uuid": row.uuid,
        "service_id": row.service_id,
        "center_id": row.center_id,
        "month": month,
        "channel": row.channel,
        "burst": int("burst" in flags),
        "score": int(row.score),
        "rated_at": utc.replace(tzinfo=None) if sqlite else utc,
        "utc_offset_min": row.utc_offset_min,
    }


def downgrade() -> None:
    op.drop_index("rollup_comments_month_rated", "rollup_comments")
    op.drop_table("rollup_comments")
