"""The full catalog a center's web pages ask from (names, question, reasons per score),
parsed once per process per catalog body."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.engine import Connection

from common.catalog import Catalog, loads_catalog
from server.catalogs import catalog_for
from server.db import DEFAULT_CATALOG_SCOPE, catalogs, centers

_cache: dict[str, Catalog] = {}
_lock = threading.Lock()
CACHE_SIZE = 16


def center_catalog(conn: Connection, center_id: str) -> Catalog | None:
    """The center's catalog (its own, else the default), or None when it has none."""
    stored = catalog_for(conn, center_id)
    if stored is None:
        return None
    with _lock:
        found = _cache.get(stored.etag)
    if found is None:
        found = loads_catalog(stored.body, "catalog")
        with _lock:
            if len(_cache) >= CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            _cache[stored.etag] = found
    return found


def rated_centers(conn: Connection) -> list[tuple[str, str, str]]:
    """(id, Georgian name, English name) of every center with a catalog, by id."""
    default = select(catalogs.c.scope).where(catalogs.c.scope == DEFAULT_CATALOG_SCOPE)
    has_default = conn.execute(default).first()
    scoped = set(conn.execute(select(catalogs.c.scope)).scalars())
    rows = conn.execute(
        select(centers.c.id, centers.c.name_ka, centers.c.name_en).order_by(centers.c.id)
    ).all()
    return [
        (row.id, row.name_ka, row.name_en)
        for row in rows
        if has_default is not None or row.id in scoped
    ]
