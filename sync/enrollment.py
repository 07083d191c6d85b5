"""Enrolling a kiosk with its municipal server: a one-time code, a key, the saved state.

Why under the sync lock: no upload may run while the kiosk changes identity (a batch signed
with the old key could be in flight). Why the bookkeeping is reset but the records are not: a
re-enrolled kiosk may face another server, or one restored from a backup, so what it
remembered of the server (the in-flight batch, the server's mark, the catalog's ETag) is
forgotten; its ratings stay, pending or synced, and the first sync compares the synced ones
with what the server really holds (:mod:`sync.server_view`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import __version__, protocol
from common.records import format_utc
from kiosk.storage import Store
from sync.catalog_fetch import META_CATALOG_ETAG
from sync.client import EnrollmentError, PermanentError, SyncClient
from sync.demo import refuse_demo
from sync.job import META_CLOCK_OFFSET
from sync.keys import Enrollment, KioskFiles
from sync.lock import DirLock
from sync.outbox import META_INFLIGHT
from sync.server_view import META_SERVER_END, META_SERVER_HWM
from sync.status import META_STATUS, SyncStatus

log = logging.getLogger("sync.enrollment")

FORGOTTEN_ON_ENROLL = (META_INFLIGHT, META_SERVER_HWM, META_SERVER_END, META_CATALOG_ETAG)


def enroll(
    data_dir: Path | str,
    server_url: str,
    code: str,
    *,
    ca_bundle: str | None = None,
    client_options: dict[str, Any] | None = None,
    app_version: str = __version__,
) -> Enrollment:
    """Enroll this kiosk with a one-time code: make its key, register it, save the state.

    Raises :class:`sync.lock.SyncBusy`, :class:`EnrollmentError`,
    :class:`sync.client.TransientError` or others from :mod:`sync.client`; on failure the old
    enrollment (if any) is unchanged.
    """
    files = KioskFiles(data_dir)
    bundle = str(Path(ca_bundle).resolve()) if ca_bundle else None
    if bundle and not Path(bundle).is_file():
        raise PermanentError(f"The CA bundle {bundle} does not exist.", code="ca_bundle")
    with DirLock(files.data_dir), Store(files.db_path) as store:
        refuse_demo(store)  # before the server is asked: the code stays unused
        device_id = store.device_id
        key = files.key_for_enrollment()
        client = SyncClient(server_url, ca_bundle=bundle, **(client_options or {}))
        try:
            answer = client.enroll(
                code.strip(), device_id, protocol.public_key_b64(key), app_version
            )
        finally:
            client.close()
        if answer.device_id != device_id:
            raise EnrollmentError(
                "The server answered for another device; enrollment not saved.",
                code="device_mismatch",
            )
        enrollment = Enrollment(
            server_url=client.server_url,
            device_id=device_id,
            center_id=answer.center_id,
            kiosk_name=answer.kiosk_name,
            enrolled_at=format_utc(datetime.now(UTC)),
            ca_bundle=bundle,
        )
        files.commit_enrollment(enrollment)
        for key_name in FORGOTTEN_ON_ENROLL:
            store.set_meta(key_name, "")
        store.set_meta(META_CLOCK_OFFSET, f"{client.clock_offset:.3f}")
        status = SyncStatus(
            state="never", server_url=enrollment.server_url, kiosk_name=enrollment.kiosk_name
        )
        store.set_meta(META_STATUS, status.to_json())
        store.audit("enrolled", f"{enrollment.kiosk_name} at {enrollment.server_url}")
        log.info("enrolled as %s at %s", enrollment.kiosk_name, enrollment.server_url)
        return enrollment
