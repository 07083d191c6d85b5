"""Every citizen screen, with and without "Aa", at the screen sizes municipal tablets have,
saved as PNG under ``artifacts/screenshots/`` for people to look at.

Each shot also fails when any visible text is clipped, when a visible control lies outside
the screen, or when the window grew larger than the screen. Every size is shot in Georgian
(the longer words); English too at the common sizes and at the narrowest one.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QSize

from kiosk.flow import SaveResult, Step
from kiosk.storage import Draft, StorageError
from tests.ui.screenshots import Screenshots

SIZES = [
    (1024, 600),  # 7" landscape
    (600, 1024),  # 7" portrait
    (1280, 800),  # 10" landscape
    (800, 1280),  # 10" portrait
    (1366, 768),
    (1920, 1080),
    (720, 1280),
    (1080, 1920),
]
BOTH_LANGUAGES = {(1280, 800), (720, 1280), (1920, 1080), (600, 1024)}
CASES = [("ka", size) for size in SIZES] + [
    ("en", size) for size in SIZES if size in BOTH_LANGUAGES
]

NAMES = {
    "ka": {
        "start": "დაწყება",
        "service": "უფასო სასადილო",
        "face": "უკმაყოფილო",
        "reason": "საკვების ხარისხი",
        "next": "შემდეგი",
        "word": "ცივი",
        "continue": "გაგრძელება",
        "send": "გაგზავნა",
        "large": "დიდი ტექსტი და მაღალი კონტრასტი",
    },
    "en": {
        "start": "Start",
        "service": "Free canteen",
        "face": "Dissatisfied",
        "reason": "The quality of the food",
        "next": "Next",
        "word": "cold",
        "continue": "Continue",
        "send": "Send",
        "large": "Larger text and high contrast",
    },
}


class FailingSaver:
    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        done(StorageError("full", "kiosk.db", "database or disk is full"))


def walk(kiosk, shot: Screenshots, language: str, large: bool) -> None:
    """One citizen through every screen (and a second one whose rating cannot be saved),
    from Welcome back to Welcome."""
    names = NAMES[language]
    suffix = "-large-text" if large else ""

    def begin() -> None:
        if language == "en":
            kiosk.tap("English")
        if large:
            kiosk.tap(names["large"])

    begin()
    shot("welcome" + suffix)
    kiosk.tap(names["start"])
    kiosk.wait_for(Step.CHOOSE)
    shot("choose" + suffix)
    kiosk.tap(names["service"])
    kiosk.wait_for(Step.RATE)
    shot("rate" + suffix)
    kiosk.tap(names["face"])
    kiosk.wait_for(Step.REASONS)
    kiosk.tap(names["reason"])
    shot("reasons" + suffix)
    kiosk.tap(names["next"])
    kiosk.wait_for(Step.COMMENT)
    for letter in names["word"]:
        kiosk.tap(letter)
    shot("comment" + suffix)
    kiosk.idle(30)
    shot("still-there" + suffix)
    kiosk.tap(names["continue"])
    kiosk.tap(names["send"])
    kiosk.wait_for(Step.THANKS)
    shot("thanks" + suffix)
    kiosk.idle(5)
    kiosk.wait_for(Step.WELCOME)
    kiosk.idle(2)  # the cooldown after a rating

    begin()
    kiosk.tap(names["start"])
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap(names["service"])
    kiosk.wait_for(Step.RATE)
    saver, kiosk.flow.saver = kiosk.flow.saver, FailingSaver()
    kiosk.tap(names["face"])
    kiosk.wait_for(Step.ERROR)
    shot("error" + suffix)
    kiosk.flow.saver = saver
    kiosk.idle(kiosk.flow.config.error_s)
    kiosk.wait_for(Step.WELCOME)
    kiosk.idle(2)


@pytest.mark.parametrize(
    ("language", "size"), CASES, ids=[f"{lang}-{w}x{h}" for lang, (w, h) in CASES]
)
def test_screenshots_of_every_screen(make_kiosk, artifacts_dir, qtbot, language, size):
    folder = artifacts_dir("screenshots")
    prefix = f"{language}-{size[0]}x{size[1]}"
    for old in folder.glob(f"{prefix}-*.png"):
        old.unlink()
    kiosk = make_kiosk(size=size)
    shot = Screenshots(folder, prefix, kiosk.window, qtbot, screen=QSize(*size))

    walk(kiosk, shot, language, large=False)
    walk(kiosk, shot, language, large=True)

    screens = ("welcome", "choose", "rate", "reasons", "comment", "still-there", "thanks")
    expected = [*screens, "error"]
    assert shot.names == expected + [f"{name}-large-text" for name in expected]
    assert len(list(folder.glob(f"{prefix}-*.png"))) == 16
