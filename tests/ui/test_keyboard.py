"""On-screen keyboard: typing into real text widgets by clicking and touching its keys."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics, QPalette, QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.flow import Step
from tests.ui.conftest import app_font_size
from tests.ui.screenshots import settle
from ui import i18n
from ui.widgets.keyboard import HOLD_MS, KeyButton, OnScreenKeyboard
from ui.widgets.keyboard_layouts import GEORGIAN_LETTERS, LAYOUTS

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "widgets"
KEY_SIZE = 60  # about 15 mm on a 21.5" full-HD panel


@pytest.fixture(scope="module", autouse=True)
def large_font(qapp: QApplication) -> Iterator[None]:
    with app_font_size(qapp, 24):
        yield


@pytest.fixture
def english(ui_language: None) -> None:
    i18n.set_language("en")


def make_keyboard(qtbot, layout: str = "ka", width: int = 900) -> OnScreenKeyboard:
    kb = OnScreenKeyboard(KEY_SIZE, layout=layout)
    qtbot.addWidget(kb)
    kb.resize(width, kb.sizeHint().height())
    with qtbot.waitExposed(kb):
        kb.show()
    return kb


def key(kb: OnScreenKeyboard, name: str) -> QPushButton:
    """The visible key whose accessible name is ``name`` (exactly one must exist)."""
    matches = [
        b for b in kb.findChildren(QPushButton) if b.isVisibleTo(kb) and b.accessibleName() == name
    ]
    assert len(matches) == 1, f"expected one visible key named {name!r}, found {len(matches)}"
    return matches[0]


def tap(qtbot, kb: OnScreenKeyboard, name: str) -> None:
    qtbot.mouseClick(key(kb, name), Qt.MouseButton.LeftButton)


def type_chars(qtbot, kb: OnScreenKeyboard, text: str) -> None:
    for ch in text:
        tap(qtbot, kb, "Space" if ch == " " else ch)


def visible_keys(kb: OnScreenKeyboard) -> list[QPushButton]:
    return [b for b in kb.findChildren(QPushButton) if b.isVisibleTo(kb)]


def test_georgian_word_lands_in_plain_text_edit(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "ka")
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    kb.set_target(edit)
    typed: list[str] = []
    kb.keyTyped.connect(typed.append)

    type_chars(qtbot, kb, "გამარჯობა მადლობა")

    assert edit.toPlainText() == "გამარჯობა მადლობა"
    assert "".join(typed) == "გამარჯობა მადლობა"
    assert kb.layout() == "ka"


def test_english_capitals_with_shift(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "en")
    edit = QLineEdit()
    qtbot.addWidget(edit)
    kb.set_target(edit)

    tap(qtbot, kb, "Shift")
    assert kb.shift_state() == "once"
    assert key(kb, "H").text() == "H"
    type_chars(qtbot, kb, "Hi")  # one-shot shift: only the first letter is a capital
    assert kb.shift_state() == "off"

    tap(qtbot, kb, "Space")
    tap(qtbot, kb, "Shift")
    tap(qtbot, kb, "Shift")  # second press locks
    assert kb.shift_state() == "locked"
    type_chars(qtbot, kb, "OK")
    tap(qtbot, kb, "Shift")
    type_chars(qtbot, kb, "ok")

    assert edit.text() == "Hi OKok"


def test_digits_page_and_back_to_letters(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "ka")
    edit = QLineEdit()
    qtbot.addWidget(edit)
    kb.set_target(edit)

    type_chars(qtbot, kb, "ფასი")
    tap(qtbot, kb, "Space")
    tap(qtbot, kb, "Numbers and symbols")
    assert kb.layout() == "digits"
    type_chars(qtbot, kb, "12.50₾ (-3%)! 0?")
    tap(qtbot, kb, "Letters")

    assert edit.text() == "ფასი 12.50₾ (-3%)! 0?"
    assert kb.layout() == "ka"  # back to the letters layout we came from
    tap(qtbot, kb, "Switch to English")
    tap(qtbot, kb, "Numbers and symbols")
    assert key(kb, "Letters").text() == "ABC"
    tap(qtbot, kb, "Letters")
    assert kb.layout() == "en"


def test_digits_page_has_the_promised_characters(qtbot) -> None:
    kb = make_keyboard(qtbot, "digits")
    names = {b.accessibleName() for b in visible_keys(kb)}
    assert set("0123456789.,?!-():;\"'₾") <= names


@pytest.mark.parametrize("widget_type", [QLineEdit, QPlainTextEdit])
def test_backspace_and_insert_at_cursor(qtbot, english: None, widget_type: type) -> None:
    kb = make_keyboard(qtbot, "ka")
    edit = widget_type()
    qtbot.addWidget(edit)
    kb.set_target(edit)

    def text() -> str:
        return edit.text() if isinstance(edit, QLineEdit) else edit.toPlainText()

    def set_cursor(position: int) -> None:
        if isinstance(edit, QLineEdit):
            edit.setCursorPosition(position)
        else:
            cursor = edit.textCursor()
            cursor.setPosition(position)
            edit.setTextCursor(cursor)

    type_chars(qtbot, kb, "აბგ")
    tap(qtbot, kb, "Backspace")
    assert text() == "აბ"

    set_cursor(1)
    tap(qtbot, kb, "დ")  # inserts at the cursor, not at the end
    assert text() == "ადბ"
    tap(qtbot, kb, "Backspace")
    tap(qtbot, kb, "Backspace")
    tap(qtbot, kb, "Backspace")  # nothing before the cursor: no change, no error
    assert text() == "ბ"


def test_typing_replaces_the_selection(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "en")
    edit = QPlainTextEdit("abc")
    qtbot.addWidget(edit)
    kb.set_target(edit)
    cursor = edit.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(2, QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)

    tap(qtbot, kb, "x")

    assert edit.toPlainText() == "xc"


def test_line_edit_max_length_is_respected(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "ka")
    edit = QLineEdit()
    edit.setMaxLength(3)
    qtbot.addWidget(edit)
    kb.set_target(edit)
    refused: list[bool] = []
    kb.limitReached.connect(partial(refused.append, True))

    type_chars(qtbot, kb, "აბგდე")
    assert edit.text() == "აბგ"
    assert len(refused) == 2

    edit.clear()
    kb.set_max_length(2)  # the stricter limit wins
    type_chars(qtbot, kb, "აბგ")
    assert edit.text() == "აბ"


def test_plain_text_max_length_is_respected(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "en")
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    kb.set_target(edit)
    kb.set_max_length(4)

    type_chars(qtbot, kb, "abc de")
    assert edit.toPlainText() == "abc "

    cursor = edit.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(1, QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)
    tap(qtbot, kb, "z")  # replacing a selected character stays within the limit
    assert edit.toPlainText() == "zbc "

    with pytest.raises(ValueError, match="max length"):
        kb.set_max_length(-1)


def test_layout_switching_emits_signal(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "ka")

    with qtbot.waitSignal(kb.layoutChanged, timeout=1000) as blocker:
        tap(qtbot, kb, "Switch to English")
    assert blocker.args == ["en"]
    assert kb.layout() == "en"
    assert key(kb, "Switch to Georgian").text() == "ქართ"

    with qtbot.waitSignal(kb.layoutChanged, timeout=1000) as blocker:
        kb.set_layout("digits")
    assert blocker.args == ["digits"]

    with qtbot.assertNotEmitted(kb.layoutChanged):
        kb.set_layout("digits")
    with pytest.raises(ValueError, match="unknown keyboard layout"):
        kb.set_layout("ru")

    with qtbot.waitSignal(kb.layoutChanged, timeout=1000) as blocker:
        tap(qtbot, kb, "Letters")
    assert blocker.args == ["en"]
    assert key(kb, "Switch to Georgian").isVisible()


def test_every_georgian_letter_is_reachable_without_shift(qtbot) -> None:
    assert len(GEORGIAN_LETTERS) == len(set(GEORGIAN_LETTERS)) == 33
    kb = make_keyboard(qtbot, "ka")
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    kb.set_target(edit)

    type_chars(qtbot, kb, GEORGIAN_LETTERS)

    assert edit.toPlainText() == GEORGIAN_LETTERS
    assert kb.layout() == "ka"
    assert not [b for b in visible_keys(kb) if b.property("keyRole") == "shift"]


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_key_has_an_accessible_name(
    qtbot, ui_language: None, layout: str, language: str
) -> None:
    i18n.set_language(language)
    kb = make_keyboard(qtbot, layout)
    kb.retranslate()
    keys = visible_keys(kb)
    assert keys
    names = [b.accessibleName() for b in keys]
    assert all(name.strip() for name in names), names
    assert len(names) == len(set(names)), "two keys share a name"
    for b in keys:
        # the keys of a keypad may move onto a key; a tap never takes the focus from the text
        assert b.focusPolicy() == Qt.FocusPolicy.TabFocus
        assert not b.autoRepeat()
        if b.property("keyRole") == "char":
            assert b.objectName() == "keyboardKey"
            assert isinstance(b, KeyButton)
            assert b.accessibleName() == b.label == b.text().replace("&&", "&")
        else:
            assert b.objectName() == "keyboardSpecialKey"
    assert kb.accessibleName()


def test_backspace_and_shift_draw_their_symbols(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "en")
    backspace, shift = key(kb, "Backspace"), key(kb, "Shift")
    assert backspace.text() == shift.text() == ""  # no font has these symbols: drawn as paths

    def ink(button: QPushButton) -> int:
        image = button.grab().toImage()
        colour = button.palette().color(QPalette.ColorRole.ButtonText)
        centre = QRect(0, 0, button.width() // 2, button.height() // 2)
        centre.moveCenter(button.rect().center())
        return sum(
            1
            for y in range(centre.top(), centre.bottom() + 1)
            for x in range(centre.left(), centre.right() + 1)
            if abs(image.pixelColor(x, y).lightness() - colour.lightness()) < 40
        )

    assert ink(backspace) > 20
    outline = ink(shift)
    tap(qtbot, kb, "Shift")
    assert shift.isChecked()
    assert ink(shift) > outline * 1.5  # engaged Shift shows a filled arrow


def test_special_keys_are_translated(qtbot, ui_language: None) -> None:
    i18n.set_language("en")
    kb = make_keyboard(qtbot, "en")
    assert key(kb, "Space").text() == "Space"

    i18n.set_language("ka")
    kb.retranslate()

    assert key(kb, "წაშლა").property("keyRole") == "backspace"
    assert key(kb, "ჰარი").text() == "ჰარი"
    assert key(kb, "ქართულ განლაგებაზე გადართვა").text() == "ქართ"
    assert key(kb, "ციფრები და სიმბოლოები").text() == "123"


def test_default_layout_follows_ui_language(qtbot, ui_language: None) -> None:
    i18n.set_language("en")
    english_kb = OnScreenKeyboard(KEY_SIZE)
    qtbot.addWidget(english_kb)
    i18n.set_language("ka")
    georgian_kb = OnScreenKeyboard(KEY_SIZE)
    qtbot.addWidget(georgian_kb)

    assert english_kb.layout() == "en"
    assert georgian_kb.layout() == "ka"


def test_touch_press_types_a_key(qtbot) -> None:
    kb = make_keyboard(qtbot, "ka")
    edit = QLineEdit()
    qtbot.addWidget(edit)
    kb.set_target(edit)
    device = QTest.createTouchDevice()
    button = key(kb, "ბ")
    centre = button.rect().center()

    with qtbot.waitSignal(kb.keyTyped, timeout=1000) as blocker:
        QTest.touchEvent(button, device, False).press(0, centre, button).commit()
        QTest.touchEvent(button, device, False).release(0, centre, button).commit()

    assert blocker.args == ["ბ"]
    assert edit.text() == "ბ"


def test_target_keeps_focus(qtbot, english: None) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    column = QVBoxLayout(window)
    edit = QLineEdit()
    kb = OnScreenKeyboard(KEY_SIZE, layout="en")
    column.addWidget(edit)
    column.addWidget(kb)
    kb.set_target(edit)
    window.resize(900, 400)
    with qtbot.waitExposed(window):
        window.show()
    window.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=1000)

    type_chars(qtbot, kb, "ok")
    tap(qtbot, kb, "Numbers and symbols")

    assert edit.text() == "ok"
    assert edit.hasFocus()


def test_read_only_and_missing_targets(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "en")
    read_only = QLineEdit("fixed")
    read_only.setReadOnly(True)
    qtbot.addWidget(read_only)
    kb.set_target(read_only)
    tap(qtbot, kb, "a")
    tap(qtbot, kb, "Backspace")
    assert read_only.text() == "fixed"

    kb.set_target(None)
    with qtbot.waitSignal(kb.keyTyped, timeout=1000) as blocker:
        tap(qtbot, kb, "b")
    assert blocker.args == ["b"]

    with pytest.raises(TypeError, match="QLineEdit or QPlainTextEdit"):
        kb.set_target(QWidget())  # type: ignore[arg-type]


def test_deleted_target_is_forgotten(qtbot, english: None) -> None:
    kb = make_keyboard(qtbot, "en")
    parent = QWidget()
    edit = QLineEdit(parent)
    kb.set_target(edit)
    parent.deleteLater()
    qtbot.waitUntil(lambda: kb.target() is None, timeout=1000)

    with qtbot.waitSignal(kb.keyTyped, timeout=1000):
        tap(qtbot, kb, "c")


def test_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="key_size"):
        OnScreenKeyboard(0)
    with pytest.raises(ValueError, match="min_key_size"):
        OnScreenKeyboard(40, min_key_size=50)


# A style sheet as an app might write it: one large font and a generous minimum for buttons.
BIG_BUTTONS = "QPushButton { font-size: 48px; min-height: 90px; min-width: 90px; padding: 12px; }"


@pytest.mark.parametrize("styled", [False, True], ids=["plain", "styled"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize(("width", "height"), [(720, 1280), (1920, 1080)])
def test_keyboard_fits_window(qtbot, layout: str, width: int, height: int, styled: bool) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    if styled:
        window.setStyleSheet(BIG_BUTTONS)
    column = QVBoxLayout(window)
    column.addStretch(1)
    kb = OnScreenKeyboard(KEY_SIZE, layout=layout)
    column.addWidget(kb)
    window.resize(width, height)
    with qtbot.waitExposed(window):
        window.show()

    assert kb.minimumSizeHint().width() <= 720 - 2 * column.contentsMargins().left()
    assert kb.width() <= width
    area = kb.rect()
    keys = visible_keys(kb)
    rects = [QRect(b.mapTo(kb, QPoint(0, 0)), b.size()) for b in keys]
    for b, r in zip(keys, rects, strict=True):
        assert r.width() >= kb.min_key_size(), (b.accessibleName(), r)
        assert r.height() >= kb.min_key_size(), (b.accessibleName(), r)
        assert area.contains(r), (b.accessibleName(), r, area)
    for i, first in enumerate(rects):
        for second in rects[i + 1 :]:
            assert not first.intersects(second), (first, second)
    # Key labels are not wider than their keys.
    for b in keys:
        assert isinstance(b, KeyButton)
        assert QFontMetrics(b.label_font).horizontalAdvance(b.label) <= b.width(), b.label


@pytest.mark.parametrize("width", [720, 1920])
def test_save_keyboard_pictures(qtbot, english: None, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for layout in ("ka", "en", "digits"):
        window = QWidget()
        qtbot.addWidget(window)
        column = QVBoxLayout(window)
        kb = OnScreenKeyboard(KEY_SIZE, layout=layout)
        column.addWidget(kb)
        window.resize(width, kb.sizeHint().height() + 24)
        with qtbot.waitExposed(window):
            window.show()
        if layout == "en":
            tap(qtbot, kb, "Shift")  # show the engaged Shift key and capitals
        path = ARTIFACTS / f"keyboard-{layout}-{width}.png"
        assert window.grab().save(str(path))
        assert path.stat().st_size > 0


@pytest.mark.parametrize("widget_type", [QPlainTextEdit, QLineEdit])
def test_holding_backspace_deletes_a_word_not_a_storm_of_letters(
    qtbot, english: None, widget_type: type
) -> None:
    kb = make_keyboard(qtbot, "en")
    edit = widget_type()
    qtbot.addWidget(edit)
    kb.set_target(edit)
    type_chars(qtbot, kb, "warm soup")
    text = edit.toPlainText if isinstance(edit, QPlainTextEdit) else edit.text
    typed: list[str] = []
    kb.keyTyped.connect(typed.append)

    backspace = key(kb, "Backspace")
    qtbot.mousePress(backspace, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: text() != "warm soup", timeout=3000)
    assert text() == "warm "  # the whole word, at once
    qtbot.mouseRelease(backspace, Qt.MouseButton.LeftButton)
    assert text() == "warm "  # letting go deletes nothing more
    assert typed == ["\b"]
    assert not backspace.autoRepeat()

    tap(qtbot, kb, "Backspace")  # a short tap deletes one character, as always
    assert text() == "warm"


def test_a_tap_on_backspace_deletes_one_letter_and_never_starts_the_hold(
    qtbot, english: None
) -> None:
    kb = make_keyboard(qtbot, "en")
    edit = QLineEdit()
    qtbot.addWidget(edit)
    kb.set_target(edit)
    type_chars(qtbot, kb, "tea cup")
    backspace = key(kb, "Backspace")
    qtbot.mousePress(backspace, Qt.MouseButton.LeftButton)
    qtbot.mouseRelease(backspace, Qt.MouseButton.LeftButton)
    assert edit.text() == "tea cu"
    # The hold timer is stopped on release: waiting past it changes nothing.
    with qtbot.assertNotEmitted(kb.keyTyped, wait=HOLD_MS + 300):
        pass
    assert edit.text() == "tea cu"


OLD_KEY_PX = 59
"""Key height before: one touch target (15 mm at the test screen's 100 dpi)."""


def _comment_keyboard(make_kiosk, size) -> OnScreenKeyboard:
    kiosk = make_kiosk(size=size)
    kiosk.flow.start()
    kiosk.clock.advance(1)
    kiosk.flow.choose("free-canteen")
    kiosk.clock.advance(1)
    kiosk.flow.rate(5)
    kiosk.qtbot.waitUntil(lambda: kiosk.flow.step is Step.REASONS)
    kiosk.clock.advance(1)
    kiosk.flow.skip()
    assert kiosk.flow.step is Step.COMMENT
    settle()
    return kiosk.window.current_screen().keyboard


@pytest.mark.parametrize("size", [(720, 1280), (600, 1024), (1080, 1920)], ids=str)
def test_portrait_keys_are_tall_with_large_letters(make_kiosk, size) -> None:
    kb = _comment_keyboard(make_kiosk, size)
    keys = kb.keys()
    assert min(k.height() for k in keys) >= 1.3 * OLD_KEY_PX
    letters = [k for k in keys if k.key.role == "char"]
    assert min(k.label_font.pixelSize() for k in letters) >= 24
    # The keys use the whole width: the keyboard runs from edge to edge of the window.
    assert kb.width() == kb.window().width()


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800), (1024, 600)], ids=str)
def test_landscape_keyboard_spans_the_usable_width(make_kiosk, size) -> None:
    kb = _comment_keyboard(make_kiosk, size)
    keys = kb.keys()
    rects = [QRect(k.mapTo(kb, QPoint(0, 0)), k.size()) for k in keys]
    left = min(r.left() for r in rects)
    right = max(r.right() for r in rects)
    assert kb.width() == kb.window().width()
    assert right - left >= kb.width() - 4 * kb.spacing()
    letters = [k for k in keys if k.key.role == "char"]
    assert min(k.label_font.pixelSize() for k in letters) >= 24
    assert min(k.height() for k in keys) >= OLD_KEY_PX
