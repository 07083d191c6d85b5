"""The citizen's path through the kiosk as a state machine with no Qt in it.

Welcome → choose a program/service → rate (the tap is the rating and is saved at once) →
optional reasons → optional comment → thank you → Welcome. Screens only show :class:`Flow`'s
state and feed it taps; time comes from an injected clock and :meth:`Flow.tick`, so every rule
here (idle timeout, "Still there?", double-tap guard) is tested without a GUI or real waiting.

Records are append-only (see ``common.records``): the rating is written when the face is tapped,
reasons when the citizen moves on from the reasons step (or walks away after choosing some), a
comment when it is sent. A comment typed but never sent is not kept: the citizen did not say it.

Each record is handed to the writer and the next screen opens at once; the commit (an fsync,
slow on a loaded tablet) runs while the citizen reads it. "Thank you" is the one promise that
something is stored, so it waits until every record of the session is committed, and a failed
save shows the error screen wherever the citizen is. Reasons and a comment name their rating's
uuid, which the store gives, so they go to the writer once their rating is committed: a record
never points at a rating that was not saved.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from common.catalog import Catalog, Category, Reason, Service
from common.records import Flag, Kind, Record
from kiosk.storage import Draft, StorageError

log = logging.getLogger("kiosk.flow")

SaveResult = Record | StorageError


class Step(StrEnum):
    WELCOME = "welcome"
    CHOOSE = "choose"
    RATE = "rate"
    REASONS = "reasons"
    COMMENT = "comment"
    THANKS = "thanks"
    ERROR = "error"


ASKING = (Step.CHOOSE, Step.RATE, Step.REASONS, Step.COMMENT)
"""Steps where a citizen is expected to act, so the idle timeout applies."""


class Saver(Protocol):
    """Writes a draft durably, then calls ``done`` (on the flow's thread) with the result."""

    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None: ...


class Appender(Protocol):
    def append(self, draft: Draft) -> Record: ...


class StoreSaver:
    """A saver that writes on the caller's thread; for tests and command-line tools."""

    def __init__(self, store: Appender) -> None:
        self.store = store

    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        try:
            record = self.store.append(draft)
        except StorageError as exc:
            done(exc)
        else:
            done(record)


@dataclass(eq=False)
class Session:
    """One citizen's records on their way to the disk.

    The writer's answers find the session they belong to even after it ended (the citizen
    walked away), so a late commit or failure never touches the next citizen's session."""

    rated: bool = False
    """A rating was handed to the writer."""
    rating: Record | None = None
    """The rating, once committed."""
    rating_failed: bool = False
    waiting: int = 0
    """Records handed to the writer, or held for their rating, and not yet reported."""
    held: list[Draft] = field(default_factory=list)
    """Reasons or a comment given before their rating was committed: they need its uuid."""
    landed: list[Record] = field(default_factory=list)
    """Records committed, in the order the writer reported them."""
    reasons_sent: bool = False
    """The reasons went to the writer (or wait for the rating): never twice."""


@dataclass
class FlowConfig:
    center_id: str
    services: list[str] = field(default_factory=list)
    default_language: str = "ka"
    idle_timeout_s: float = 30
    still_there_s: float = 15
    thanks_s: float = 5
    error_s: float = 10
    ask_comment: bool = True
    comment_max_len: int = 500
    debounce_s: float = 0.5
    cooldown_s: float = 2.0
    """After a rating, how long Welcome ignores taps before the next session can start."""
    burst_count: int = 5
    burst_window_s: float = 60.0
    """More than ``burst_count`` ratings within this many seconds are flagged ``burst``."""


class Flow:
    """One kiosk's citizen flow. Not thread-safe: feed it from one thread."""

    def __init__(
        self,
        catalog: Catalog,
        config: FlowConfig,
        saver: Saver,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.catalog = catalog
        self.config = config
        self.saver = saver
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._next_catalog: Catalog | None = None
        self._last_tap: tuple[object, float] | None = None
        self._recent_ratings: deque[float] = deque()
        self.cooldown_until = 0.0
        self.language = config.default_language
        self.large_text = False
        self.listen = False
        """Spoken guidance for this citizen; the UI speaks, the flow only remembers the choice."""
        self.unreported = 0
        """Records of every session, ended ones too, given but not yet reported by the writer
        (or held for their rating): what the kiosk waits for before its writer stops."""
        self._reset()

    def _reset(self) -> None:
        self.step = Step.WELCOME
        self.session = Session()
        self.service: Service | None = None
        self.score: int | None = None
        self.selected: list[str] = []
        self.saving = False
        """The citizen is done and "thank you" waits for the session's last commit."""
        self.error: StorageError | None = None
        self.prompt_deadline: float | None = None
        self.step_since = self.clock()
        self.last_activity = self.step_since

    # -- observers ---------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- what the screens show ---------------------------------------------------------------

    @property
    def rating(self) -> Record | None:
        """This session's rating, once committed."""
        return self.session.rating

    @property
    def in_flight(self) -> int:
        """This session's records not yet committed (or reported failed)."""
        return self.session.waiting

    @property
    def landed(self) -> tuple[Record, ...]:
        """This session's records committed so far, oldest first."""
        return tuple(self.session.landed)

    def services(self) -> list[Service]:
        """The services this kiosk offers, in the order staff chose."""
        if not self.config.services:
            return list(self.catalog.services)
        known = {s.id: s for s in self.catalog.services}
        return [known[i] for i in self.config.services if i in known]

    def groups(self) -> list[tuple[Category, list[Service]]]:
        """Services grouped by category, categories in catalog order."""
        services = self.services()
        return [
            (category, [s for s in services if s.category == category.id])
            for category in self.catalog.categories
            if any(s.category == category.id for s in services)
        ]

    def question(self) -> str:
        assert self.service is not None
        return self.catalog.question_for(self.service, self.language)

    def reasons(self) -> tuple[Reason, ...]:
        if self.service is None or self.score is None:
            return ()
        return self.catalog.reasons_for(self.service, self.score)

    def still_there_remaining(self) -> int | None:
        """Whole seconds left on the "Still there?" prompt, or None when it is not shown."""
        if self.prompt_deadline is None:
            return None
        return max(0, math.ceil(self.prompt_deadline - self.clock()))

    # -- taps --------------------------------------------------------------------------------

    def _tap(self, control: object) -> bool:
        """Accept a tap unless it repeats the same control within the debounce time."""
        now = self.clock()
        last = self._last_tap
        if last and last[0] == control and now - last[1] < self.config.debounce_s:
            return False
        self._last_tap = (control, now)
        self.last_activity = now
        return True

    def _go(self, step: Step) -> None:
        self.step = step
        self.step_since = self.clock()
        self.last_activity = self.step_since
        self.prompt_deadline = None
        self._changed()

    def touch(self) -> None:
        """Any touch on the screen counts as activity for the idle timeout."""
        self.last_activity = self.clock()

    def set_language(self, language: str) -> None:
        if language not in ("ka", "en") or not self._tap(("language", language)):
            return
        self.language = language
        self._changed()

    def toggle_large_text(self) -> None:
        if not self._tap("large-text"):
            return
        self.large_text = not self.large_text
        self._changed()

    def toggle_listen(self) -> None:
        """Like "Aa": for this citizen only, until the session ends."""
        if not self._tap("listen"):
            return
        self.listen = not self.listen
        self._changed()

    def start(self) -> None:
        if self.step is not Step.WELCOME or self.clock() < self.cooldown_until:
            return
        if self._tap("start"):
            self._go(Step.CHOOSE)

    def back(self) -> None:
        if self.saving or not self._tap("back"):
            return
        if self.step is Step.CHOOSE:
            self._finish_session()
        elif self.step is Step.RATE:
            self.service = None
            self._go(Step.CHOOSE)

    def choose(self, service_id: str) -> None:
        if self.step is not Step.CHOOSE or not self._tap(("choose", service_id)):
            return
        self.service = next((s for s in self.services() if s.id == service_id), None)
        if self.service is None:
            log.warning("tap on unknown service %r ignored", service_id)
            return
        self._go(Step.RATE)

    def rate(self, score: int) -> None:
        """The tap is the rating: it goes to the writer now, and the next step opens while
        it is committed."""
        if self.step is not Step.RATE or self.saving or not 1 <= score <= 5:
            return
        if not self._tap(("rate", score)):
            return
        assert self.service is not None
        self.score = score
        self.session.rated = True
        # Handed to the writer before the next screen is drawn, so the commit runs meanwhile.
        self._save(self._draft(Kind.RATING, score=score, flags=self._burst_flags()))
        if self.step is Step.RATE:  # not if a saver on this thread reported a failure
            if self.reasons():
                self._go(Step.REASONS)
            else:
                self._after_reasons()

    def _burst_flags(self) -> tuple[str, ...]:
        """Flag (never drop) a rating that arrives in a burst: someone may be stuffing."""
        now = self.clock()
        window = self.config.burst_window_s
        while self._recent_ratings and now - self._recent_ratings[0] > window:
            self._recent_ratings.popleft()
        self._recent_ratings.append(now)
        return (Flag.BURST,) if len(self._recent_ratings) > self.config.burst_count else ()

    def toggle_reason(self, reason_id: str) -> None:
        if self.step is not Step.REASONS or self.saving:
            return
        if reason_id not in {r.id for r in self.reasons()}:
            return
        if not self._tap(("reason", reason_id)):
            return
        if reason_id in self.selected:
            self.selected.remove(reason_id)
        else:
            self.selected.append(reason_id)
        self._changed()

    def submit_reasons(self) -> None:
        if self.step is not Step.REASONS or self.saving or not self._tap("submit-reasons"):
            return
        if self.selected:
            self.session.reasons_sent = True
            self._save(self._reasons_draft())
        if self.step is Step.REASONS:
            self._after_reasons()

    def _reasons_draft(self) -> Draft:
        ordered = tuple(r.id for r in self.reasons() if r.id in self.selected)
        return self._draft(Kind.REASONS, reasons=ordered)

    def _after_reasons(self) -> None:
        if self.config.ask_comment:
            self._go(Step.COMMENT)
        else:
            self._done()

    def skip(self) -> None:
        if self.saving or not self._tap(("skip", self.step)):
            return
        if self.step is Step.REASONS:
            self.selected.clear()
            self._after_reasons()
        elif self.step is Step.COMMENT:
            self._done()

    def submit_comment(self, text: str) -> None:
        if self.step is not Step.COMMENT or self.saving or not self._tap("submit-comment"):
            return
        text = text.strip()[: self.config.comment_max_len]
        if text:
            self._save(self._draft(Kind.COMMENT, comment=text))
        if self.step is Step.COMMENT:
            self._done()

    def _done(self) -> None:
        """The citizen has answered: thank them now if all is committed, else once it is
        (the screen shows "saving" meanwhile)."""
        if self.session.waiting:
            self.saving = True
            self._changed()
        else:
            self._go(Step.THANKS)

    def keep_alive(self) -> None:
        """The "Continue" button on the "Still there?" prompt."""
        if self.prompt_deadline is None:
            return
        self.last_activity = self.clock()
        self.prompt_deadline = None
        self._changed()

    # -- saving ------------------------------------------------------------------------------

    def _save(self, draft: Draft) -> None:
        """Count the record as this session's until the writer reports; reasons and a comment
        wait for their rating's commit, whose uuid they carry."""
        session = self.session
        session.waiting += 1
        self.unreported += 1
        if draft.kind == Kind.RATING:
            self._hand_over(session, draft)
        elif session.rating is not None:
            self._hand_over(session, replace(draft, rating_uuid=session.rating.uuid))
        else:
            session.held.append(draft)

    def _hand_over(self, session: Session, draft: Draft) -> None:
        self.saver.save(draft, lambda result: self._reported(session, draft.kind, result))

    def _reported(self, session: Session, kind: str, result: SaveResult) -> None:
        """The writer's answer for one of ``session``'s records (on the flow's thread)."""
        session.waiting -= 1
        self.unreported -= 1
        current = session is self.session
        if isinstance(result, StorageError):
            if kind == Kind.RATING:
                self._drop_held(session, result)
            if not current:
                log.error("a %s given before the citizen left could not be saved: %s", kind, result)
            elif self.step is Step.ERROR:
                log.error("the %s just given could not be saved either: %s", kind, result)
            else:
                self._failed(kind, result)
            return
        session.landed.append(result)
        if kind == Kind.RATING:
            session.rating = result
            held, session.held = session.held, []
            for draft in held:
                self._hand_over(session, replace(draft, rating_uuid=result.uuid))
        if not current or self.step is Step.ERROR:
            return
        if self.saving and not session.waiting:
            self.saving = False
            self._go(Step.THANKS)
        else:
            self._changed()  # what was given is now stored (Listen says so)

    def _drop_held(self, session: Session, error: StorageError) -> None:
        """Reasons or a comment whose rating was not saved are not written: they would point
        at nothing. The rating's failure is what the citizen (or the log) is told."""
        session.rating_failed = True
        for draft in session.held:
            log.error("the %s could not be saved, as its rating was not: %s", draft.kind, error)
        session.waiting -= len(session.held)
        self.unreported -= len(session.held)
        session.held = []

    def _failed(self, kind: str, error: StorageError) -> None:
        log.error("the %s just given could not be saved: %s", kind, error)
        self.error = error
        self.saving = False
        self._go(Step.ERROR)

    # -- time --------------------------------------------------------------------------------

    def tick(self) -> None:
        """Advance timers; the UI calls this a few times a second."""
        now = self.clock()
        if self.saving:
            return
        if self.step in (Step.THANKS, Step.ERROR):
            limit = self.config.thanks_s if self.step is Step.THANKS else self.config.error_s
            if now - self.step_since >= limit:
                self._finish_session()
            return
        if self.step not in ASKING:
            return
        if self.prompt_deadline is None:
            if now - self.last_activity >= self.config.idle_timeout_s:
                self.prompt_deadline = now + self.config.still_there_s
                self._changed()
        elif now >= self.prompt_deadline:
            log.info("citizen left at step %s; session ended", self.step)
            self._finish_session()
        else:
            self._changed()

    def _finish_session(self) -> None:
        """Back to Welcome for the next person: keep what was answered, reset the rest. The
        session's records still in flight are committed (or reported) after it ends."""
        session = self.session
        if self.step is Step.REASONS and self.selected and not session.reasons_sent:
            session.reasons_sent = True
            self._save(self._reasons_draft())
        if session.rated and not session.rating_failed:
            self.cooldown_until = self.clock() + self.config.cooldown_s
        self.language = self.config.default_language
        self.large_text = False
        self.listen = False
        if self._next_catalog is not None:
            self.catalog, self._next_catalog = self._next_catalog, None
        self._reset()
        self._changed()

    def set_catalog(self, catalog: Catalog) -> None:
        """Swap catalogs only between citizens: now if at Welcome, else when the session ends."""
        if self.step is Step.WELCOME:
            self.catalog = catalog
            self._changed()
        else:
            self._next_catalog = catalog

    # -- records -----------------------------------------------------------------------------

    def _draft(self, kind: str, **values: object) -> Draft:
        """A record as given now; a reasons or comment draft gets its rating's uuid when it is
        handed to the writer (:meth:`_save`)."""
        assert self.service is not None
        return Draft(
            kind=kind,
            rating_uuid=None,
            center_id=self.config.center_id,
            service_id=self.service.id,
            catalog_version=self.catalog.version,
            language=self.language,
            **values,  # type: ignore[arg-type]
        )
