"""Backoff: full-jitter bounds, the cap, reset, Retry-After - and the loop that uses them."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest

from sync.backoff import (
    RATE_LIMIT_DEFAULT_S,
    RETRY_AFTER_MAX_S,
    Backoff,
    parse_retry_after,
)
from sync.status import read_status
from tests.sync.faultproxy import STATUS, Fault, FaultProxy
from tests.sync.helpers import dead_url, fake_enrollment, job


def test_full_jitter_stays_within_zero_and_the_doubling_ceiling():
    rng = random.Random(7)
    backoff = Backoff(base=2.0, cap=900.0, rand=rng.random)
    for attempt in range(40):
        ceiling = min(900.0, 2.0 * 2**attempt)
        assert backoff.ceiling() == ceiling
        delay = backoff.next_delay()
        assert 0.0 <= delay <= ceiling


def test_extreme_random_draws_give_zero_and_the_ceiling():
    assert Backoff(rand=lambda: 0.0).next_delay() == 0.0
    top = Backoff(rand=lambda: 1.0)
    assert [top.next_delay() for _ in range(5)] == [2.0, 4.0, 8.0, 16.0, 32.0]


def test_the_delay_never_passes_the_cap_even_after_many_failures():
    backoff = Backoff(base=2.0, cap=900.0, rand=lambda: 1.0)
    delays = [backoff.next_delay() for _ in range(200)]
    assert max(delays) == 900.0
    assert delays[-1] == 900.0
    assert delays.index(900.0) == 9  # 2 * 2**9 = 1024 is the first over the cap


def test_reset_starts_over_after_a_success():
    backoff = Backoff(rand=lambda: 1.0)
    for _ in range(6):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 2.0


def test_retry_after_wins_over_jitter_and_is_bounded():
    backoff = Backoff(rand=lambda: 1.0)
    assert backoff.next_delay(retry_after=7.0) == 7.0
    assert backoff.next_delay(retry_after=10 * 24 * 3600) == RETRY_AFTER_MAX_S
    assert backoff.next_delay(retry_after=-3) == 0.0
    assert backoff.attempt == 3  # a rate-limited try still counts as a failure


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="base"):
        Backoff(base=0)
    with pytest.raises(ValueError, match="base"):
        Backoff(base=10, cap=5)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("Sat, 14 Mar 2026 09:31:00 GMT", 60.0),
        ("Sat, 14 Mar 2026 09:00:00 GMT", 0.0),  # in the past: now
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_forms(header, expected):
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == expected


class Recorder:
    """A sleep that records the delays and stops the loop after ``rounds`` waits."""

    def __init__(self, stop: threading.Event, rounds: int) -> None:
        self.stop = stop
        self.rounds = rounds
        self.delays: list[float] = []

    def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        if len(self.delays) >= self.rounds:
            self.stop.set()


def test_loop_backs_off_exponentially_while_the_server_is_unreachable(data_dir):
    fake_enrollment(data_dir, dead_url())
    stop = threading.Event()
    sleep = Recorder(stop, rounds=12)
    sync = job(data_dir, sleep=sleep, backoff=Backoff(rand=lambda: 0.5))
    assert sync.run_forever(stop) == "stopped"
    assert sleep.delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 450, 450, 450]
    status = read_status(data_dir)
    assert status.state == "retrying"
    assert status.consecutive_failures == 12
    assert "could not be reached" in (status.last_error or "")
    assert status.next_attempt_at is not None


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {"Retry-After": "7"}, 7.0),
        (429, {}, RATE_LIMIT_DEFAULT_S),
        (503, {"Retry-After": "3"}, 3.0),
        (500, {}, 1.0),  # no Retry-After: the jittered backoff (0.5 * 2 s)
    ],
)
def test_loop_honours_retry_after(data_dir, status, headers, expected):
    with FaultProxy(dead_url()) as proxy:
        fake_enrollment(data_dir, proxy.url)
        proxy.add(Fault(STATUS, status=status, headers=headers))
        stop = threading.Event()
        sleep = Recorder(stop, rounds=1)
        sync = job(data_dir, sleep=sleep, backoff=Backoff(rand=lambda: 0.5))
        sync.run_forever(stop)
    assert sleep.delays == [expected]


def test_loop_stops_and_reports_when_the_server_refuses_the_kiosk(data_dir):
    with FaultProxy(dead_url()) as proxy:
        fake_enrollment(data_dir, proxy.url)
        proxy.add(Fault(STATUS, status=401, times=5))
        stop = threading.Event()
        sleep = Recorder(stop, rounds=100)
        ended = job(data_dir, sleep=sleep).run_forever(stop)
        assert len(proxy.exchanges) == 1
    assert ended == "auth"
    assert sleep.delays == []
    status = read_status(data_dir)
    assert status.state == "stopped"
    assert status.last_error_code == "revoked"
    assert "Enroll it again" in (status.last_error or "")


def test_loop_waits_for_enrollment_without_failing(data_dir):
    stop = threading.Event()
    sleep = Recorder(stop, rounds=2)
    ended = job(data_dir, sleep=sleep, interval_s=30).run_forever(stop)
    assert ended == "stopped"
    assert sleep.delays == [30, 30]
    assert read_status(data_dir).state == "not_enrolled"
