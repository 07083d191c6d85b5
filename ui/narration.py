"""What Listen mode says, declared once: where the citizen is, what each control is and does,
and what has just been done.

Every sentence comes from the same translations as the screens: the texts a screen shows are
read from the screen itself (its title, question, the catalog's names), and the few sentences
only Listen says are marked here for gettext like any other. A hint says how to act on a
control, for a finger ("Tap again …") or for keys ("Press Enter …"), whichever the citizen is
using.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractButton, QLabel, QPlainTextEdit, QWidget

from kiosk.flow import Flow, Step
from ui import i18n
from ui.i18n import N_, _, ngettext, translate
from ui.screens.base import Screen
from ui.screens.welcome import TITLES, WelcomeScreen
from ui.speech import VOLUME_STEPS
from ui.widgets.smiley import SCALE

if TYPE_CHECKING:
    from ui.kiosk_view import KioskView
    from ui.widgets.keyboard import KeyButton

# The other screens' modules are imported where they are needed, not here: the guide is made
# with the window, and the kiosk's start waits only for Welcome (ui.app.Screens).


class How(StrEnum):
    """How the citizen is moving about, which decides how hints are worded."""

    TOUCH = "touch"
    KEYS = "keys"


@dataclass(frozen=True)
class Utterance:
    text: str
    language: str


HINTS: dict[str, dict[How, str]] = {
    "choose": {How.TOUCH: N_("Tap again to choose."), How.KEYS: N_("Press Enter to choose.")},
    "start": {How.TOUCH: N_("Tap again to start."), How.KEYS: N_("Press Enter to start.")},
    "select": {
        How.TOUCH: N_("Tap again to select it."),
        How.KEYS: N_("Press Enter to select it."),
    },
    "clear": {How.TOUCH: N_("Tap again to clear it."), How.KEYS: N_("Press Enter to clear it.")},
    "turn on": {
        How.TOUCH: N_("Tap again to turn it on."),
        How.KEYS: N_("Press Enter to turn it on."),
    },
    "turn off": {
        How.TOUCH: N_("Tap again to turn it off."),
        How.KEYS: N_("Press Enter to turn it off."),
    },
}
LANGUAGE_HINTS: dict[str, dict[How, str]] = {
    "ka": {
        How.TOUCH: N_("Tap again to switch to Georgian."),
        How.KEYS: N_("Press Enter to switch to Georgian."),
    },
    "en": {
        How.TOUCH: N_("Tap again to switch to English."),
        How.KEYS: N_("Press Enter to switch to English."),
    },
}
"""Spoken in the button's own language, as the button is labelled in it."""
HOW_TO = {
    How.TOUCH: N_("Touch anything to hear what it is, and tap it again to choose it."),
    How.KEYS: N_("Move with the arrow keys, and press Enter to choose."),
}
START = {How.TOUCH: N_("Tap the screen twice to start.")}
LISTEN_OFFER = N_("Press Enter to hear the screen read aloud.")
"""What the Listen button says of itself when the keys reach it while Listen is off: the one
thing the kiosk says unasked, so that a citizen who cannot see it finds it."""
LISTEN_ON = N_("Listen is on.")
LISTEN_OFF = N_("Listen is off.")
CHOOSE = N_("Choose the program or service you used.")
RATE = N_("Choose one of five faces, from {worst} to {best}.")
COMMENT = N_(
    "Type on the keyboard at the bottom of the screen, then choose “{send}”; or choose “{skip}” "
    "to leave no comment."
)
THANKS = N_("Your answer is saved.")
STILL_THERE = N_("Tap anywhere or press any key to continue.")
SAVED = N_("Saved.")
SELECTED = N_("Selected.")
NOT_SELECTED = N_("Not selected.")
ON = N_("On.")
OFF = N_("Off.")
POSITION = N_("{n} of {total}.")
VOLUME = N_("Volume {n} of {total}.")
EMPTY_COMMENT = N_("Your comment is empty.")
DELETED = N_("Deleted.")
CAPITAL = N_("Capital {letter}")
LAYOUTS = {
    "ka": N_("Georgian letters."),
    "en": N_("English letters."),
    "digits": N_("Numbers and symbols"),
}
SHIFT = {
    "off": N_("Small letters."),
    "once": N_("Next letter capital."),
    "locked": N_("Capital letters."),
}
SYMBOLS = {
    ",": N_("comma"),
    ".": N_("full stop"),
    "-": N_("hyphen"),
    "/": N_("slash"),
    ":": N_("colon"),
    ";": N_("semicolon"),
    "(": N_("opening bracket"),
    ")": N_("closing bracket"),
    "₾": N_("lari sign"),
    "&": N_("ampersand"),
    "@": N_("at sign"),
    '"': N_("quotation mark"),
    "?": N_("question mark"),
    "!": N_("exclamation mark"),
    "'": N_("apostrophe"),
    "%": N_("percent"),
    "+": N_("plus"),
    "=": N_("equals"),
}
"""The keyboard's signs by name: said on their own, most would be silence."""


