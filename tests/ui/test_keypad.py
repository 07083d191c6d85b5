"""The key map: what each key does, where it types instead, and that docs/accessibility.md
shows exactly the map the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from ui.guide import ARMED_S
from ui.keypad import Action, action_for, key_table
from ui.speech import amplitude

DOC = Path(__file__).resolve().parents[2] / "docs" / "accessibility.md"
K = Qt.Key
M = Qt.KeyboardModifier


def event(key: Qt.Key, modifiers=M.NoModifier, repeat: bool = False) -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, key, modifiers, "", repeat)


@pytest.mark.parametrize(
    ("key", "modifiers", "action"),
    [
        (K.Key_6, M.KeypadModifier, Action.NEXT),
        (K.Key_Right, M.KeypadModifier, Action.NEXT),  # the same key with NumLock off
        (K.Key_5, M.KeypadModifier, Action.CHOOSE),
        (K.Key_Clear, M.KeypadModifier, Action.CHOOSE),
        (K.Key_0, M.KeypadModifier, Action.BACK),
        (K.Key_Insert, M.KeypadModifier, Action.BACK),
        (K.Key_Backtab, M.ShiftModifier, Action.PREVIOUS),
        (K.Key_MediaTogglePlayPause, M.NoModifier, Action.CHOOSE),
        (K.Key_VolumeUp, M.NoModifier, Action.LOUDER),
        (K.Key_6, M.NoModifier, None),  # a digit above the letters is not the keypad's
        (K.Key_Return, M.ControlModifier, None),
        (K.Key_A, M.NoModifier, None),
    ],
)
def test_what_a_key_does(key, modifiers, action):
    assert action_for(event(key, modifiers)) is action


@pytest.mark.parametrize(
    ("key", "modifiers", "action"),
    [
        (K.Key_Space, M.NoModifier, None),
        (K.Key_Left, M.NoModifier, None),
        (K.Key_Minus, M.NoModifier, None),
        (K.Key_Asterisk, M.NoModifier, None),
        (K.Key_Delete, M.NoModifier, None),
        (K.Key_Minus, M.KeypadModifier, Action.QUIETER),
        (K.Key_2, M.KeypadModifier, Action.DOWN),
        (K.Key_Down, M.NoModifier, Action.DOWN),
        (K.Key_Tab, M.NoModifier, Action.NEXT),
        (K.Key_Return, M.NoModifier, Action.CHOOSE),
    ],
)
def test_in_the_comment_box_a_keyboard_types_and_the_keypad_moves(key, modifiers, action):
    assert action_for(event(key, modifiers), typing=True) is action


def test_a_held_key_moves_on_but_chooses_once():
    assert action_for(event(K.Key_Right, repeat=True)) is Action.NEXT
    assert action_for(event(K.Key_Return, repeat=True)) is None


def doc_key_table() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("| Action | Keys |") :]
    rows = []
    for line in section.splitlines()[2:]:
        if not line.startswith("|"):
            break
        action, keys = (cell.strip() for cell in line.strip("|").split("|"))
        rows.append((action, keys))
    return rows


def test_the_documented_keys_are_the_keys():
    assert doc_key_table() == key_table()


def test_the_documented_numbers_are_the_numbers():
    text = DOC.read_text(encoding="utf-8")
    assert f"within **{ARMED_S:g} seconds**" in text
    assert re.search(r"AMPLITUDE 20 × the volume \(1 to 10, so 20 to 200", text)
    assert (amplitude(1), amplitude(10)) == (20, 200)
