"""The keys that work the citizen screens without touching them: a keyboard, a cheap USB
numeric keypad, or a headset's media buttons. Declared once here; docs/accessibility.md shows
the same table (a test compares them).

A numeric keypad sends digits with NumLock on and arrows, Home, End, Insert, Delete and
"Clear" (the 5) with it off; both mean the same here, so the keypad works whichever state it
is in. Its digits never type: in the comment box, only keys *not* on the keypad type.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

Key = Qt.Key


class Action(StrEnum):
    NEXT = "next control"
    PREVIOUS = "previous control"
    DOWN = "control below"
    UP = "control above"
    FIRST = "first control of the screen"
    LAST = "last control of the screen"
    CHOOSE = "choose"
    BACK = "back"
    LOUDER = "louder"
    QUIETER = "quieter"
    LISTEN = "Listen on or off"
    REPEAT = "say again where I am"


@dataclass(frozen=True)
class Binding:
    action: Action
    keys: tuple[Key, ...]
    """Keys from anywhere: a keyboard, the keypad with NumLock off, a headset."""
    keypad: tuple[Key, ...] = ()
    """Keys that count only from the numeric keypad (its digits)."""


BINDINGS: tuple[Binding, ...] = (
    Binding(Action.NEXT, (Key.Key_Tab, Key.Key_Right, Key.Key_MediaNext), (Key.Key_6,)),
    Binding(Action.PREVIOUS, (Key.Key_Backtab, Key.Key_Left, Key.Key_MediaPrevious), (Key.Key_4,)),
    Binding(Action.DOWN, (Key.Key_Down,), (Key.Key_2,)),
    Binding(Action.UP, (Key.Key_Up,), (Key.Key_8,)),
    Binding(Action.FIRST, (Key.Key_Home,), (Key.Key_7,)),
    Binding(Action.LAST, (Key.Key_End,), (Key.Key_1,)),
    Binding(
        Action.CHOOSE,
        (
            Key.Key_Return,
            Key.Key_Enter,
            Key.Key_Space,
            Key.Key_Clear,
            Key.Key_Select,
            Key.Key_MediaPlay,
            Key.Key_MediaTogglePlayPause,
        ),
        (Key.Key_5,),
    ),
    Binding(Action.BACK, (Key.Key_Insert,), (Key.Key_0,)),
    Binding(Action.LOUDER, (Key.Key_Plus, Key.Key_VolumeUp)),
    Binding(Action.QUIETER, (Key.Key_Minus, Key.Key_VolumeDown)),
    Binding(Action.LISTEN, (Key.Key_Asterisk,)),
    Binding(Action.REPEAT, (Key.Key_Slash, Key.Key_Delete), (Key.Key_Period,)),
)

WHILE_TYPING = frozenset(
    {
        Key.Key_Tab,
        Key.Key_Backtab,
        Key.Key_Up,
        Key.Key_Down,
        Key.Key_Return,
        Key.Key_Enter,
        Key.Key_MediaNext,
        Key.Key_MediaPrevious,
        Key.Key_MediaPlay,
        Key.Key_MediaTogglePlayPause,
        Key.Key_VolumeUp,
        Key.Key_VolumeDown,
    }
)
"""In the comment box, the keys (besides the keypad's) that still move or choose; all others
type, or move the text cursor."""

ONCE = frozenset({Action.CHOOSE, Action.BACK, Action.LISTEN, Action.REPEAT})
"""Actions a held key does once, not again with each repeat."""

_SHORTCUT = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)
"""With these held no key is a binding (they are the lockdown's to refuse)."""


def action_for(event: QKeyEvent, typing: bool = False) -> Action | None:
    """What a key press does on a citizen screen; ``typing``: the comment box has the focus."""
    if event.modifiers() & _SHORTCUT:
        return None
    key = event.key()
    on_keypad = bool(event.modifiers() & Qt.KeyboardModifier.KeypadModifier)
    if typing and not on_keypad and key not in WHILE_TYPING:
        return None
    for binding in BINDINGS:
        if key in binding.keys or (on_keypad and key in binding.keypad):
            if event.isAutoRepeat() and binding.action in ONCE:
                return None
            return binding.action
    return None


KEY_NAMES: dict[Key, str] = {
    Key.Key_Tab: "Tab",
    Key.Key_Backtab: "Shift+Tab",
    Key.Key_Right: "→",
    Key.Key_Left: "←",
    Key.Key_Down: "↓",
    Key.Key_Up: "↑",
    Key.Key_Home: "Home",
    Key.Key_End: "End",
    Key.Key_Return: "Enter",
    Key.Key_Enter: "keypad Enter",
    Key.Key_Space: "Space",
    Key.Key_Clear: "Clear",
    Key.Key_Select: "Select",
    Key.Key_Insert: "Insert",
    Key.Key_Delete: "Delete",
    Key.Key_Plus: "+",
    Key.Key_Minus: "−",
    Key.Key_Asterisk: "*",
    Key.Key_Slash: "/",
    Key.Key_MediaNext: "next track",
    Key.Key_MediaPrevious: "previous track",
    Key.Key_MediaPlay: "play",
    Key.Key_MediaTogglePlayPause: "play/pause",
    Key.Key_VolumeUp: "volume up",
    Key.Key_VolumeDown: "volume down",
    Key.Key_Period: ".",
}


def key_table() -> list[tuple[str, str]]:
    """(action, keys) rows, as docs/accessibility.md shows them."""
    rows = []
    for binding in BINDINGS:
        names = [KEY_NAMES[key] for key in binding.keys]
        names += [f"keypad {KEY_NAMES.get(key, chr(key))}" for key in binding.keypad]
        rows.append((binding.action.value, ", ".join(names)))
    return rows
