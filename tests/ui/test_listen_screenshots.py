"""Every citizen screen with Listen on, worked by keys so the focus ring shows, saved under
``artifacts/screenshots/`` for people to look at.

The header then holds Listen and its volume buttons too: each shot fails if any text is
clipped or any control is off the screen, also on a 7" tablet either way round with "Aa" on
and in Georgian, whose words are long.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize

from kiosk.flow import Step
from tests.ui.screenshots import Screenshots
from tests.ui.test_guide import K, focused, press, ring_is_drawn

CASES = [
    ((1280, 800), False),
    ((800, 1280), False),
    ((1280, 800), True),
    ((800, 1280), True),
    ((600, 1024), True),
    ((1024, 600), True),
]
SCREENS = ("welcome", "choose", "rate", "reasons", "comment", "still-there", "thanks")


def walk(kiosk, shot: Screenshots, large: bool) -> None:
    """One citizen with a keypad and Listen, from Welcome to the thank-you screen."""
    suffix = "-large-text" if large else ""

    def snap(name: str) -> None:
        assert name == "thanks" or ring_is_drawn(focused())
        shot(name + suffix)

    press(kiosk, K.Key_Tab)
    if large:
        press(kiosk, K.Key_Right, K.Key_Return)  # "Aa", beside Listen
        assert kiosk.flow.large_text
    press(kiosk, K.Key_Asterisk)
    assert kiosk.flow.listen
    assert kiosk.window.header.louder.isVisible()
    snap("welcome")
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.CHOOSE)
    press(kiosk, K.Key_Right, K.Key_Right)
    snap("choose")
    press(kiosk, K.Key_Right, K.Key_Return)
    kiosk.wait_for(Step.RATE)
    press(kiosk, K.Key_Right)
    snap("rate")
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.REASONS)
    press(kiosk, K.Key_Return)
    snap("reasons")
    press(kiosk, K.Key_End, K.Key_Return)
    kiosk.wait_for(Step.COMMENT)
    for _ in range(3):  # down from the comment box (past its buttons, in portrait) to a key
        press(kiosk, K.Key_Down)
        if focused().property("keyRole") == "char":
            break
    press(kiosk, K.Key_Return)
    snap("comment")
    kiosk.idle(30)
    shot("still-there" + suffix)
    press(kiosk, K.Key_Return)  # any key: "I am still here"
    press(kiosk, K.Key_Home, K.Key_Return, K.Key_Return)
    kiosk.wait_for(Step.THANKS)
    snap("thanks")
    kiosk.idle(5)
    kiosk.wait_for(Step.WELCOME)
    kiosk.idle(2)


@pytest.mark.parametrize(
    ("size", "large"),
    CASES,
    ids=[f"{w}x{h}{'-large-text' if large else ''}" for (w, h), large in CASES],
)
def test_screenshots_with_listen_and_the_focus_ring(make_kiosk, artifacts_dir, qtbot, size, large):
    folder = artifacts_dir("screenshots")
    prefix = f"listen-ka-{size[0]}x{size[1]}"
    suffix = "-large-text" if large else ""
    for old in folder.glob(f"{prefix}-*.png"):
        if old.stem.endswith("-large-text") == large:
            old.unlink()
    kiosk = make_kiosk(size=size)
    shot = Screenshots(folder, prefix, kiosk.window, qtbot, screen=QSize(*size))
    walk(kiosk, shot, large)
    assert shot.names == [name + suffix for name in SCREENS]
    rating, reasons, comment = kiosk.records()
    assert (rating.service_id, rating.score) == ("free-canteen", 2)
    assert reasons.reasons == ("food-quality",)
    assert len(comment.comment) == 1
