"""Listen mode and keys: what lets a citizen who cannot see or read the screen, or cannot touch
it, rate all the same.

- **Keys** (a keyboard, a USB numeric keypad, a headset's buttons; see :mod:`ui.keypad`) move
  between the controls in their visual order and choose them. Once a citizen has pressed a key,
  each screen opens with its first control focused, and a two-colour ring shows where the
  focus is.
- **Listen** speaks, in the citizen's language, where they are and every control they reach.
  By touch it works as screen readers do: the first tap on a control only says what it is and
  does; a second tap on the same control within :data:`ARMED_S` seconds uses it. By keys,
  moving speaks and Enter uses it at once. What was chosen is confirmed aloud, "Saved" only
  once the writer has committed it.

Speech goes to a :class:`~ui.speech.SpeechSink`, which never blocks; it stops whenever the
screen changes. Everything else here runs on the GUI thread and touches no disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QScrollBar,
    QWidget,
)

from kiosk.flow import Flow, Step
from ui.focus import FocusRing, controls_in, neighbour, reading_order
from ui.keypad import Action, action_for
from ui.metrics import Metrics
from ui.narration import How, Narrator, Utterance, say
from ui.screens.base import Screen
from ui.screens.welcome import WelcomeScreen
from ui.speech import VOLUME_STEPS, SpeechSink
from ui.widgets.swipe import SWIPE_THRESHOLD_PX, SwipeArea

if TYPE_CHECKING:
    from ui.kiosk_view import KioskView

ARMED_S = 5.0
"""A second tap on the same control within this many seconds uses it."""
MOUSE_EVENTS = (
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseButtonRelease,
)


@dataclass(frozen=True)
class Seen:
    """What the guide last saw of the flow, to tell what changed."""

    step: Step
    language: str
    listen: bool
    large_text: bool
    selected: tuple[str, ...]
    prompt: bool
    saving: bool

    @classmethod
    def of(cls, flow: Flow) -> Seen:
        return cls(
            flow.step,
            flow.language,
            flow.listen,
            flow.large_text,
            tuple(flow.selected),
            flow.prompt_deadline is not None,
            flow.saving,
        )


class Guide(QObject):
    """Acts only while citizens are at the screen (staff pages keep their keys and taps).

    Keys reach it through the window's own application-wide filter (:meth:`key`); taps only
    matter while Listen is on, so only then does it filter the application's events itself:
    the rest of the time a tap costs it nothing."""

    def __init__(self, window: KioskView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.flow = window.flow
        self.narrator = Narrator(window)
        self.sink: SpeechSink | None = None
        self.default_volume = 6
        self.volume = 6
        self.how = How.TOUCH
        self.keys_used = False
        """This citizen has pressed a key: screens open with their first control focused."""
        self._armed: tuple[QWidget, float] | None = None
        self._pending: tuple[QWidget, QPointF] | None = None
        self._seen: Seen | None = None
        self._held: int | None = None
        """The screen's words wait for the session's commits; ``flow.landed`` had this many
        records when it opened."""
        self._ring: FocusRing | None = None
        self._ring_width = 4
        self._placed: QWidget | None = None
        """The control this guide last gave the focus to; a focus Qt gave by itself (to the
        first control, as a window opens) does not count as the citizen's."""
        window.screens.when_made(self._screen_made)
        window.header.quieter.clicked.connect(self.quieter)
        window.header.louder.clicked.connect(self.louder)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        app.focusChanged.connect(self._focus_changed)
        self._filtering = False
        self._shut = False
        self._filter_taps(self.flow.listen)

    # -- speech ------------------------------------------------------------------------------

    def set_speech(self, sink: SpeechSink | None, default_volume: int) -> None:
        """Offer Listen through ``sink``, or (``None``) not at all: the button goes."""
        if self.sink is not None and sink is not self.sink:
            self.sink.stop()
        self.sink = sink
        self.default_volume = default_volume
        if self.flow.step is Step.WELCOME or not self.flow.listen:
            self.volume = default_volume
        if sink is not None:
            sink.volume = self.volume
        if sink is None and self.flow.listen:
            self.flow.listen = False
        self.window.header.listen_available = sink is not None
        welcome = self.window.screens[Step.WELCOME]
        if isinstance(welcome, WelcomeScreen):
            welcome.set_listen_available(sink is not None)

    def speak(self, text: str, language: str | None = None) -> None:
        if self.sink is not None and text:
            self.sink.speak(text, language or self.flow.language)

    def speak_utterance(self, utterance: Utterance) -> None:
        self.speak(utterance.text, utterance.language)

    def stop(self) -> None:
        if self.sink is not None:
            self.sink.stop()

    def louder(self) -> None:
        self._set_volume(self.volume + 1)

    def quieter(self) -> None:
        self._set_volume(self.volume - 1)

    def _set_volume(self, level: int) -> None:
        if self.sink is None or not self.flow.listen:
            return
        self.volume = max(1, min(VOLUME_STEPS, level))
        self.sink.volume = self.volume
        self.speak(self.narrator.volume(self.volume))

    # -- following the flow ------------------------------------------------------------------

    def show_state(self, flow: Flow) -> None:
        """Called by the window after every change of the flow, once the screen shows it."""
        self._filter_taps(flow.listen)
        seen = Seen.of(flow)
        before, self._seen = self._seen, seen
        if before is None:
            return
        if seen.step != before.step:
            self._new_screen(before.step)
            return
        if self._held is not None and not flow.in_flight:
            held, self._held = self._held, None
            if flow.listen:
                target = self._focused() if self.keys_used else None
                self._say_screen(self.narrator.saved(flow, held), target)
                return
        if seen.listen != before.listen:
            if seen.listen:
                self._listen_on()
            else:
                self.speak(self.narrator.listen_off())
            return
        if seen.saving and not before.saving:
            self.stop()
        if not seen.listen:
            return
        if seen.language != before.language:
            self._say_where()
        elif seen.large_text != before.large_text:
            self.speak(self.narrator.large_text(seen.large_text))
        elif seen.selected != before.selected:
            changed = set(seen.selected) ^ set(before.selected)
            self.speak(" ".join(self.narrator.reason(r, flow) for r in sorted(changed)))
        elif seen.prompt and not before.prompt:
            self.speak(self.narrator.prompt())
        elif before.prompt and not seen.prompt:
            self._say_where()

    def _new_screen(self, before: Step) -> None:
        flow = self.flow
        self.stop()
        self._armed = self._pending = None
        self._held = None
        if flow.step is Step.WELCOME:  # the next citizen: no keys, no Listen, the usual volume
            self.keys_used = False
            self.how = How.TOUCH
            self.volume = self.default_volume
            if self.sink is not None:
                self.sink.volume = self.volume
            self._focus(None)
            return
        target = self.first_control() if self.keys_used else None
        self._focus(target)
        if flow.listen and flow.in_flight:  # "Saved." comes first, once the commit lands
            self._held = len(flow.landed)
        elif flow.listen:
            self._say_screen([], target)

    def _say_screen(self, saved: list[str], target: QWidget | None) -> None:
        """What was just stored, the screen, and (by keys) the control with the focus."""
        self._held = None
        parts = [*saved, self.narrator.screen(self.flow, self.how)]
        if target is not None:
            parts.append(self.narrator.control(target, self.how, self.flow).text)
        self.speak(say(*parts))

    def _listen_on(self) -> None:
        """Listen was just turned on: how it works, where the citizen is, and (by keys) the
        screen's first control, which gets the focus."""
        target = None
        if self.how is How.KEYS:
            target = self.first_control()
            self._focus(target)
        parts = [self.narrator.listen_on(self.how), self.narrator.screen(self.flow, self.how)]
        if target is not None:
            parts.append(self.narrator.control(target, self.how, self.flow).text)
        self.speak(say(*parts))

    def _say_where(self) -> None:
        """The screen again, and (for keys, which act on it) the control with the focus."""
        text = self.narrator.screen(self.flow, self.how)
        focused = self._focused() if self.how is How.KEYS else None
        if focused is not None:
            described = self.narrator.control(focused, self.how, self.flow)
            if described.language == self.flow.language:
                text = say(text, described.text)
        self.speak(text)

    # -- keyboard typing ---------------------------------------------------------------------

    def _typed(self, text: str) -> None:
        if self.flow.listen:
            self.speak(self.narrator.typed(text))

    def _layout_changed(self, name: str) -> None:
        if self.flow.listen and self.flow.step is Step.COMMENT:
            self.speak(self.narrator.layout(name))

    def _shift_changed(self, state: str) -> None:
        if self.flow.listen:
            self.speak(self.narrator.shift(state))

    # -- focus -------------------------------------------------------------------------------

    def apply_metrics(self, metrics: Metrics) -> None:
        self._ring_width = max(3, round(metrics.target / 14))
        if self._ring is not None and shiboken6.isValid(self._ring):
            self._ring.set_width(self._ring_width)

    def ring(self) -> FocusRing:
        """The focus ring (made anew if its last control was deleted, taking it along)."""
        if self._ring is None or not shiboken6.isValid(self._ring):
            self._ring = FocusRing(self.window.citizen_page)
            self._ring.set_width(self._ring_width)
        return self._ring

    def chain(self) -> list[QWidget]:
        """Every control the keys reach now, in reading order: the header, then the screen."""
        page = self.window.citizen_page
        return reading_order(controls_in(page), page)

    def screen_controls(self) -> list[QWidget]:
        screen = self.window.current_screen()
        return [w for w in self.chain() if screen.isAncestorOf(w)]

    def first_control(self) -> QWidget | None:
        """The screen's first control; none on a screen without (thank you), where moving
        the focus to the header would only make Listen say something beside the point."""
        controls = self.screen_controls()
        return controls[0] if controls else None

    def _initial_control(self) -> QWidget | None:
        """Where the first key press lands: on Welcome the Listen button, so a citizen who
        cannot see the screen finds it; elsewhere the screen's first control."""
        listen = self.window.header.listen
        if self.flow.step is Step.WELCOME and listen.isVisible() and not self.flow.listen:
            return listen
        return self.first_control()

    def _focused(self) -> QWidget | None:
        widget = QApplication.focusWidget()
        if widget is not None and self.window.citizen_page.isAncestorOf(widget):
            return widget
        return None

    def _focus(self, widget: QWidget | None) -> None:
        if widget is None:
            focused = self._focused()
            if focused is not None:
                focused.clearFocus()
            self.ring().follow(None)
            return
        self._placed = widget
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        parent = widget.parentWidget()
        while parent is not None:
            if isinstance(parent, QScrollArea) and not isinstance(widget, QPlainTextEdit):
                parent.ensureWidgetVisible(widget)
                break
            parent = parent.parentWidget()
        self._show_ring(widget)

    def _show_ring(self, widget: QWidget | None) -> None:
        shown = widget is not None and (self.keys_used or self.flow.listen)
        self.ring().follow(widget if shown else None)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        inside = new is not None and self.window.citizen_page.isAncestorOf(new)
        self._show_ring(new if inside else None)

    def _announce(self, widget: QWidget) -> None:
        """Say what the keys just reached; the Listen button says so even with Listen off."""
        if self.flow.listen or (widget is self.window.header.listen and self.sink is not None):
            self.speak_utterance(self.narrator.control(widget, How.KEYS, self.flow))

    # -- input -------------------------------------------------------------------------------

    def _filter_taps(self, listening: bool) -> None:
        """Filter the application's taps while Listen is on, and only then."""
        if listening and not self._filtering and not self._shut:
            self._app.installEventFilter(self)
            self._filtering = True
        elif self._filtering and not listening:
            self._app.removeEventFilter(self)
            self._filtering = False

    def key(self, event: QKeyEvent) -> bool:
        """A key pressed anywhere in the application: True when the guide used it."""
        if not self.window.citizens_at_screen() or not self.window.isVisible():
            return False
        return self._key(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in MOUSE_EVENTS and self.flow.listen and self.sink is not None:
            if not isinstance(watched, QWidget) or not self.window.citizens_at_screen():
                return False
            if not self.window.citizen_page.isAncestorOf(watched):
                return False
            assert isinstance(event, QMouseEvent)
            return self._mouse(watched, event)
        return False

    def _key(self, event: QKeyEvent) -> bool:
        if self.window.overlay.isVisible():  # any key means "I'm still here"
            self.flow.keep_alive()
            return True
        focused = self._focused()
        typing = isinstance(focused, QPlainTextEdit)
        action = action_for(event, typing)
        if action is None:
            if typing and self.flow.listen and event.text().isprintable() and event.text():
                self.speak(self.narrator.typed(event.text()))
            return False
        self.flow.touch()
        self.how = How.KEYS
        self.keys_used = True
        if action is Action.LISTEN:
            if self.sink is not None:
                self.flow.toggle_listen()
        elif action is Action.LOUDER:
            self.louder()
        elif action is Action.QUIETER:
            self.quieter()
        elif action is Action.REPEAT:
            if self.flow.listen:
                self._say_where()
        elif action is Action.BACK:
            back = self.window.header.back
            if back.isVisible() and back.isEnabled():
                back.click()
        elif focused is None or focused is not self._placed or focused not in self.chain():
            self._move_to(self._initial_control())
        elif action is Action.CHOOSE:
            self._choose(focused)
        else:
            self._move(action, focused)
        return True

    def _screen_made(self, step: Step, screen: Screen) -> None:
        """The comment screen's keyboard speaks its keys (screens are made as first needed)."""
        if step is Step.COMMENT:
            from ui.screens.comment import CommentScreen

            assert isinstance(screen, CommentScreen)
            screen.keyboard.keyTyped.connect(self._typed)
            screen.keyboard.layoutChanged.connect(self._layout_changed)
            screen.keyboard.shiftChanged.connect(self._shift_changed)

    def _choose(self, control: QWidget) -> None:
        from ui.screens.comment import CommentScreen

        if isinstance(control, QPlainTextEdit):  # done typing: on to "Send"
            comment = self.window.screens[Step.COMMENT]
            assert isinstance(comment, CommentScreen)
            self._move_to(comment.send)
        elif isinstance(control, QAbstractButton):
            control.click()

    def _move(self, action: Action, current: QWidget) -> None:
        chain = self.chain()
        index = chain.index(current)
        if action is Action.NEXT:
            target = chain[(index + 1) % len(chain)]
        elif action is Action.PREVIOUS:
            target = chain[index - 1]
        elif action in (Action.UP, Action.DOWN):
            target = neighbour(current, chain, self.window.citizen_page, action is Action.DOWN)
        else:
            on_screen = self.screen_controls() or chain
            target = on_screen[0] if action is Action.FIRST else on_screen[-1]
        self._move_to(target)

    def _move_to(self, target: QWidget | None) -> None:
        if target is None:
            return
        self._focus(target)
        self._announce(target)

    # -- explore by touch --------------------------------------------------------------------

    def _mouse(self, watched: QWidget, event: QMouseEvent) -> bool:
        """Listen by touch: the first tap on a control says what it is; the second uses it."""
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            target = self._touched(watched)
            if target is None or self._is_armed(target):
                self._pending = None
                return False
            self._pending = (target, event.globalPosition())
            area = _swipe_area(watched)
            if area is not None:
                area.swipe.begin(event)  # a swipe still scrolls the list
            self.flow.touch()
            return True
        if kind == QEvent.Type.MouseButtonDblClick:
            return self._pending is not None
        if self._pending is None:  # a release that uses an armed control
            if self._armed is not None:
                self._armed = (self._armed[0], self.flow.clock())
            return False
        (target, start), self._pending = self._pending, None
        if (event.globalPosition() - start).manhattanLength() > SWIPE_THRESHOLD_PX:
            return False  # it was a swipe: the list's scroller has it
        area = _swipe_area(watched)
        if area is not None:
            area.swipe.cancel()
        self._explore(target)
        return True

    def _touched(self, widget: QWidget) -> QWidget | None:
        """The control a touch on ``widget`` is about; None for what acts on the first tap
        (the volume buttons, the "Still there?" prompt, a scroll bar)."""
        window = self.window
        welcome = window.screens[Step.WELCOME]
        if isinstance(welcome, WelcomeScreen) and (
            welcome is widget or welcome.isAncestorOf(widget)
        ):
            return welcome.start  # a tap anywhere on Welcome starts
        current: QWidget | None = widget
        while current is not None and current is not window.citizen_page:
            if current is window.overlay or isinstance(current, QScrollBar):
                return None
            if current in (window.header.quieter, window.header.louder):
                return None
            if isinstance(current, QAbstractButton | QPlainTextEdit):
                return current
            if isinstance(current, QLabel) and current.text():
                return current
            if isinstance(current, Screen) or current is window.header:
                return current
            current = current.parentWidget()
        return None

    def _is_armed(self, target: QWidget) -> bool:
        if self._armed is None:
            return False
        armed, since = self._armed
        if not shiboken6.isValid(armed) or armed is not target:
            return False
        return self.flow.clock() - since <= ARMED_S

    def _explore(self, target: QWidget) -> None:
        self.how = How.TOUCH
        acts = isinstance(target, QAbstractButton | QPlainTextEdit)
        self._armed = (target, self.flow.clock()) if acts else None
        if acts and target.focusPolicy() & Qt.FocusPolicy.TabFocus:
            self._focus(target)
        self.speak_utterance(self.narrator.control(target, How.TOUCH, self.flow))

    # -- lifetime ----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Leave the application alone (it may outlive the window, as in tests); twice is
        harmless (closing the window and the app both call it)."""
        if self._shut:
            return
        self._filter_taps(False)
        self._shut = True
        self._app.focusChanged.disconnect(self._focus_changed)
        self.stop()


def _swipe_area(widget: QWidget) -> SwipeArea | None:
    parent: QWidget | None = widget
    while parent is not None:
        if isinstance(parent, SwipeArea):
            return parent
        parent = parent.parentWidget()
    return None
