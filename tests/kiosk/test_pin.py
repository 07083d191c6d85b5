from __future__ import annotations

import pytest

from kiosk.pin import PinError, PinGuard, hash_pin, lockout_after, pin_matches
from kiosk.storage import Store


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
