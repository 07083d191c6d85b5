"""Migrations: a fresh database ends up exactly as the tables in ``server.db`` describe."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, select, text

from server.db import (
    SCHEMA_VERSION,
    DatabaseError,
    check_schema,
    make_engine,
    metadata,
    migrate,
    schema_migrations,
)
from tests.server.live import BACKENDS, PG_ENV


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        made = make_engine(f"sqlite:///{tmp_path / 'server.db'}")
        yield made
        made.dispose()
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    made = make_engine(f"{base}?options=-csearch_path%3D{schema}")
    try:
        yield made
    finally:
        made.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_migrated_schema_matches_the_tables(engine: Engine) -> None:
    with pytest.raises(DatabaseError, match="init-db"):
        check_schema(engine)
    assert migrate(engine) == list(range(1, SCHEMA_VERSION + 1))
    assert migrate(engine) == []
    check_schema(engine)

    inspector = inspect(engine)
    assert set(inspector.get_table_names()) == set(metadata.tables)
    for name, table in metadata.tables.items():
        columns = {column["name"] for column in inspector.get_columns(name)}
        assert columns == {column.name for column in table.columns}, name
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("records")} | {
        tuple(i["column_names"]) for i in inspector.get_indexes("records") if i["unique"]
    }
    assert ("uuid",) in uniques
    assert ("device_id", "seq") in uniques
    with engine.connect() as conn:
        versions = conn.execute(select(schema_migrations.c.version)).scalars().all()
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_newer_schema_is_refused(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(
            schema_migrations.insert().values(
                version=SCHEMA_VERSION + 1,
                description="from the future",
                applied_at=datetime.now(UTC),
            )
        )
    with pytest.raises(DatabaseError, match="newer"):
        check_schema(engine)