def say(*parts: str) -> str:
    """Sentences joined into one utterance, each ending with a stop so the voice pauses."""
    done = []
    for part in parts:
        part = part.strip()
        if part:
            done.append(part if part[-1] in ".?!:;" else part + ".")
    return " ".join(done)


def hint(kind: str, how: How) -> str:
    return _(HINTS[kind][how])


def choices(count: int) -> str:
    return ngettext("{n} choice.", "{n} choices.", count).format(n=count)


def char_name(char: str) -> str:
    """A typed character as it is said: a letter as itself, a sign by its name."""
    if char in SYMBOLS:
        return _(SYMBOLS[char])
    if char.isupper():
        return _(CAPITAL).format(letter=char)
    return char


class Narrator:
    """Sentences for the screens and controls of one kiosk window, in the current language."""

    def __init__(self, window: KioskView) -> None:
        self.window = window

    def _language(self) -> str:
        return i18n.language()

    def _utter(self, *parts: str) -> Utterance:
        return Utterance(say(*parts), self._language())

    # -- where the citizen is ------------------------------------------------------------------

    def screen(self, flow: Flow, how: How) -> str:
        """The screen as a sentence or two: what it asks, and how many choices it offers."""
        from ui.screens.comment import CommentScreen
        from ui.screens.rate import RateScreen
        from ui.screens.reasons import ReasonsScreen
        from ui.screens.thanks import MessageScreen

        screen = self.window.screens[flow.step]
        if isinstance(screen, WelcomeScreen):
            name = self.window.header.municipality or flow.catalog.municipality
            start = _(START[how]) if how is How.TOUCH else ""  # by keys, "Start" says it
            return say(name.get(flow.language), TITLES[flow.language], screen.invite.text(), start)
        if flow.step is Step.CHOOSE:
            return say(_(CHOOSE), choices(len(flow.services())))
        if isinstance(screen, RateScreen):
            worst, best = _(SCALE[0].label), _(SCALE[-1].label)
            return say(screen.question.text(), _(RATE).format(worst=worst, best=best))
        if isinstance(screen, ReasonsScreen):
            return say(screen.title.text(), screen.hint.text(), choices(len(flow.reasons())))
        if isinstance(screen, CommentScreen):
            buttons = {"send": screen.send.text(), "skip": screen.skip.text()}
            return say(screen.title.text(), _(COMMENT).format(**buttons))
        if flow.step is Step.THANKS and isinstance(screen, MessageScreen):
            return say(screen.title.text(), _(THANKS))
        if isinstance(screen, MessageScreen):
            return say(screen.title.text(), screen.text.text())
        return ""

    def prompt(self) -> str:
        """The "Still there?" prompt, as it appears."""
        overlay = self.window.overlay
        return say(overlay.title.text(), overlay.countdown.text(), _(STILL_THERE))

    # -- what was just done --------------------------------------------------------------------

    def saved(self, flow: Flow, since: int = 0) -> list[str]:
        """What the writer has committed of this session since ``flow.landed[since]``, said
        when the commit lands and never before: the next screen opens while the commit runs,
        and its words wait for it (:mod:`ui.guide`). A rating is named by its face (only a
        rating has a score), so the citizen hears which one was kept."""
        landed = flow.landed[since:]
        if not landed:
            return []
        score = next((r.score for r in landed if r.score is not None), None)
        if score is None:
            return [_(SAVED)]
        from ui.screens.rate import RateScreen

        face = self.window.screens[Step.RATE]
        assert isinstance(face, RateScreen)
        return [face.faces[score].label(), _(SAVED)]

    def listen_on(self, how: How) -> str:
        return say(_(LISTEN_ON), _(HOW_TO[how]))

    def listen_off(self) -> str:
        return say(_(LISTEN_OFF))

    def large_text(self, on: bool) -> str:
        return say(_("Larger text and high contrast"), _(ON) if on else _(OFF))

    def reason(self, reason_id: str, flow: Flow) -> str:
        """A reason just chosen or cleared."""
        for reason in flow.reasons():
            if reason.id == reason_id:
                state = SELECTED if reason_id in flow.selected else NOT_SELECTED
                return say(reason.text.get(flow.language), _(state))
        return ""

    def volume(self, level: int) -> str:
        return say(_(VOLUME).format(n=level, total=VOLUME_STEPS))

    def typed(self, text: str) -> str:
        """What the on-screen keyboard just did to the comment."""
        if text == "\b":
            return say(_(DELETED))
        if text == " ":
            return say(_("Space"))
        return say(char_name(text))

    def layout(self, name: str) -> str:
        return say(_(LAYOUTS[name]))

    def shift(self, state: str) -> str:
        return say(_(SHIFT[state]))

    # -- what a control is and does ------------------------------------------------------------

    def control(self, widget: QWidget, how: How, flow: Flow) -> Utterance:
        """A control's name, its state, and how to use it."""
        header = self.window.header
        for code, button in header.languages.items():
            if widget is button:
                state = SELECTED if button.isChecked() else LANGUAGE_HINTS[code][how]
                return Utterance(say(button.accessibleName(), translate(state, code)), code)
        if widget is header.listen:
            if not flow.listen:
                return self._utter(_("Listen"), _(LISTEN_OFFER))
            return self._utter(_("Listen"), _(ON), hint("turn off", how))
        if widget is header.large_text:
            on = header.large_text.isChecked()
            return self._utter(
                widget.accessibleName(),
                _(ON) if on else _(OFF),
                hint("turn off" if on else "turn on", how),
            )
        if widget in (header.quieter, header.louder):
            return self._utter(widget.accessibleName())
        from ui.widgets.keyboard import KeyButton
        from ui.widgets.smiley import SmileyButton

        if isinstance(widget, SmileyButton):
            position = _(POSITION).format(n=widget.score(), total=len(SCALE))
            return self._utter(widget.label(), position, hint("choose", how))
        if isinstance(widget, KeyButton):
            return self._utter(self._key(widget))
        if isinstance(widget, QPlainTextEdit):
            text = widget.toPlainText().strip()
            if not text:
                return self._utter(_(EMPTY_COMMENT))
            return self._utter(f"{widget.accessibleName()}: {text}")
        welcome = self.window.screens[Step.WELCOME]
        if isinstance(welcome, WelcomeScreen) and widget is welcome.start:
            return self._utter(widget.accessibleName(), hint("start", how))
        if isinstance(widget, QAbstractButton):
            if widget.isCheckable():
                on = widget.isChecked()
                state = _(SELECTED) if on else _(NOT_SELECTED)
                return self._utter(
                    widget.accessibleName(), state, hint("clear" if on else "select", how)
                )
            return self._utter(widget.accessibleName(), hint("choose", how))
        if isinstance(widget, QLabel):
            return self._utter(widget.text())
        if isinstance(widget, Screen) or widget is header:
            return self._utter(self.screen(flow, how))
        return self._utter(widget.accessibleName())

    @staticmethod
    def _key(key: KeyButton) -> str:
        if key.key.role == "char":
            return char_name(key.label)
        if key.key.role == "shift":
            return say(key.accessibleName(), _(SHIFT[key.board().shift_state()]))
        return key.accessibleName()
