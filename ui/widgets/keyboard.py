"""On-screen keyboard for the kiosk: Georgian, English and a numbers/symbols page.

Kiosks have no physical keyboard, and Qt Virtual Keyboard neither has a Georgian layout nor
works without Qt Quick, so this is a plain Qt Widgets keyboard. A tap never moves the focus to
a key, so the text field being edited keeps its cursor (only the arrow keys of a keypad reach
the keys, for a citizen who types by moving over them); text is inserted at that cursor
directly rather than through synthetic key events, which keeps the length limit and the undo
history predictable.

Key geometry is computed here, not by a ``QLayout``: every key of a page is sized from one key
unit so rows line up; keys are as wide as the keyboard's width allows (it spans the screen),
as high as ``key_size`` asks when there is room, and shrink down to a floor (``min_key_size``)
when there is not; ``minimumSizeHint`` tells the parent layout that floor, so the keyboard
never makes a window taller than its screen.

Holding Backspace for a second deletes the word before the cursor, and one more word each
further second; Backspace never repeats character by character.
"""

from __future__ import annotations

import logging
from functools import partial

import shiboken6
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
)

from ui import i18n
from ui.i18n import _
from ui.widgets.keyboard_layouts import LAYOUTS, LETTER_LAYOUTS, Key, layout_units

__all__ = ["OnScreenKeyboard"]

log = logging.getLogger(__name__)

TextTarget = QLineEdit | QPlainTextEdit

KEY_OBJECT_NAME = "keyboardKey"
SPECIAL_KEY_OBJECT_NAME = "keyboardSpecialKey"

# Visible labels of the keys that switch pages. They name a script or a language in that
# language itself, so they are not translated.
_LANGUAGE_KEY_LABEL = {"ka": "ENG", "en": "ქართ"}  # on the Georgian page, offer English
_LETTERS_KEY_LABEL = {"ka": "აბგ", "en": "ABC"}
_DIGITS_KEY_LABEL = "123"

_MIN_FONT_PX = 9
LETTER_SHARE = 0.45
"""Unless told otherwise, a letter is this share of the preferred key height."""
LETTER_MAX_SHARE = 0.6
"""A letter never takes more of its key's height than this."""
LETTER_WIDTH_SHARE = 0.9
"""A letter takes at most this share of its key's width (a wide one, like ლ, is drawn a
little smaller than the others rather than touching the key's edges)."""
MIN_KEY_WIDTH_PX = 28
"""Keys never need to be wider than this for the keyboard to fit a narrow screen."""
HOLD_MS = 1000
"""Holding Backspace this long deletes a word (and one more word per further period)."""

ShiftState = str  # "off" | "once" | "locked"


