"""Fetching the catalog the server holds for this kiosk's center, and keeping the last good one.

Why "last good one wins": a catalog the kiosk cannot use (invalid, or for another app version)
must never replace the one citizens are rating with. It is refused with a message for staff,
and the file in the data directory stays as it was. The server's ETag is kept so an unchanged
catalog costs a 304 and no body.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from common.catalog import CatalogError, loads_catalog
from kiosk.files import atomic_write
from kiosk.storage import Store
from sync.client import SyncClient

log = logging.getLogger("sync.catalog")

CATALOG_FILE = "catalog.json"
META_CATALOG_ETAG = "sync.catalog_etag"
META_CATALOG_VERSION = "sync.catalog_version"


@dataclass(frozen=True)
class CatalogFetch:
    """What one fetch did: a new ``version`` saved, an ``error`` for staff, or neither."""

    version: str | None = None
    error: str | None = None

    @property
    def updated(self) -> bool:
        return self.version is not None


def fetch_catalog(store: Store, client: SyncClient, path: Path) -> CatalogFetch:
    """Fetch a changed catalog into ``path``, only if this kiosk can use it.

    An unusable catalog does not fail the sync (the ratings are already uploaded): the error
    is returned for the status and the previous file stays in place.
    """
    etag = store.get_meta(META_CATALOG_ETAG) if path.exists() else None
    answer = client.catalog(etag or None)
    if not answer.changed:
        return CatalogFetch()
    try:
        catalog = loads_catalog(answer.body, "catalog from the server")
    except CatalogError as exc:
        message = f"The server's catalog cannot be used; the old one stays: {exc}"
        log.error("%s", message)
        return CatalogFetch(error=message)
    atomic_write(path, answer.body)
    store.set_meta(META_CATALOG_ETAG, answer.etag or "")
    store.set_meta(META_CATALOG_VERSION, catalog.version)
    log.info("new catalog saved (version %s)", catalog.version)
    return CatalogFetch(version=catalog.version)
