"""Service catalogs: one per center, or a default for centers without their own.

The server keeps the catalog bytes exactly as loaded and serves them with a strong ETag (the
SHA-256 of those bytes), so a kiosk can poll with ``If-None-Match`` for free. From the catalog
it only needs the service ids, to refuse records for services the center does not offer.

Catalogs are validated with the kiosk's own rules (``common.catalog``, format 1) when staff
load them.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from common.catalog import CatalogError as KioskCatalogError
from common.catalog import loads_catalog
from server.db import DEFAULT_CATALOG_SCOPE, catalogs, centers, insert_new, utc_now
from server.enrollment import AdminError

log = logging.getLogger("server.catalogs")

MAX_CATALOG_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Catalog:
    body: bytes
    etag: str
    version: str | None


class CatalogError(AdminError):
    """A catalog file that cannot be used."""


def parse_catalog(data: bytes) -> tuple[str | None, frozenset[str]]:
    """(version, service ids) of a catalog, or :class:`CatalogError` saying what is wrong.

    The kiosk's own validation is used, so the server never hands out a catalog a kiosk
    would refuse.
    """
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(f"the catalog is larger than {MAX_CATALOG_BYTES} bytes")
    try:
        catalog = loads_catalog(data, "catalog")
    except KioskCatalogError as exc:
        raise CatalogError(f"the catalog is not valid: {exc}") from None
    return catalog.version, frozenset(service.id for service in catalog.services)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def store_catalog(engine: Engine, data: bytes, center_id: str | None) -> Catalog:
    """Keep ``data`` as the catalog of ``center_id`` (or the default when None)."""
    version, _services = parse_catalog(data)
    etag = etag_of(data)
    scope = center_id if center_id is not None else DEFAULT_CATALOG_SCOPE
    now = utc_now()
    with engine.begin() as conn:
        if center_id is not None:
            found = conn.execute(select(centers.c.id).where(centers.c.id == center_id)).first()
            if found is None:
                raise CatalogError(f"there is no center {center_id!r}; add it with add-center")
        values = {
            "body": data.decode("utf-8"),
            "etag": etag,
            "version": version,
            "loaded_at": now,
        }
        if not insert_new(conn, catalogs, scope=scope, **values):
            conn.execute(catalogs.update().where(catalogs.c.scope == scope).values(**values))
    log.info("catalog %s loaded for %s", version, scope)
    return Catalog(data, etag, version)


def catalog_for(conn: Connection, center_id: str) -> Catalog | None:
    """The center's own catalog, else the default one, else None."""
    rows = conn.execute(
        select(catalogs.c.scope, catalogs.c.body, catalogs.c.etag, catalogs.c.version).where(
            catalogs.c.scope.in_([center_id, DEFAULT_CATALOG_SCOPE])
        )
    ).all()
    by_scope = {row.scope: row for row in rows}
    row = by_scope.get(center_id) or by_scope.get(DEFAULT_CATALOG_SCOPE)
    if row is None:
        return None
    return Catalog(row.body.encode("utf-8"), row.etag, row.version)


@lru_cache(maxsize=64)
def _service_ids(etag: str, body: bytes) -> frozenset[str]:
    return parse_catalog(body)[1]


def service_ids_for(conn: Connection, center_id: str) -> frozenset[str] | None:
    """The services records of this center may name; None when any is accepted (no catalog)."""
    catalog = catalog_for(conn, center_id)
    if catalog is None:
        return None
    return _service_ids(catalog.etag, catalog.body)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 ``If-None-Match``: ``*`` or any listed tag (weak comparison) matches."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        if candidate.strip().removeprefix("W/") == bare:
            return True
    return False
