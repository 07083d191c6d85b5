"""The PIN lock-out in the running kiosk: timed by the monotonic clock, and resumed where it
was when the kiosk is restarted."""

from __future__ import annotations

import math

import pytest

from kiosk.database import KioskDatabase
from kiosk.pin import PinGuard
from kiosk.settings import Settings
from tests.conftest import FakeClock
from ui.app import SCREEN_TYPES
from ui.i18n import _


def test_a_restart_resumes_the_lockout_whatever_the_date_says(make_app, tmp_path):
    kiosk = make_app(Settings(default_language="en"))
    kiosk.hold_logo(3.2)
    for _attempt in range(3):
        kiosk.type_pin("000000")
    kiosk.clock.wall = kiosk.clock.wall.replace(year=2025)  # the date set a year back
    kiosk.clock.advance(12)
    kiosk.type_pin("000000")  # refused, and not counted: the pad is locked
    left = kiosk.app.pin.locked_for()
    assert 0 < left < 18  # typing took a few seconds too
    message = kiosk.window.pin_screen.message.text()
    assert message == _("Too many wrong PINs. Try again in {n} seconds.").format(n=math.ceil(left))
    kiosk.app.close()  # what is left of the lock-out is saved on the way out

    after_reboot = FakeClock()
    after_reboot.now = 2.0  # a monotonic clock starts again after a reboot
    database = KioskDatabase(tmp_path / "data" / "kiosk.db", after_reboot.utc)
    try:
        guard = PinGuard(database, clock=after_reboot)
        assert guard.locked_for() == pytest.approx(left, abs=0.1)
        assert guard.failures() == 3
    finally:
        database.close()


def test_a_lockout_running_at_start_goes_on_being_saved_with_no_staff_at_the_kiosk(
    make_app, tmp_path, clock
):
    """The PIN's guard is made after the first frame, not when staff come: a kiosk restarted
    in the middle of a lock-out saves what is left of it from then on."""
    folder = tmp_path / "data"
    folder.mkdir()
    database = KioskDatabase(folder / "kiosk.db", clock.utc)
    try:
        database.set_meta(PinGuard.FAILURES_KEY, "5")
        database.set_meta(PinGuard.REMAINING_KEY, "100.0")
    finally:
        database.close()
    kiosk = make_app(Settings(default_language="en"), pin=False)
    kiosk.qtbot.waitUntil(lambda: set(kiosk.app.window.screens.made) == set(SCREEN_TYPES))
    clock.advance(30)
    kiosk.app.close()

    database = KioskDatabase(folder / "kiosk.db", clock.utc)
    try:
        assert float(database.get_meta(PinGuard.REMAINING_KEY) or 0) == pytest.approx(70, abs=1)
    finally:
        database.close()
