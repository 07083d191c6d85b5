"""Records in flight: the next screen opens as soon as a record is handed to the writer, and
"thank you" waits until every record of the session is committed. The saver here holds each
record until the test lets the writer answer, in the order they were handed over (the writer
is one thread), and commits it to a real SQLite file when it does."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from kiosk.flow import Flow, FlowConfig, SaveResult, Step
from kiosk.storage import Draft, StorageError, Store


class HeldSaver:
    """A writer whose answers come only when the test says: a slow disk, in order."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.waiting: list[tuple[Draft, Callable[[SaveResult], None]]] = []

    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        self.waiting.append((draft, done))

    def kinds(self) -> list[str]:
        return [draft.kind for draft, _done in self.waiting]

    def commit(self) -> None:
        """The oldest record is committed, and the flow is told."""
        draft, done = self.waiting.pop(0)
        done(self.store.append(draft))

    def fail(self, kind: str = "full") -> None:
        """The oldest record could not be written."""
        _draft, done = self.waiting.pop(0)
        done(StorageError(kind, self.store.path, "database or disk is full"))


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "kiosk.db", clock=clock.utc) as opened:
        yield opened


@pytest.fixture
def saver(store) -> HeldSaver:
    return HeldSaver(store)


@pytest.fixture
def make_flow(catalog, clock, saver):
    def make(**config) -> Flow:
        return Flow(catalog, FlowConfig(center_id="central-service-hall", **config), saver, clock)

    return make


def _tap(clock, action, *args):
    clock.advance(0.6)
    action(*args)


def _rate(flow: Flow, clock, score: int = 2, service: str = "free-canteen") -> None:
    _tap(clock, flow.start)
    _tap(clock, flow.choose, service)
    _tap(clock, flow.rate, score)


def test_the_next_screen_opens_while_the_rating_is_committed(make_flow, clock, saver, store):
    flow = make_flow()
    changes: list[Step] = []
    flow.subscribe(lambda: changes.append(flow.step))
    _rate(flow, clock)
    assert flow.step is Step.REASONS and not flow.saving
    assert flow.in_flight == 1 and flow.rating is None and flow.landed == ()
    assert store.records() == []
    _tap(clock, flow.rate, 5)  # a second face (the step moved on) is not a second rating
    assert saver.kinds() == ["rating"]

    changes.clear()
    saver.commit()
    (rating,) = store.records()
    assert rating.score == 2
    assert flow.rating == rating and flow.landed == (rating,)
    assert flow.in_flight == 0 and flow.step is Step.REASONS
    assert changes == [Step.REASONS]  # told, so Listen can say "Saved." now


def test_reasons_given_before_the_rating_is_committed_wait_for_it(make_flow, clock, saver, store):
    flow = make_flow()
    _rate(flow, clock)
    _tap(clock, flow.toggle_reason, "long-wait")
    _tap(clock, flow.submit_reasons)
    assert flow.step is Step.COMMENT and flow.in_flight == 2
    assert saver.kinds() == ["rating"]  # the reasons need the rating's uuid

    saver.commit()
    ((draft, _done),) = saver.waiting
    assert draft.kind == "reasons" and draft.rating_uuid == flow.rating.uuid
    saver.commit()
    rating, reasons = store.records()
    assert reasons.rating_uuid == rating.uuid and reasons.reasons == ("long-wait",)
    assert flow.in_flight == 0 and flow.step is Step.COMMENT


def test_thanks_waits_for_every_record_of_the_session(make_flow, clock, saver, store):
    flow = make_flow()
    _rate(flow, clock)
    _tap(clock, flow.toggle_reason, "food-quality")
    _tap(clock, flow.submit_reasons)
    _tap(clock, flow.submit_comment, "ცივი იყო")
    assert flow.step is Step.COMMENT and flow.saving and flow.in_flight == 3
    _tap(clock, flow.skip)  # nothing else is taken while the last commits are awaited
    _tap(clock, flow.submit_comment, "again")

    saver.commit()
    assert flow.step is Step.COMMENT and flow.saving
    saver.commit()
    assert saver.kinds() == ["comment"]
    assert flow.step is Step.COMMENT and flow.saving
    clock.advance(3600)
    flow.tick()  # no timeout while the citizen waits for their thanks
    assert flow.step is Step.COMMENT
    saver.commit()
    assert flow.step is Step.THANKS and not flow.saving
    rating, reasons, comment = store.records()
    assert (rating.kind, reasons.kind, comment.kind) == ("rating", "reasons", "comment")
    assert reasons.rating_uuid == comment.rating_uuid == rating.uuid == rating.rating_uuid
    assert comment.comment == "ცივი იყო"


