"""Every citizen screen at a 7" portrait phone size and a 15" landscape tablet size, in both
languages, saved as PNG under ``artifacts/screenshots/`` for people to look at. Each shot also
checks that no visible text is clipped."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.exceptions import TimeoutError as QtBotTimeout

from kiosk.flow import SaveResult, Step
from kiosk.storage import Draft, StorageError

SIZES = [(720, 1280), (1920, 1080)]


class FailingSaver:
    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        done(StorageError("full", "kiosk.db", "database or disk is full"))


def clipped_labels(window) -> list[str]:
    """Visible labels and buttons whose text needs more room than they were given."""
    bad = []
    for push in window.findChildren(QPushButton):
        if push.isVisible() and push.text() and push.objectName() != "keyboardKey":
            needed = push.fontMetrics().horizontalAdvance(push.text().replace("&&", "&"))
            if needed > push.width() - 8:
                bad.append(f"button {push.text()!r}: needs {needed}px, has {push.width()}")
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        room = label.contentsRect()
        if label.wordWrap():
            words = re.split(r"[\s\u200b]+", label.text().strip())
            widest = max(label.fontMetrics().horizontalAdvance(w) for w in words)
            if widest > room.width() + 1:
                bad.append(f"{label.text()!r}: a word needs {widest}px, has {room.width()}")
            needed = label.heightForWidth(label.width())
            if needed > label.height() + 1:
                bad.append(f"{label.text()!r}: needs {needed}px high, has {room.height()}")
        else:
            needed = label.fontMetrics().horizontalAdvance(label.text())
            if needed > room.width() + 1:
                bad.append(f"{label.text()!r}: needs {needed}px wide, has {room.width()}")
    return bad


@pytest.mark.parametrize("language", ["ka", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_screenshots_of_every_screen(make_kiosk, artifacts_dir, qtbot, language, size):
    folder = artifacts_dir("screenshots")
    kiosk = make_kiosk(size=size)
    names = {
        "ka": ("დაწყება", "უფასო სასადილო", "უკმაყოფილო", "საკვების ხარისხი", "შემდეგი"),
        "en": ("Start", "Free canteen", "Dissatisfied", "The quality of the food", "Next"),
    }[language]
    shots: list[str] = []

    def shot(name: str) -> None:
        # Layouts settle over a few event-loop turns; text still clipped after that fails.
        with contextlib.suppress(QtBotTimeout):
            qtbot.waitUntil(lambda: not clipped_labels(kiosk.window), timeout=2000)
        path = folder / f"{language}-{size[0]}x{size[1]}-{len(shots) + 1:02d}-{name}.png"
        assert kiosk.window.grab().save(str(path))
        assert clipped_labels(kiosk.window) == [], name
        shots.append(name)

    if language == "en":
        kiosk.tap("English")
    shot("welcome")
    kiosk.tap(names[0])
    kiosk.wait_for(Step.CHOOSE)
    shot("choose")
    kiosk.tap(names[1])
    kiosk.wait_for(Step.RATE)
    shot("rate")
    kiosk.tap(names[2])
    kiosk.wait_for(Step.REASONS)
    kiosk.tap(names[3])
    shot("reasons")
    kiosk.tap(names[4])
    kiosk.wait_for(Step.COMMENT)
    for letter in "ცივი" if language == "ka" else "cold":
        kiosk.tap(letter)
    shot("comment")
    kiosk.idle(30)
    shot("still-there")
    kiosk.tap("გაგრძელება" if language == "ka" else "Continue")
    kiosk.tap("გაგზავნა" if language == "ka" else "Send")
    kiosk.wait_for(Step.THANKS)
    shot("thanks")
    kiosk.idle(5)
    kiosk.wait_for(Step.WELCOME)
    kiosk.idle(2)  # the cooldown after a rating
    if language == "en":
        kiosk.tap("English")
    kiosk.tap(
        "დიდი ტექსტი და მაღალი კონტრასტი" if language == "ka" else "Larger text and high contrast"
    )
    kiosk.tap(names[0])
    kiosk.wait_for(Step.CHOOSE)
    shot("choose-large-text")
    kiosk.tap(names[1])
    kiosk.wait_for(Step.RATE)
    shot("rate-large-text")
    kiosk.flow.saver = FailingSaver()
    kiosk.tap(names[2])
    kiosk.wait_for(Step.ERROR)
    shot("error")
    assert len(shots) == 10
    assert len(list(folder.glob(f"{language}-{size[0]}x{size[1]}-*.png"))) >= 10
