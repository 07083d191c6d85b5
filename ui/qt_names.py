"""Qt settings made by name, through Qt's own meta-object system, for what Welcome needs
before the first frame.

Why: the first use of Qt for Python's ``Qt`` namespace sets up about 95 enum types, a good
part of the kiosk's start (docs/performance.md), and a bare window never pays for it. A
property set by name is converted by Qt itself, so the first frame does without them;
everything after it may use ``QtCore.Qt`` as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QWidget


def set_by_name(target: QObject, name: str, value: str) -> None:
    """Set the Qt property ``name`` to the enum value named ``value`` (as Qt spells it)."""
    if not target.setProperty(name, value):
        raise ValueError(f"{type(target).__name__} cannot set {name} to {value}")


def take_tab_focus(widget: QWidget) -> None:
    """Keys reach the widget; a tap leaves the focus where it was."""
    set_by_name(widget, "focusPolicy", "TabFocus")


def centre_text(label: QLabel) -> None:
    set_by_name(label, "alignment", "AlignCenter")