def test_skipping_to_the_end_waits_for_the_rating(make_flow, clock, saver, store):
    flow = make_flow()
    _rate(flow, clock, score=4)
    _tap(clock, flow.skip)
    _tap(clock, flow.skip)
    assert flow.step is Step.COMMENT and flow.saving
    saver.commit()
    assert flow.step is Step.THANKS
    assert [r.kind for r in store.records()] == ["rating"]


def test_without_reasons_or_comment_the_rate_screen_waits(make_flow, clock, saver):
    flow = make_flow(ask_comment=False)
    _rate(flow, clock, score=3, service="homeless-shelter")
    assert flow.step is Step.RATE and flow.saving
    saver.commit()
    assert flow.step is Step.THANKS


def test_a_failed_rating_shows_the_error_on_the_reasons_screen(make_flow, clock, saver, store):
    flow = make_flow(error_s=10, cooldown_s=2)
    _rate(flow, clock)
    _tap(clock, flow.toggle_reason, "long-wait")
    _tap(clock, flow.submit_reasons)
    assert flow.step is Step.COMMENT
    saver.fail()
    assert flow.step is Step.ERROR and flow.error.kind == "full"
    assert saver.waiting == [] and flow.in_flight == 0  # reasons of no rating are not written
    assert store.records() == []
    clock.advance(10)
    flow.tick()
    assert flow.step is Step.WELCOME
    flow.start()  # no cooldown: nothing was rated
    assert flow.step is Step.CHOOSE


def test_a_failure_while_on_the_comment_shows_the_error(make_flow, clock, saver, store):
    flow = make_flow()
    _rate(flow, clock)
    saver.commit()
    _tap(clock, flow.toggle_reason, "long-wait")
    _tap(clock, flow.submit_reasons)
    assert flow.step is Step.COMMENT
    saver.fail("io")
    assert flow.step is Step.ERROR and flow.error.kind == "io"
    assert [r.kind for r in store.records()] == ["rating"]


def test_a_failure_while_thanks_waits_shows_the_error(make_flow, clock, saver):
    flow = make_flow()
    _rate(flow, clock)
    _tap(clock, flow.skip)
    _tap(clock, flow.skip)
    assert flow.saving
    saver.fail()
    assert flow.step is Step.ERROR and not flow.saving


def test_timeout_with_records_in_flight_ends_the_session_and_keeps_them(
    make_flow, clock, saver, store
):
    flow = make_flow(idle_timeout_s=30, still_there_s=15, cooldown_s=2)
    _rate(flow, clock)
    _tap(clock, flow.set_language, "en")
    _tap(clock, flow.toggle_reason, "long-wait")
    clock.advance(31)
    flow.tick()
    clock.advance(16)
    flow.tick()
    assert flow.step is Step.WELCOME and flow.in_flight == 0  # the next citizen's count
    clock.advance(2)
    _tap(clock, flow.start)
    assert flow.step is Step.CHOOSE
    steps: list[Step] = []
    flow.subscribe(lambda: steps.append(flow.step))

    saver.commit()  # the rating lands after its citizen left: the reasons follow it
    saver.commit()
    assert steps == [] and flow.step is Step.CHOOSE and flow.rating is None
    rating, reasons = store.records()
    assert rating.language == "ka" and reasons.language == "en"
    assert reasons.rating_uuid == rating.uuid and reasons.reasons == ("long-wait",)


def test_a_failure_after_the_citizen_left_is_logged_not_shown(make_flow, clock, saver, caplog):
    flow = make_flow(idle_timeout_s=30, still_there_s=15, cooldown_s=2)
    _rate(flow, clock)
    clock.advance(31)
    flow.tick()
    clock.advance(16)
    flow.tick()
    clock.advance(2)
    _tap(clock, flow.start)
    with caplog.at_level(logging.ERROR, logger="kiosk.flow"):
        saver.fail()
    assert flow.step is Step.CHOOSE and flow.error is None
    assert "a rating given before the citizen left could not be saved" in caplog.text


def test_the_cooldown_follows_a_rating_still_in_flight(make_flow, clock):
    flow = make_flow(idle_timeout_s=30, still_there_s=15, cooldown_s=2)
    _rate(flow, clock)
    clock.advance(31)
    flow.tick()
    clock.advance(16)
    flow.tick()
    assert flow.step is Step.WELCOME
    clock.advance(1.9)
    flow.start()
    assert flow.step is Step.WELCOME


def test_a_commit_landing_keeps_the_session_and_the_next_citizen_gets_a_new_one(
    make_flow, clock, saver
):
    """The comment box is cleared for a new session, never because a commit landed."""
    flow = make_flow()
    _rate(flow, clock)
    _tap(clock, flow.skip)
    first = flow.session
    saver.commit()
    assert flow.session is first and flow.step is Step.COMMENT
    _tap(clock, flow.skip)
    clock.advance(5)
    flow.tick()
    assert flow.step is Step.WELCOME and flow.session is not first
