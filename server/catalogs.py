"""Service catalogs: one per center, or a default for centers without their own, and every
catalog version ever loaded.

The server keeps the catalog bytes exactly as loaded and serves them with a strong ETag (the
SHA-256 of those bytes), so a kiosk can poll with ``If-None-Match`` for free. From a catalog it
needs what a record may name (:class:`CatalogRules`): the services the center offers, the reason
ids and the languages.

A record says which catalog version the citizen answered (``catalog_version``), and a kiosk may
upload records answered under a version staff have since replaced. So every version loaded is
kept in ``catalog_versions``, and a version names one body for good: loading other content under
a version the server already has is refused ("bump the version"), or records that name it could
no longer be judged by what the citizen saw.

Catalogs are validated with the kiosk's own rules (``common.catalog``, format 1) when staff
load them.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from common.catalog import LANGUAGES, loads_catalog
from common.catalog import CatalogError as KioskCatalogError
from server.db import (
    DEFAULT_CATALOG_SCOPE,
    catalog_versions,
    catalogs,
    centers,
    insert_new,
    utc_now,
)
from server.enrollment import AdminError

log = logging.getLogger("server.catalogs")

MAX_CATALOG_BYTES = 4 * 1024 * 1024
RULES_CACHE_SIZE = 64


@dataclass(frozen=True)
class Catalog:
    body: bytes
    etag: str
    version: str | None


@dataclass(frozen=True)
class CatalogRules:
    """What records answered under one catalog may name."""

    version: str
    services: frozenset[str]
    reasons: frozenset[str]
    languages: frozenset[str]
    """Format 1 has every text in each of ``common.catalog.LANGUAGES``."""


class CatalogError(AdminError):
    """A catalog file that cannot be used."""


def parse_catalog(data: bytes) -> CatalogRules:
    """The rules of a catalog, or :class:`CatalogError` saying what is wrong.

    The kiosk's own validation is used, so the server never hands out a catalog a kiosk
    would refuse.
    """
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(f"the catalog is larger than {MAX_CATALOG_BYTES} bytes")
    try:
        catalog = loads_catalog(data, "catalog")
    except KioskCatalogError as exc:
        raise CatalogError(f"the catalog is not valid: {exc}") from None
    return CatalogRules(
        version=catalog.version,
        services=frozenset(service.id for service in catalog.services),
        reasons=frozenset(catalog.reasons),
        languages=frozenset(LANGUAGES),
    )


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest() + '"'


def store_catalog(engine: Engine, data: bytes, center_id: str | None) -> Catalog:
    """Keep ``data`` as the catalog of ``center_id`` (or the default when None), and its version
    in ``catalog_versions``; other content under a version already loaded is refused."""
    version = parse_catalog(data).version
    etag = etag_of(data)
    body = data.decode("utf-8")
    scope = center_id if center_id is not None else DEFAULT_CATALOG_SCOPE
    now = utc_now()
    with engine.begin() as conn:
        if center_id is not None:
            found = conn.execute(select(centers.c.id).where(centers.c.id == center_id)).first()
            if found is None:
                raise CatalogError(f"there is no center {center_id!r}; add it with add-center")
        _keep_version(conn, version, body, etag, now)
        values = {"body": body, "etag": etag, "version": version, "loaded_at": now}
        if not insert_new(conn, catalogs, scope=scope, **values):
            conn.execute(catalogs.update().where(catalogs.c.scope == scope).values(**values))
    log.info("catalog %s loaded for %s", version, scope)
    return Catalog(data, etag, version)


def _keep_version(conn: Connection, version: str, body: str, etag: str, now: datetime) -> None:
    """Add the version to ``catalog_versions``; the same body again is fine, another is not.

    The primary key decides between concurrent loads, so two different bodies can never both
    become the same version.
    """
    if insert_new(conn, catalog_versions, version=version, body=body, etag=etag, loaded_at=now):
        return
    stored = conn.execute(
        select(catalog_versions.c.etag).where(catalog_versions.c.version == version)
    ).scalar_one()
    if stored != etag:
        raise CatalogError(
            f"catalog version {version!r} was already loaded with other content; records that "
            "name it are judged by that content, so bump the version in the file and load it "
            "again"
        )


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


_rules_cache: dict[str, CatalogRules] = {}
_rules_lock = threading.Lock()


def _rules_of(etag: str, load_body: Callable[[], str]) -> CatalogRules:
    """The rules of the catalog with this ETag, parsed once per process: the ETag is the hash
    of the body, so it names the content. ``load_body`` fetches the body when it is needed."""
    with _rules_lock:
        rules = _rules_cache.get(etag)
    if rules is None:
        rules = parse_catalog(load_body().encode("utf-8"))
        with _rules_lock:
            if len(_rules_cache) >= RULES_CACHE_SIZE:
                _rules_cache.pop(next(iter(_rules_cache)))
            _rules_cache[etag] = rules
    return rules


def center_rules(conn: Connection, center_id: str) -> CatalogRules | None:
    """The rules of the center's current catalog (its own, else the default); None: none."""
    rows = conn.execute(
        select(catalogs.c.scope, catalogs.c.etag).where(
            catalogs.c.scope.in_([center_id, DEFAULT_CATALOG_SCOPE])
        )
    ).all()
    by_scope = {row.scope: row.etag for row in rows}
    scope = center_id if center_id in by_scope else DEFAULT_CATALOG_SCOPE
    etag = by_scope.get(scope)
    if etag is None:
        return None
    query = select(catalogs.c.body).where(catalogs.c.scope == scope)
    return _rules_of(etag, lambda: str(conn.execute(query).scalar_one()))


def version_rules(conn: Connection, version: str) -> CatalogRules | None:
    """The rules of a catalog version the server has had, or None when it never had it."""
    etag = conn.execute(
        select(catalog_versions.c.etag).where(catalog_versions.c.version == version)
    ).scalar()
    if etag is None:
        return None
    query = select(catalog_versions.c.body).where(catalog_versions.c.version == version)
    return _rules_of(etag, lambda: str(conn.execute(query).scalar_one()))


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
