"""Qt settings made by name reach the same enum values the ``Qt`` namespace names."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from ui.qt_names import centre_text, set_by_name, take_tab_focus


def test_named_settings_are_the_enum_values(qtbot):
    button, text = QPushButton(), QLabel()
    qtbot.addWidget(button)
    qtbot.addWidget(text)
    take_tab_focus(button)
    centre_text(text)
    assert button.focusPolicy() == Qt.FocusPolicy.TabFocus
    assert text.alignment() == Qt.AlignmentFlag.AlignCenter


@pytest.mark.parametrize(("name", "value"), [("focusPolicy", "Sideways"), ("no such", "x")])
def test_a_name_qt_does_not_know_is_refused(qtbot, name, value):
    button = QPushButton()
    qtbot.addWidget(button)
    with pytest.raises(ValueError, match=name):
        set_by_name(button, name, value)