class KeyButton(QPushButton):
    """A key: no focus from a tap, no autorepeat, styled by object name and ``keyRole``.

    The style sheet draws the key (background, border, text colour); the keyboard sizes the
    label, because a style sheet's one ``font-size`` cannot suit keys of every width. Backspace
    and Shift draw a vector glyph in the text colour: the bundled fonts have no such symbols.

    A key keeps its last drawing: the comment screen shows some forty keys at once, and
    drawing one through the style sheet costs far more than copying it.
    """

    def __init__(self, key: Key, parent: QWidget) -> None:
        super().__init__(parent)
        self.key = key
        self.glyph = ""
        self.label = ""
        self.label_font = QFont()
        self._drawn: tuple[tuple[object, ...], QPixmap] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAutoRepeat(False)
        self.setAutoDefault(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setObjectName(KEY_OBJECT_NAME if key.role == "char" else SPECIAL_KEY_OBJECT_NAME)
        self.setProperty("keyRole", key.role)

    def board(self) -> OnScreenKeyboard:
        """The keyboard this key belongs to."""
        page = self.parentWidget()
        assert isinstance(page, _KeyPage)
        return page.keyboard

    def set_label(self, text: str, accessible_name: str | None = None) -> None:
        """Show ``text`` (and name the key); skips work when nothing changes."""
        if self.label != text:
            self.label = text
            self.setText(text.replace("&", "&&"))  # a lone & would become a mnemonic
        if accessible_name is not None and self.accessibleName() != accessible_name:
            self.setAccessibleName(accessible_name)

    def place(self, rect: QRect, font: QFont) -> None:
        """Move and resize the key and set its label font, only if they change."""
        if self.minimumWidth() > rect.width() or self.minimumHeight() > rect.height():
            self.setMinimumSize(0, 0)  # a style sheet min-height must not make rows overlap
        if self.geometry() != rect:
            self.setGeometry(rect)
        if self.key.role == "char":
            font = _narrowed(font, self.label, rect.width() * LETTER_WIDTH_SHARE)
        if self.label_font != font:
            self.label_font = QFont(font)
            self.update()

    def set_glyph(self, glyph: str) -> None:
        if glyph != self.glyph:
            self.glyph = glyph
            self.update()

    def changeEvent(self, event: QEvent) -> None:
        """A new style sheet or palette changes how the key looks: draw it afresh."""
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            self._drawn = None
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = ""
        color = self.palette().color(QPalette.ColorRole.ButtonText)
        ratio = self.devicePixelRatioF()
        look = (
            int(option.state.value),
            self.size(),
            ratio,
            self.label,
            self.glyph,
            self.label_font.key(),
            color.rgba(),
        )
        if self._drawn is None or self._drawn[0] != look:
            drawing = QPixmap(self.size() * ratio)
            drawing.setDevicePixelRatio(ratio)
            drawing.fill(Qt.GlobalColor.transparent)
            self._draw(QStylePainter(drawing, self), option, color)
            self._drawn = (look, drawing)
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._drawn[1])
        painter.end()

    def _draw(self, painter: QStylePainter, option: QStyleOptionButton, color: QColor) -> None:
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)
        area = QRectF(self.rect())
        if self.isDown():
            area.translate(0, 1)
        if self.glyph:
            side = min(area.width(), area.height()) * 0.46
            box = QRectF(0, 0, side, side)
            box.moveCenter(area.center())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            _paint_glyph(painter, box, self.glyph, color)
        elif self.label:
            painter.setFont(self.label_font)
            painter.setPen(color)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.label)
        painter.end()


def _paint_glyph(painter: QPainter, box: QRectF, glyph: str, color: QColor) -> None:
    """Draw the Backspace or Shift symbol into ``box`` (a square)."""
    s = box.width()

    def pt(x: float, y: float) -> QPointF:
        return QPointF(box.left() + x * s, box.top() + y * s)

    pen = QPen(color, max(1.5, s * 0.085))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if glyph == "backspace":
        outline = QPainterPath(pt(0.04, 0.5))
        for x, y in ((0.32, 0.2), (0.96, 0.2), (0.96, 0.8), (0.32, 0.8)):
            outline.lineTo(pt(x, y))
        outline.closeSubpath()
        cross = QPainterPath(pt(0.5, 0.37))
        cross.lineTo(pt(0.76, 0.63))
        cross.moveTo(pt(0.76, 0.37))
        cross.lineTo(pt(0.5, 0.63))
        painter.drawPath(outline)
        painter.drawPath(cross)
        return
    # Shift: an outlined arrow when off, filled for one capital, filled with a bar when locked.
    bottom = 0.72 if glyph == "shift_locked" else 0.92
    arrow = QPainterPath(pt(0.5, 0.06))
    for x, y in ((0.94, 0.5), (0.71, 0.5), (0.71, bottom), (0.29, bottom), (0.29, 0.5)):
        arrow.lineTo(pt(x, y))
    arrow.lineTo(pt(0.06, 0.5))
    arrow.closeSubpath()
    if glyph in ("shift_once", "shift_locked"):
        painter.setBrush(color)
    painter.drawPath(arrow)
    if glyph == "shift_locked":
        bar = QPainterPath(pt(0.29, 0.9))
        bar.lineTo(pt(0.71, 0.9))
        painter.drawPath(bar)


