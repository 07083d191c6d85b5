"""Every citizen screen at a 7" portrait phone size and a 15" landscape tablet size, in both
languages, saved as PNG under ``artifacts/screenshots/`` for people to look at. Each shot also
checks that no visible text is clipped."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.flow import SaveResult, Step
from kiosk.storage import Draft, StorageError
from tests.ui.screenshots import Screenshots

SIZES = [(720, 1280), (1920, 1080)]


class FailingSaver:
    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        done(StorageError("full", "kiosk.db", "database or disk is full"))


@pytest.mark.parametrize("language", ["ka", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_screenshots_of_every_screen(make_kiosk, artifacts_dir, qtbot, language, size):
    folder = artifacts_dir("screenshots")
    kiosk = make_kiosk(size=size)
    names = {
        "ka": ("დაწყება", "უფასო სასადილო", "უკმაყოფილო", "საკვების ხარისხი", "შემდეგი"),
        "en": ("Start", "Free canteen", "Dissatisfied", "The quality of the food", "Next"),
    }[language]
    shot = Screenshots(folder, f"{language}-{size[0]}x{size[1]}", kiosk.window, qtbot)

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
    assert len(shot.names) == 10
    assert len(list(folder.glob(f"{language}-{size[0]}x{size[1]}-*.png"))) >= 10
