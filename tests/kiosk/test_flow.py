"""The citizen flow as a plain state machine: no Qt, a fake clock, a real SQLite store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.flow import Flow, FlowConfig, SaveResult, Step, StoreSaver
from kiosk.storage import Draft, StorageError, Store


class FailingSaver:
    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        done(StorageError("full", "kiosk.db", "database or disk is full"))


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "kiosk.db", clock=clock.utc) as opened:
        yield opened


@pytest.fixture
def make_flow(catalog, clock, store):
    def make(saver=None, **config) -> Flow:
        settings = FlowConfig(center_id="central-service-hall", **config)
        return Flow(catalog, settings, saver or StoreSaver(store), clock=clock)

    return make


def _tap(clock, action, *args):
    """A citizen's tap, a little after the previous one (no double-tap guard involved)."""
    clock.advance(0.6)
    action(*args)


def test_full_flow_records_rating_reasons_and_comment(make_flow, clock, store):
    flow = make_flow()
    assert flow.step is Step.WELCOME
    _tap(clock, flow.start)
    assert flow.step is Step.CHOOSE
    _tap(clock, flow.choose, "free-canteen")
    assert flow.step is Step.RATE
    assert flow.question() == "რამდენად კმაყოფილი ხართ: უფასო სასადილო?"
    _tap(clock, flow.rate, 2)
    assert flow.step is Step.REASONS
    (rating,) = store.records()
    assert (rating.kind, rating.score, rating.service_id, rating.language) == (
        "rating",
        2,
        "free-canteen",
        "ka",
    )
    assert rating.center_id == "central-service-hall"
    _tap(clock, flow.toggle_reason, "long-wait")
    _tap(clock, flow.toggle_reason, "food-quality")
    _tap(clock, flow.submit_reasons)
    assert flow.step is Step.COMMENT
    _tap(clock, flow.submit_comment, "  საჭმელი ცივი იყო  ")
    assert flow.step is Step.THANKS
    _, reasons, comment = store.records()
    assert reasons.kind == "reasons" and reasons.rating_uuid == rating.uuid
    assert reasons.reasons == ("food-quality", "long-wait")  # catalog order
    assert comment.comment == "საჭმელი ცივი იყო" and comment.rating_uuid == rating.uuid
    clock.advance(5)
    flow.tick()
    assert flow.step is Step.WELCOME


def test_high_scores_get_the_high_reasons(make_flow, clock):
    flow = make_flow()
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "free-canteen")
    _tap(clock, flow.rate, 5)
    assert {r.id for r in flow.reasons()} == {"good-food", "polite-staff", "real-help"}


def test_skipping_everything_keeps_just_the_rating(make_flow, clock, store):
    flow = make_flow()
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "newborn-allowance")
    _tap(clock, flow.rate, 4)
    _tap(clock, flow.skip)
    assert flow.step is Step.COMMENT
    _tap(clock, flow.skip)
    assert flow.step is Step.THANKS
    assert [r.kind for r in store.records()] == ["rating"]


def test_service_without_reasons_goes_straight_to_comment(make_flow, clock):
    flow = make_flow()
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "homeless-shelter")
    _tap(clock, flow.rate, 3)
    assert flow.step is Step.COMMENT


def test_without_the_comment_step_thanks_follows_reasons(make_flow, clock):
    flow = make_flow(ask_comment=False)
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "homeless-shelter")
    _tap(clock, flow.rate, 3)
    assert flow.step is Step.THANKS


def test_double_tap_on_the_same_control_is_ignored(make_flow, clock, store):
    flow = make_flow()
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "free-canteen")
    _tap(clock, flow.rate, 2)
    _tap(clock, flow.toggle_reason, "food-quality")
    clock.advance(0.3)
    flow.toggle_reason("food-quality")  # tremor: same chip again within 0.5 s
    assert flow.selected == ["food-quality"]
    clock.advance(0.3)
    flow.toggle_reason("food-quality")  # a deliberate second tap later
    assert flow.selected == []


def test_back_returns_to_choose_and_then_welcome(make_flow, clock, store):
    flow = make_flow()
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "civic-budget")
    _tap(clock, flow.back)
    assert flow.step is Step.CHOOSE and flow.service is None
    _tap(clock, flow.back)
    assert flow.step is Step.WELCOME
    assert store.count() == 0


def test_idle_shows_still_there_then_returns_to_welcome_keeping_answers(make_flow, clock, store):
    flow = make_flow(idle_timeout_s=30, still_there_s=15)
    _tap(clock, flow.start)
    _tap(clock, flow.set_language, "en")
    _tap(clock, flow.toggle_large_text)
    _tap(clock, flow.choose, "free-canteen")
    _tap(clock, flow.rate, 2)
    _tap(clock, flow.toggle_reason, "long-wait")
    clock.advance(29.9)
    flow.tick()
    assert flow.still_there_remaining() is None
    clock.advance(0.1)
    flow.tick()
    assert flow.still_there_remaining() == 15
    clock.advance(5.5)
    flow.tick()
    assert flow.still_there_remaining() == 10
    clock.advance(9.5)
    flow.tick()
    assert flow.step is Step.WELCOME
    assert flow.language == "ka" and flow.large_text is False
    rating, reasons = store.records()
    assert rating.score == 2 and rating.language == "en"
    assert reasons.reasons == ("long-wait",)