class _KeyPage(QWidget):
    """One layout's keys; places them from a single key unit whenever it is resized."""

    def __init__(self, name: str, keyboard: OnScreenKeyboard) -> None:
        super().__init__(keyboard)
        self.name = name
        self.keyboard = keyboard
        self.units = layout_units(name)
        self.rows: list[list[KeyButton]] = [
            [KeyButton(key, self) for key in row] for row in LAYOUTS[name]
        ]

    def buttons(self) -> list[KeyButton]:
        return [button for row in self.rows for button in row]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange()

    def arrange(self) -> None:
        kb = self.keyboard
        spacing, margin = kb.spacing(), kb.spacing()
        n_rows = len(self.rows)
        avail_w = self.width() - 2 * margin
        avail_h = self.height() - 2 * margin
        unit = max(1.0, (avail_w - (self.units - 1) * spacing) / self.units)
        key_h = (avail_h - (n_rows - 1) * spacing) / n_rows
        key_h = max(1.0, min(key_h, float(kb.key_size())))
        block_w = self.units * unit + (self.units - 1) * spacing
        block_h = n_rows * key_h + (n_rows - 1) * spacing
        x0 = (self.width() - block_w) / 2
        y = (self.height() - block_h) / 2
        letter_font = self.letter_font(key_h, unit)
        for row in self.rows:
            row_units = sum(b.key.width for b in row)
            x = x0 + (block_w - (row_units * unit + (row_units - 1) * spacing)) / 2
            top, bottom = round(y), round(y + key_h)
            for button in row:
                w = button.key.width * unit + (button.key.width - 1) * spacing
                left, right = round(x), round(x + w)
                rect = QRect(left, top, right - left, bottom - top)
                if button.key.role == "char":
                    button.place(rect, letter_font)
                else:
                    button.place(rect, _fitted_font(kb.font(), button.label, rect.width(), key_h))
                x += w + spacing
            y += key_h + spacing

    def letter_font(self, key_h: float, unit: float) -> QFont:
        """The letters' font: the keyboard's letter size, unless the keys are too low or too
        narrow for it. One size for the page, so the letters look even; only the very widest
        letter (ლ, m) is narrowed further on its own key."""
        font = QFont(self.keyboard.font())
        size = max(_MIN_FONT_PX, min(self.keyboard.letter_px(), round(key_h * LETTER_MAX_SHARE)))
        font.setPixelSize(size)
        letters = [b.label for b in self.buttons() if b.key.role == "char" and b.label]
        while size > _MIN_FONT_PX:
            metrics = QFontMetrics(font)
            widths = sorted((metrics.horizontalAdvance(c) for c in letters), reverse=True)
            if len(widths) < 2 or widths[1] <= unit * LETTER_WIDTH_SHARE:
                break
            size -= 1
            font.setPixelSize(size)
        return font


def _narrowed(font: QFont, text: str, room: float) -> QFont:
    """``font``, made smaller until ``text`` is at most ``room`` px wide."""
    size = font.pixelSize()
    if not text or QFontMetrics(font).horizontalAdvance(text) <= room:
        return font
    font = QFont(font)
    while size > _MIN_FONT_PX and QFontMetrics(font).horizontalAdvance(text) > room:
        size -= 1
        font.setPixelSize(size)
    return font


def _fitted_font(base: QFont, text: str, width: float, height: float) -> QFont:
    """A font for a special key's label: about a third of the key high, shrunk to fit."""
    font = QFont(base)
    size = max(_MIN_FONT_PX, round(height * 0.34))
    font.setPixelSize(size)
    if not text:
        return font
    room = width * 0.86
    while size > _MIN_FONT_PX and QFontMetrics(font).horizontalAdvance(text) > room:
        size -= 1
        font.setPixelSize(size)
    return font


