"""The PIN lock-out in the running kiosk: timed by the monotonic clock, and resumed where it
was when the kiosk is restarted."""

from __future__ import annotations

import math

import pytest

from kiosk.database import KioskDatabase
from kiosk.pin import PinGuard
from kiosk.settings import Settings
from tests.conftest import FakeClock
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