def test_continue_gives_the_citizen_more_time(make_flow, clock):
    flow = make_flow(idle_timeout_s=30, still_there_s=15)
    _tap(clock, flow.start)
    clock.advance(31)
    flow.tick()
    assert flow.still_there_remaining() is not None
    flow.keep_alive()
    assert flow.still_there_remaining() is None
    clock.advance(29)
    flow.tick()
    assert flow.step is Step.CHOOSE and flow.still_there_remaining() is None


def test_touch_counts_as_activity(make_flow, clock):
    flow = make_flow(idle_timeout_s=30)
    _tap(clock, flow.start)
    clock.advance(20)
    flow.touch()
    clock.advance(20)
    flow.tick()
    assert flow.still_there_remaining() is None


def test_welcome_has_no_timeout(make_flow, clock):
    flow = make_flow()
    clock.advance(3600)
    flow.tick()
    assert flow.step is Step.WELCOME and flow.still_there_remaining() is None


def test_a_failed_save_shows_the_error_then_welcome(make_flow, clock):
    flow = make_flow(saver=FailingSaver(), error_s=10)
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "free-canteen")
    _tap(clock, flow.rate, 3)
    assert flow.step is Step.ERROR and flow.error.kind == "full"
    clock.advance(10)
    flow.tick()
    assert flow.step is Step.WELCOME


def test_language_switch_mid_flow_is_recorded(make_flow, clock, store):
    flow = make_flow()
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "free-canteen")
    _tap(clock, flow.set_language, "en")
    assert flow.question() == "How satisfied are you with: Free canteen?"
    _tap(clock, flow.rate, 5)
    assert store.records()[0].language == "en"


def test_a_new_catalog_waits_for_the_session_to_end(make_flow, clock, catalog):
    flow = make_flow()
    _tap(clock, flow.start)
    newer = catalog._replace(version="2026.2")
    flow.set_catalog(newer)
    assert flow.catalog is catalog
    _tap(clock, flow.back)
    assert flow.step is Step.WELCOME and flow.catalog is newer


def test_services_follow_the_staff_selection_and_order(make_flow):
    flow = make_flow(services=["service-hall-documents", "free-canteen", "gone"])
    assert [s.id for s in flow.services()] == ["service-hall-documents", "free-canteen"]
    assert [c.id for c, _ in flow.groups()] == ["social-assistance", "city-services"]


def test_many_sessions_in_a_row(make_flow, clock, store):
    flow = make_flow()
    for score in (1, 2, 3, 4, 5) * 4:
        _tap(clock, flow.start)
        _tap(clock, flow.choose, "civic-budget")
        _tap(clock, flow.rate, score)
        _tap(clock, flow.skip)
        _tap(clock, flow.skip)
        clock.advance(5)
        flow.tick()
        assert flow.step is Step.WELCOME
        clock.advance(2)  # the cooldown after a rating
    assert [r.score for r in store.records()] == [1, 2, 3, 4, 5] * 4
    assert [r.seq for r in store.records()] == list(range(1, 21))


def test_welcome_ignores_taps_during_the_cooldown_after_a_rating(make_flow, clock):
    flow = make_flow(cooldown_s=2)
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "homeless-shelter")
    _tap(clock, flow.rate, 3)
    _tap(clock, flow.skip)
    clock.advance(5)
    flow.tick()
    assert flow.step is Step.WELCOME
    clock.advance(1.9)
    flow.start()
    assert flow.step is Step.WELCOME
    clock.advance(0.1)
    flow.start()
    assert flow.step is Step.CHOOSE


def test_no_cooldown_when_nothing_was_rated(make_flow, clock):
    flow = make_flow(cooldown_s=2)
    _tap(clock, flow.start)
    _tap(clock, flow.back)
    _tap(clock, flow.start)
    assert flow.step is Step.CHOOSE


def test_bursts_are_flagged_and_never_dropped(make_flow, clock, store):
    flow = make_flow(cooldown_s=2, burst_count=3, burst_window_s=60, ask_comment=False)
    for _ in range(5):
        _tap(clock, flow.start)
        _tap(clock, flow.choose, "homeless-shelter")
        _tap(clock, flow.rate, 5)
        clock.advance(5.1)
        flow.tick()
        assert flow.step is Step.WELCOME
        clock.advance(2)
    clock.advance(60)
    _tap(clock, flow.start)
    _tap(clock, flow.choose, "homeless-shelter")
    _tap(clock, flow.rate, 1)
    flags = [r.flags for r in store.records()]
    assert flags == [(), (), (), ("burst",), ("burst",), ()]
