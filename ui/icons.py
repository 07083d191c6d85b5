"""Icons from the Material Design Icons set that QtAwesome ships (Apache 2.0 / OFL).

QtAwesome is imported on the first icon asked for, not with this module: through qtpy it
loads and wraps much of Qt, a good part of the kiosk's start, and Welcome shows no icon.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QIcon

log = logging.getLogger("ui.icons")

FALLBACK = "mdi6.help-circle-outline"


def icon(name: str, color: str) -> QIcon:
    """The named icon, or a neutral fallback when the catalog names one that does not exist."""
    import qtawesome

    try:
        return qtawesome.icon(name, color=color)
    except Exception:  # noqa: BLE001 - qtawesome raises bare Exception for unknown names
        log.warning("unknown icon %r; using %s", name, FALLBACK)
        return qtawesome.icon(FALLBACK, color=color)
