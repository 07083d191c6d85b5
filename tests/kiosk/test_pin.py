from __future__ import annotations

import pytest

from kiosk.pin import PinError, PinGuard, hash_pin, lockout_after, pin_matches
from kiosk.storage import Store
from tests.conftest import FakeClock

PIN = "482913"


@pytest.fixture
def guard(tmp_path, clock):
    store = Store(tmp_path / "kiosk.db")
    guard = PinGuard(store, clock=clock)
    guard.set_pin("482913", "482913")
    yield guard
    store.close()


def test_the_pin_is_stored_only_as_a_salted_scrypt_hash(guard):
    stored = guard.store.get_meta(PinGuard.HASH_KEY)
    assert stored.startswith("scrypt$")
    assert "482913" not in stored
    assert hash_pin("482913") != hash_pin("482913")  # a new salt each time
    assert pin_matches("482913", stored)
    assert not pin_matches("482914", stored)
    assert not pin_matches("482913", "md5$abc")


@pytest.mark.parametrize(
    ("pin", "again", "problem"),
    [
        ("12345", "12345", "at least 6"),
        ("12a456", "12a456", "digits only"),
        ("111111", "111111", "too easy"),
        ("123456", "123456", "too easy"),
        ("482913", "482910", "not the same"),
    ],
)
def test_weak_or_mistyped_pins_are_refused(tmp_path, pin, again, problem):
    with Store(tmp_path / "k.db") as store:
        with pytest.raises(PinError, match=problem):
            PinGuard(store).set_pin(pin, again)
        assert not PinGuard(store).is_set()


def test_wrong_pins_lock_out_with_growing_delays(guard, clock):
    assert guard.check("000000").ok is False
    assert guard.check("000001").locked_for_s == 0
    third = guard.check("000002")
    assert third.locked_for_s == 30
    refused = guard.check("482913")  # even the right PIN is refused while locked
    assert refused.ok is False
    assert refused.locked_for_s == pytest.approx(30)
    clock.advance(29)
    assert guard.check("482913").ok is False
    clock.advance(1)
    assert guard.check("999999").locked_for_s == 60
    clock.advance(60)
    assert guard.check("999999").locked_for_s == 120
    clock.advance(120)
    assert guard.check("482913").ok is True
    assert guard.failures() == 0
    assert guard.check("000000").locked_for_s == 0


def test_lockout_survives_a_restart(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    with Store(path) as store:
        guard = PinGuard(store, clock=clock)
        guard.set_pin("482913", "482913")
        for _ in range(3):
            guard.check("000000")
    with Store(path) as store:
        assert PinGuard(store, clock=clock).locked_for() == pytest.approx(30)


def test_lockout_is_capped():
    assert [lockout_after(n) for n in range(1, 7)] == [0, 0, 30, 60, 120, 240]
    assert lockout_after(50) == 15 * 60


def test_a_hash_made_elsewhere_is_kept_and_clears_the_lockout(guard):
    for _attempt in range(3):
        guard.check("000000")
    assert guard.locked_for() > 0
    guard.set_hash(hash_pin("135792"))
    assert guard.locked_for() == 0
    assert guard.check("135792").ok
    with pytest.raises(ValueError, match="not a PIN hash"):
        guard.set_hash("135792")  # a PIN is never stored as it is


def lock_out(guard: PinGuard) -> None:
    for _attempt in range(3):
        guard.check("000000")
    assert guard.locked_for() == 30


def test_setting_the_wall_clock_back_or_forward_changes_nothing(guard, clock, monkeypatch):
    lock_out(guard)
    day = 24 * 3600
    for jump in (-day, +day, -365 * day):
        monkeypatch.setattr("time.time", lambda jump=jump: 1_800_000_000.0 + jump)
        assert guard.locked_for() == 30
        assert guard.check(PIN).locked_for_s == 30  # still refused, no longer, no shorter
    clock.advance(30)
    assert guard.check(PIN).ok


def test_a_restart_resumes_the_lockout_where_it_was(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    with Store(path) as store:
        guard = PinGuard(store, clock=clock)
        guard.set_pin(PIN, PIN)
        lock_out(guard)
        clock.advance(5)
        guard.checkpoint()  # too soon to save again: a restart now would give 30 s
        with Store(path) as other:
            assert PinGuard(other, clock=clock).locked_for() == 30
        clock.advance(7)
        guard.checkpoint()
    after_reboot = FakeClock()
    after_reboot.now = 3.0  # a monotonic clock starts again near zero after a reboot
    with Store(path) as store:
        resumed = PinGuard(store, clock=after_reboot)
        assert resumed.locked_for() == pytest.approx(18)
        assert resumed.check(PIN).ok is False
        after_reboot.advance(18)
        assert resumed.check(PIN).ok


def test_a_lockout_that_ran_out_is_saved_as_over(tmp_path, clock):
    path = tmp_path / "kiosk.db"
    with Store(path) as store:
        guard = PinGuard(store, clock=clock)
        guard.set_pin(PIN, PIN)
        lock_out(guard)
        clock.advance(31)
        guard.checkpoint()
    with Store(path) as store:
        assert PinGuard(store, clock=clock).locked_for() == 0


def test_a_stored_lockout_is_never_longer_than_15_minutes(tmp_path, clock):
    with Store(tmp_path / "kiosk.db") as store:
        store.set_meta(PinGuard.REMAINING_KEY, "86400")
        assert PinGuard(store, clock=clock).locked_for() == 15 * 60
        store.set_meta(PinGuard.REMAINING_KEY, "not a number")
        assert PinGuard(store, clock=clock).locked_for() == 0


def test_a_lockout_kept_by_the_wall_clock_in_an_older_version_is_carried_over(
    tmp_path, clock, monkeypatch
):
    monkeypatch.setattr("time.time", lambda: 1_800_000_000.0)
    with Store(tmp_path / "kiosk.db") as store:
        store.set_meta(PinGuard.LOCKED_UNTIL_KEY, str(1_800_000_000.0 + 120))
        assert PinGuard(store, clock=clock).locked_for() == 120
        assert store.get_meta(PinGuard.LOCKED_UNTIL_KEY) == "0"
        assert store.get_meta(PinGuard.REMAINING_KEY) == "120.0"
        # A clock set back a year before the upgrade gave an end a year away: capped.
        store.set_meta(PinGuard.LOCKED_UNTIL_KEY, str(1_800_000_000.0 + 365 * 24 * 3600))
        assert PinGuard(store, clock=clock).locked_for() == 15 * 60
