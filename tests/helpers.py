"""Small builders shared by tests of different packages."""

from __future__ import annotations

from kiosk.storage import Draft


def draft(**values: object) -> Draft:
    """A rating draft with plausible defaults; override any field by keyword."""
    base: dict[str, object] = {
        "kind": "rating",
        "rating_uuid": None,
        "center_id": "central-service-hall",
        "service_id": "free-canteen",
        "catalog_version": "2026.1",
        "language": "ka",
        "score": 4,
    }
    base.update(values)
    return Draft(**base)  # type: ignore[arg-type]