class OnScreenKeyboard(QWidget):
    """Touch keyboard typing into a ``QLineEdit`` or ``QPlainTextEdit`` target.

    ``key_size`` is the preferred key size in pixels (the kiosk passes at least 15 mm worth);
    keys shrink down to ``min_key_size`` (default 60 %, about 9 mm) when a row does not fit.
    The layout (``"ka"``, ``"en"`` or ``"digits"``) defaults to the current UI language.

    Signals: ``keyTyped(str)`` for every key that edits (the text typed, ``" "`` for Space,
    ``"\\b"`` for Backspace), ``layoutChanged(str)`` with the new layout name,
    ``shiftChanged(str)`` when Shift is tapped (with the new state), and ``limitReached()``
    when a character is refused because the length limit is reached.
    """

    keyTyped = Signal(str)
    layoutChanged = Signal(str)
    limitReached = Signal()
    shiftChanged = Signal(str)

    def __init__(
        self,
        key_size: int = 64,
        parent: QWidget | None = None,
        *,
        min_key_size: int | None = None,
        layout: str | None = None,
    ) -> None:
        super().__init__(parent)
        if key_size < 1:
            raise ValueError(f"key_size must be a positive number of pixels, got {key_size}")
        if min_key_size is None:
            min_key_size = max(1, round(key_size * 0.6))
        if not 1 <= min_key_size <= key_size:
            raise ValueError(
                f"min_key_size must be between 1 and key_size ({key_size}), got {min_key_size}"
            )
        self._key_size = key_size
        self._min_key_size = min_key_size
        self._letter_px = round(key_size * LETTER_SHARE)
        self._spacing = max(2, round(key_size * 0.08))
        self._target: TextTarget | None = None
        self._max_length: int | None = None
        self._shift: ShiftState = "off"
        if layout is None:
            layout = "ka" if i18n.language() == "ka" else "en"
        self._check_layout(layout)
        self._layout = layout
        self._letters_layout = layout if layout in LETTER_LAYOUTS else "ka"
        self.setObjectName("onScreenKeyboard")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._held = False
        """Set when a held Backspace deleted a word: its release then types nothing."""
        self._hold = QTimer(self)
        self._hold.setInterval(HOLD_MS)
        self._hold.timeout.connect(self._held_backspace)
        self._pages = {name: _KeyPage(name, self) for name in LAYOUTS}
        for page in self._pages.values():
            for button in page.buttons():
                button.clicked.connect(partial(self._on_key, button.key))
                if button.key.role == "backspace":
                    button.pressed.connect(self._backspace_pressed)
                    button.released.connect(self._hold.stop)
            page.setVisible(page.name == layout)
        self._refresh_labels()
        self.retranslate()

    # -- public API ----------------------------------------------------------------------

    def set_target(self, widget: TextTarget | None) -> None:
        """Type into ``widget`` from now on (``None``: keys only emit ``keyTyped``)."""
        if widget is not None and not isinstance(widget, QLineEdit | QPlainTextEdit):
            raise TypeError(
                f"keyboard target must be a QLineEdit or QPlainTextEdit, got {type(widget)!r}"
            )
        self._target = widget

    def target(self) -> TextTarget | None:
        if self._target is not None and not shiboken6.isValid(self._target):
            self._target = None
        return self._target

    def set_max_length(self, length: int | None) -> None:
        """Limit the target's length in characters (``None``: no limit of our own).

        Needed for ``QPlainTextEdit``, which has no limit of its own; for a ``QLineEdit`` the
        stricter of this and its ``maxLength()`` applies.
        """
        if length is not None and length < 0:
            raise ValueError(f"max length must be >= 0 or None, got {length}")
        self._max_length = length

    def max_length(self) -> int | None:
        return self._max_length

    def set_layout(self, name: str) -> None:
        """Show layout ``name`` ("ka", "en" or "digits"); emits ``layoutChanged`` if it changes."""
        self._check_layout(name)
        if name == self._layout:
            return
        self._layout = name
        if name in LETTER_LAYOUTS:
            self._letters_layout = name
        self._shift = "off"
        for page_name, page in self._pages.items():
            page.setVisible(page_name == name)
        self._refresh_labels()
        log.debug("keyboard layout %s", name)
        self.layoutChanged.emit(name)

    def layout(self) -> str:  # type: ignore[override]
        """The current layout name.

        Deliberately replaces ``QWidget.layout()``: the keyboard places its keys itself and
        never has a ``QLayout``.
        """
        return self._layout

    def shift_state(self) -> str:
        """``"off"``, ``"once"`` (next letter is a capital) or ``"locked"``."""
        return self._shift

    def key_size(self) -> int:
        return self._key_size

    def letter_px(self) -> int:
        """The letters' pixel size when the keys have their preferred height."""
        return self._letter_px

    def set_key_size(
        self, key_size: int, min_key_size: int | None = None, letter_px: int | None = None
    ) -> None:
        """Change the preferred key height, the floor and the letters' size when the window's
        size class or the citizen's "Aa" changes."""
        if key_size < 1:
            raise ValueError(f"key_size must be a positive number of pixels, got {key_size}")
        if min_key_size is None:
            min_key_size = max(1, round(key_size * 0.6))
        min_key_size = max(1, min(min_key_size, key_size))
        letter_px = letter_px or round(key_size * LETTER_SHARE)
        sizes = (key_size, min_key_size, letter_px)
        if sizes == (self._key_size, self._min_key_size, self._letter_px):
            return
        self._key_size, self._min_key_size, self._letter_px = sizes
        self._spacing = max(2, round(key_size * 0.08))
        self.updateGeometry()
        for page in self._pages.values():
            page.arrange()

    def reset(self, layout: str) -> None:
        """Back to ``layout`` with Shift off, for the next citizen."""
        self._hold.stop()
        self._held = False
        self.set_layout(layout)
        if self._shift != "off":
            self._shift = "off"
            self._refresh_labels()

    def min_key_size(self) -> int:
        return self._min_key_size

    def spacing(self) -> int:
        return self._spacing

    def keys(self) -> list[KeyButton]:
        """The keys of the current layout, row by row."""
        return list(self._pages[self._layout].buttons())

    def retranslate(self) -> None:
        """Re-read the translated names of the special keys (after a language change)."""
        self.setAccessibleName(_("On-screen keyboard"))
        names = {
            "backspace": _("Backspace"),
            "space": _("Space"),
            "shift": _("Shift"),
            "digits": _("Numbers and symbols"),
            "letters": _("Letters"),
        }
        switch_to = {"ka": _("Switch to English"), "en": _("Switch to Georgian")}
        for page in self._pages.values():
            for button in page.buttons():
                role = button.key.role
                if role == "language":
                    name = switch_to[page.name]
                elif role in names:
                    name = names[role]
                else:
                    continue
                if button.accessibleName() != name:
                    button.setAccessibleName(name)
                    button.setToolTip(name)
                if role == "space":
                    button.set_label(name)
            page.arrange()

    # -- size ----------------------------------------------------------------------------

    def _extent(self, key_w: int, key_h: int) -> QSize:
        units = max(page.units for page in self._pages.values())
        rows = max(len(page.rows) for page in self._pages.values())
        s = self._spacing
        width = units * key_w + (units - 1) * s + 2 * s
        height = rows * key_h + (rows - 1) * s + 2 * s
        return QSize(round(width), round(height))

    def sizeHint(self) -> QSize:
        return self._extent(self._key_size, self._key_size)

    def minimumSizeHint(self) -> QSize:
        """Keys may get narrow (Georgian has 13 to a row) before they get low."""
        return self._extent(min(self._min_key_size, MIN_KEY_WIDTH_PX), self._min_key_size)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        for page in self._pages.values():
            page.setGeometry(self.rect())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            for page in self._pages.values():
                page.arrange()

    # -- keys ----------------------------------------------------------------------------

    @staticmethod
    def _check_layout(name: str) -> None:
        if name not in LAYOUTS:
            raise ValueError(f"unknown keyboard layout {name!r}; expected one of {list(LAYOUTS)}")

    def _char_of(self, key: Key) -> str:
        if self._layout == "en" and self._shift != "off" and key.char.isalpha():
            return key.char.upper()
        return key.char

    def _refresh_labels(self) -> None:
        """Update labels that depend on the shift state and the last letters layout."""
        for page in self._pages.values():
            for button in page.buttons():
                role = button.key.role
                if role == "char":
                    text = (
                        self._char_of(button.key) if page.name == self._layout else button.key.char
                    )
                    button.set_label(text, accessible_name=text)
                elif role == "language":
                    button.set_label(_LANGUAGE_KEY_LABEL[page.name])
                elif role == "digits":
                    button.set_label(_DIGITS_KEY_LABEL)
                elif role == "letters":
                    button.set_label(_LETTERS_KEY_LABEL[self._letters_layout])
                elif role == "backspace":
                    button.set_glyph("backspace")
                elif role == "shift":
                    self._show_shift(button)
        self._pages[self._layout].arrange()

    def _show_shift(self, button: KeyButton) -> None:
        button.set_glyph("shift" if self._shift == "off" else f"shift_{self._shift}")
        if not button.isCheckable():
            button.setCheckable(True)
        if button.isChecked() != (self._shift != "off"):
            button.setChecked(self._shift != "off")
        if button.property("shiftState") != self._shift:
            # A dynamic property for the style sheet: QPushButton[shiftState="locked"] { ... }
            button.setProperty("shiftState", self._shift)
            button.style().unpolish(button)
            button.style().polish(button)

    def _on_key(self, key: Key, *_signal_args: object) -> None:
        role = key.role
        if role == "char":
            text = self._char_of(key)
            if self._insert(text) and self._shift == "once" and key.char.isalpha():
                self._shift = "off"
                self._refresh_labels()
        elif role == "space":
            self._insert(" ")
        elif role == "backspace":
            if self._held:  # the hold already deleted a word; the release types nothing
                self._held = False
            else:
                self._backspace()
        elif role == "shift":
            self._shift = {"off": "once", "once": "locked", "locked": "off"}[self._shift]
            self._refresh_labels()
            self.shiftChanged.emit(self._shift)
        elif role == "language":
            self.set_layout("en" if self._layout == "ka" else "ka")
        elif role == "digits":
            self.set_layout("digits")
        elif role == "letters":
            self.set_layout(self._letters_layout)

    def _limit(self, target: TextTarget) -> int | None:
        limits = [self._max_length] if self._max_length is not None else []
        if isinstance(target, QLineEdit):
            limits.append(target.maxLength())
        return min(limits) if limits else None

    def _insert(self, text: str) -> bool:
        """Insert ``text`` at the target's cursor; False if refused (read-only or too long)."""
        target = self.target()
        if target is None:
            self.keyTyped.emit(text)
            return True
        if target.isReadOnly():
            return False
        if isinstance(target, QLineEdit):
            current, selected = len(target.text()), len(target.selectedText())
        else:
            current = len(target.toPlainText())
            selected = len(target.textCursor().selectedText())
        limit = self._limit(target)
        if limit is not None and current - selected + len(text) > limit:
            self.limitReached.emit()
            return False
        if isinstance(target, QLineEdit):
            target.insert(text)
        else:
            cursor = target.textCursor()
            cursor.insertText(text)
            target.setTextCursor(cursor)
            target.ensureCursorVisible()
        self.keyTyped.emit(text)
        return True

    def _backspace_pressed(self) -> None:
        self._held = False
        self._hold.start()

    def _held_backspace(self) -> None:
        """Backspace held for :data:`HOLD_MS`: delete the word before the cursor."""
        self._held = True
        target = self.target()
        if target is not None:
            if target.isReadOnly():
                return
            if isinstance(target, QLineEdit):
                target.cursorWordBackward(True)
                target.backspace()
            else:
                cursor = target.textCursor()
                cursor.movePosition(
                    QTextCursor.MoveOperation.PreviousWord, QTextCursor.MoveMode.KeepAnchor
                )
                cursor.removeSelectedText()
                target.setTextCursor(cursor)
                target.ensureCursorVisible()
        self.keyTyped.emit("\b")

    def _backspace(self) -> None:
        target = self.target()
        if target is not None:
            if target.isReadOnly():
                return
            if isinstance(target, QLineEdit):
                target.backspace()
            else:
                cursor = target.textCursor()
                cursor.deletePreviousChar()
                target.setTextCursor(cursor)
                target.ensureCursorVisible()
        self.keyTyped.emit("\b")
