"""The staff panel: sync state, statistics, quarantined records, settings, export, touch test
and exit. Entered from Welcome by holding the logo and typing the PIN; it leaves by itself
after two idle minutes so it is never left open for the next citizen."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from common import __version__
from common.records import Record
from kiosk.database import KioskDatabase
from kiosk.errors import StorageError
from kiosk.export import ExportError, ExportResult, write_export
from kiosk.pin import PinError, hash_pin, validate_new_pin
from kiosk.settings import Settings, setting_range
from kiosk.stats import Statistics, Summary, statistics
from kiosk.storage import Store
from ui.i18n import N_, _, language
from ui.screens.base import label
from ui.speech import VOLUME_STEPS
from ui.staff.layout import StaffPage, show_message
from ui.staff.local_format import decimal, local_time
from ui.staff.messages import listen_state, problem_text, storage_problem
from ui.staff.pin_screen import PinEntry
from ui.staff.salvage_notice import notice_text
from ui.staff.score_bars import ScoreBars
from ui.staff.services import StaffServices
from ui.staff.theme_preview import theme_preview
from ui.staff.touch_test import TouchTest
from ui.tasks import Tasks
from ui.widgets.wrap_button import WrapButton

log = logging.getLogger("ui.staff.admin")

IDLE_LIMIT_S = 120
RATE_STEP = 20
"""Words a minute per tap on "Slower speech" or "Faster speech"."""
RATE_RANGE = setting_range("speech_rate")
VOLUME_RANGE = setting_range("speech_volume")

SYNC_STATES = {
    "never": N_("Not synced yet."),
    "syncing": N_("Syncing now."),
    "ok": N_("Synced."),
    "retrying": N_("Could not sync; it will try again by itself."),
    "stopped": N_("The server refused this kiosk. Enroll it again."),
    "not_enrolled": N_("Not connected to a server (offline only). Use Export to deliver ratings."),
    "demo": N_("Demo kiosk: its ratings are made up and never leave this tablet."),
    "error": N_("Sync needs attention."),
}
NO_SYNC_STATES = ("not_enrolled", "demo")
"""States in which "Sync now" has nothing to do."""


def breakable(path: str) -> str:
    """A long path may wrap after each "/" (a zero-width space), never run off the screen."""
    return path.replace("/", "/\u200b")


def button(text: str, object_name: str = "secondary") -> WrapButton:
    """A staff button whose label wraps instead of being cut off on a narrow screen."""
    widget = WrapButton(object_name)
    widget.set_text(text)
    widget.set_alignment(Qt.AlignmentFlag.AlignCenter)
    return widget


class ThemeChoice(WrapButton):
    """A theme's button: its preview beside its name, the preview as tall as two lines of the
    button's text (known only once the style sheet has given the button its font)."""

    def __init__(self, services: StaffServices, theme: str) -> None:
        super().__init__("secondary")
        self.look = services.theme_looks.get(theme)
        municipality = self.look.municipality if self.look is not None else None
        shown = municipality.get(language()) if municipality is not None else theme
        self.set_text(_("Theme: {name}").format(name=shown))
        self.setCheckable(True)
        self._side = 0

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Polish, QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._show_preview()
        return super().event(event)

    def _show_preview(self) -> None:
        side = round(self.fontMetrics().height() * 2.4)
        if self.look is None or side == self._side:
            return
        self._side = side
        self.set_icon(QIcon(theme_preview(self.look, side)), side)


def card(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(20, 16, 20, 16)
    heading = label("categoryTitle")
    heading.setText(title)
    layout.addWidget(heading)
    return frame, layout


class AdminPanel(QWidget):
    """Built afresh each time staff come in, so every text is in the current language."""

    leave = Signal()
    rerun_setup = Signal()

    def __init__(self, services: StaffServices, tasks: Tasks, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.pages = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)
        self.main = self._main_page()
        self.pages.addWidget(self.main)
        self.touch_test = TouchTest()
        self.touch_test.done.connect(self.show_main)
        self.pages.addWidget(self.touch_test)
        self.services_page: QWidget | None = None
        self.pin_page: QWidget | None = None
        self.refresh()

    # -- main page ---------------------------------------------------------------------------

    def _main_page(self) -> QWidget:
        page = StaffPage()
        title = label("title")
        title.setText(_("Staff panel"))
        page.top.addWidget(title)
        back = button(_("Back to the kiosk"), "primary")
        back.clicked.connect(self.leave)
        page.footer.addWidget(back)
        self.swipe_area = page.area
        column = page.column
        column.setSpacing(16)

        self.notice_card: QFrame | None = None
        notice = self.services.store.notice
        if notice is not None:
            self.notice_card, box = card(_("The ratings database was repaired"))
            self.notice_text = label("subtitle")
            show_message(self.notice_text, notice_text(notice), error=True)
            noted = button(_("Noted"), "primary")
            noted.clicked.connect(self._notice_noted)
            box.addWidget(self.notice_text)
            box.addWidget(noted)
            column.addWidget(self.notice_card)

        frame, box = card(_("Connection and sync"))
        self.sync_text = label("subtitle")
        self.sync_button = button(_("Sync now"), "primary")
        self.sync_button.clicked.connect(self._sync_now)
        self.sync_button.setEnabled(self.services.sync_now is not None)
        box.addWidget(self.sync_text)
        box.addWidget(self.sync_button)
        column.addWidget(frame)

        frame, box = card(_("Statistics"))
        self.today_text = label("subtitle")
        self.today_bars = ScoreBars()
        self.month_text = label("subtitle")
        self.month_bars = ScoreBars()
        self.stats_text = label("subtitle")
        for widget in (
            self.today_text,
            self.today_bars,
            self.month_text,
            self.month_bars,
            self.stats_text,
        ):
            box.addWidget(widget)
        column.addWidget(frame)

        frame, box = card(_("Set aside by the server"))
        self.quarantine_text = label("subtitle")
        box.addWidget(self.quarantine_text)
        column.addWidget(frame)

        frame, box = card(_("Settings"))
        self.settings_text = label("subtitle")
        box.addWidget(self.settings_text)
        grid = QGridLayout()
        grid.setSpacing(10)
        self.language_buttons = {}
        for column_index, (code, name) in enumerate((("ka", "ქართული"), ("en", "English"))):
            choice = button(name)
            choice.setCheckable(True)
            choice.clicked.connect(partial(self._set_language, code))
            self.language_buttons[code] = choice
            grid.addWidget(choice, 0, column_index)
        shorter = button(_("Shorter idle time"))
        shorter.clicked.connect(partial(self._change_idle, -10))
        longer = button(_("Longer idle time"))
        longer.clicked.connect(partial(self._change_idle, 10))
        grid.addWidget(shorter, 1, 0)
        grid.addWidget(longer, 1, 1)
        self.theme_buttons = {}
        row = 2
        for theme in self.services.themes:  # a row each: preview and name need the width
            choice = ThemeChoice(self.services, theme)
            choice.clicked.connect(partial(self._set_theme, theme))
            self.theme_buttons[theme] = choice
            grid.addWidget(choice, row, 0, 1, 2)
            row += 1
        self.cursor_button = button(_("Hide the mouse pointer"))
        self.cursor_button.setCheckable(True)
        self.cursor_button.clicked.connect(self._toggle_cursor)
        grid.addWidget(self.cursor_button, row, 0, 1, 2)
        row += 1
        row = self._listen_settings(grid, row)
        services = button(_("Programs and services shown"))
        services.clicked.connect(self._show_services)
        change_pin = button(_("Change PIN"))
        change_pin.clicked.connect(self._show_change_pin)
        setup = button(_("Run setup again (re-enroll)"))
        setup.clicked.connect(self.rerun_setup)
        grid.addWidget(services, row, 0)
        grid.addWidget(change_pin, row, 1)
        grid.addWidget(setup, row + 1, 0, 1, 2)
        box.addLayout(grid)
        column.addWidget(frame)

        frame, box = card(_("Export ratings"))
        self.export_text = label("subtitle")
        box.addWidget(self.export_text)
        self.export_box = QVBoxLayout()
        box.addLayout(self.export_box)
        column.addWidget(frame)

        frame, box = card(_("This kiosk"))
        self.device_text = label("subtitle")
        self.device_text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        touch = button(_("Touch test"))
        touch.clicked.connect(self._show_touch_test)
        leave_app = button(_("Exit the kiosk to the desktop"))
        leave_app.clicked.connect(self.services.exit_app)
        box.addWidget(self.device_text)
        box.addWidget(touch)
        box.addWidget(leave_app)
        column.addWidget(frame)
        page.finish()
        return page

    def _listen_settings(self, grid: QGridLayout, row: int) -> int:
        """Listen: offered or not, how fast it speaks, how loud it starts, and a sample to
        hear while fitting headphones or a speaker. Returns the next free row."""
        self.listen_button = button(_("Offer Listen (spoken guidance)"))
        self.listen_button.setCheckable(True)
        self.listen_button.clicked.connect(self._toggle_listen)
        grid.addWidget(self.listen_button, row, 0, 1, 2)
        pairs = (
            (_("Slower speech"), _("Faster speech"), self._change_rate, RATE_STEP),
            (_("Quieter at start"), _("Louder at start"), self._change_volume, 1),
        )
        for offset, (less, more, change, step) in enumerate(pairs, start=1):
            for column_index, (text, delta) in enumerate(((less, -step), (more, step))):
                choice = button(text)
                choice.clicked.connect(partial(change, delta))
                grid.addWidget(choice, row + offset, column_index)
        self.try_speech = button(_("Try speech"))
        self.try_speech.clicked.connect(self._try_speech)
        grid.addWidget(self.try_speech, row + 3, 0, 1, 2)
        return row + 4

    # -- showing state -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read everything; whatever opens the database (sync state, statistics, records
        set aside) on a worker, since on a large database that takes longer than a frame."""
        self.sync_text.setText(_("Counting…"))
        database = self.services.store
        self.tasks.run(partial(_read_sync, database, self.services.sync_status), self._show_sync)
        self._show_settings()
        self._show_export_targets()
        catalog = self.services.catalog()
        facts = [
            _("Device id: {id}").format(id=self.services.store.device_id),
            _("App version: {v}").format(v=__version__),
            _("Catalog version: {v}").format(v=catalog.version),
            _("Data folder: {path}").format(path=breakable(str(self.services.data_dir))),
        ]
        problem = self.services.store.last_error()
        if problem is not None:
            facts.append(
                _("Last storage problem: {problem}").format(problem=storage_problem(problem))
            )
        show_message(self.device_text, "\n".join(facts), error=problem is not None)
        for text in (self.today_text, self.month_text):
            text.setText("")
        self.stats_text.setText(_("Counting…"))
        now_local = self.services.store.clock().astimezone().replace(tzinfo=None)
        self.tasks.run(partial(_read_statistics, database, now_local), self._show_statistics)

    def _show_sync(self, result: object) -> None:
        if isinstance(result, Exception):
            message = _("Sync state could not be read: {error}").format(error=_reason(result))
            show_message(self.sync_text, message, error=True)
            return
        assert isinstance(result, SyncReading)
        status, pending, oldest = result
        lines = []
        if status is not None:
            state = getattr(status, "state", "never")
            lines.append(_(SYNC_STATES.get(state, state)))
            # An offline-only kiosk has nothing to sync with; Export is its way out.
            self.sync_button.setEnabled(
                self.services.sync_now is not None and state not in NO_SYNC_STATES
            )
            server_url = getattr(status, "server_url", None)
            if server_url:
                lines.append(_("Server: {url}").format(url=server_url))
            last_success = getattr(status, "last_success_at", None)
            lines.append(
                _("Last successful sync: {at}").format(
                    at=local_time(last_success) if last_success else _("never")
                )
            )
            last_error = getattr(status, "last_error", None)
            if last_error:
                problem = problem_text(getattr(status, "last_error_code", None), str(last_error))
                lines.append(_("Last problem: {error}").format(error=problem))
        lines.append(_("Ratings waiting to be sent: {n}").format(n=pending))
        if oldest:
            lines.append(_("Oldest waiting since: {at}").format(at=local_time(oldest)))
        show_message(self.sync_text, "\n".join(lines))

    def _show_statistics(self, result: object) -> None:
        if isinstance(result, Exception):
            message = _("Statistics could not be read: {error}").format(error=_reason(result))
            show_message(self.stats_text, message, error=True)
            return
        assert isinstance(result, StatisticsReading)
        stats, quarantined = result
        catalog = self.services.catalog()
        names = {s.id: s.name for s in catalog.services}
        language = self._language()

        def summary(title: str, part: Summary) -> str:
            mean = decimal(part.mean) if part.mean is not None else "—"
            return _("{title}: {n} ratings, average {mean}").format(
                title=title, n=part.count, mean=mean
            )

        self.today_text.setText(summary(_("Today"), stats.today))
        self.today_bars.set_counts(stats.today.scores)
        self.month_text.setText(summary(_("This month"), stats.month))
        self.month_bars.set_counts(stats.month.scores)
        lines = []
        for service_id, count in stats.month.per_service.most_common():
            name = names[service_id].get(language) if service_id in names else service_id
            lines.append(f"• {name}: {count}")
        lines.append(
            _("Flagged as bursts (counted apart): today {today}, this month {month}").format(
                today=stats.burst_today, month=stats.burst_month
            )
        )
        self.stats_text.setText("\n".join(lines))
        if quarantined:
            self.quarantine_text.setText(
                "\n".join(
                    f"#{seq} {service}: {reason}" for seq, service, reason in quarantined[:20]
                )
            )
        else:
            self.quarantine_text.setText(_("None."))

    def _show_settings(self) -> None:
        settings = self.services.settings()
        for code, choice in self.language_buttons.items():
            choice.setChecked(settings.default_language == code)
        for theme, choice in self.theme_buttons.items():
            choice.setChecked(settings.theme == theme)
        self.cursor_button.setChecked(settings.hide_cursor)
        self.listen_button.setChecked(settings.listen_button)
        support = self.services.speech()
        self.try_speech.setEnabled(
            support is not None and support.ready and self.services.try_speech is not None
        )
        shown = len(settings.services) or len(self.services.catalog().services)
        self.settings_text.setText(
            "\n".join(
                [
                    _("Idle time before 'Still there?': {n} s").format(n=settings.idle_timeout_s),
                    _("Programs and services shown: {n}").format(n=shown),
                    listen_state(support, settings.listen_button),
                    _(
                        "Speech: {rate} words a minute; Listen starts at volume {volume} of {total}"
                    ).format(
                        rate=settings.speech_rate,
                        volume=settings.speech_volume,
                        total=VOLUME_STEPS,
                    ),
                ]
            )
        )

    def _show_export_targets(self) -> None:
        while self.export_box.count():
            item = self.export_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if self.services.demo:
            self.export_text.setText(
                _("The demo kiosk's ratings are made up; they are never exported.")
            )
            return
        folders = self.services.export_folders()
        if not folders:
            self.export_text.setText(_("Insert a USB stick to export ratings."))
        else:
            self.export_text.setText(_("Ratings not yet sent to the server can be saved to:"))
        for folder in folders:
            target = button(_("Export to {folder}").format(folder=folder.name))
            target.clicked.connect(partial(self._export, folder))
            self.export_box.addWidget(target)

    def _language(self) -> str:
        return language()

    # -- actions ---------------------------------------------------------------------------

    def _notice_noted(self) -> None:
        self.services.store.acknowledge_notice()
        if self.notice_card is not None:
            self.notice_card.hide()

    def _sync_now(self) -> None:
        if self.services.sync_now:
            self.services.sync_now()
            self.sync_text.setText(_("Syncing now."))

    def _update(self, description: str, settings: Settings) -> None:
        """Save ``settings`` (the current ones with one change) and show them."""
        self.services.apply_settings(settings, description)
        self._show_settings()

    def _set_language(self, code: str) -> None:
        settings = replace(self.services.settings(), default_language=code)
        self._update(f"default_language={code}", settings)

    def _change_idle(self, delta: int) -> None:
        current = self.services.settings().idle_timeout_s
        value = max(10, min(600, current + delta))
        self._update(
            f"idle_timeout_s={value}", replace(self.services.settings(), idle_timeout_s=value)
        )

    def _toggle_cursor(self) -> None:
        hide = not self.services.settings().hide_cursor
        self._update(f"hide_cursor={hide}", replace(self.services.settings(), hide_cursor=hide))

    def _toggle_listen(self) -> None:
        offer = not self.services.settings().listen_button
        self._update(
            f"listen_button={offer}", replace(self.services.settings(), listen_button=offer)
        )

    def _change_rate(self, delta: int) -> None:
        low, high = RATE_RANGE
        value = max(low, min(high, self.services.settings().speech_rate + delta))
        self._update(f"speech_rate={value}", replace(self.services.settings(), speech_rate=value))

    def _change_volume(self, delta: int) -> None:
        low, high = VOLUME_RANGE
        value = max(low, min(high, self.services.settings().speech_volume + delta))
        self._update(
            f"speech_volume={value}", replace(self.services.settings(), speech_volume=value)
        )

    def _try_speech(self) -> None:
        if self.services.try_speech is not None:
            self.services.try_speech()

    def _set_theme(self, theme: str) -> None:
        self._update(f"theme={theme}", replace(self.services.settings(), theme=theme))

    def _export(self, folder: Path) -> None:
        show_message(self.export_text, _("Exporting…"))
        center = self.services.settings().center_id
        self.tasks.run(partial(_export_to, self.services.store, folder, center), self._exported)

    def _exported(self, result: object) -> None:
        if isinstance(result, ExportError | OSError | StorageError):
            shown = storage_problem(result) if isinstance(result, StorageError) else result
            message = _("Export failed: {error}").format(error=shown)
            show_message(self.export_text, message, error=True)
            return
        if isinstance(result, Exception):
            raise result
        assert isinstance(result, ExportResult)
        self.services.store.audit("export", f"{result.count} records to {result.path}")
        show_message(
            self.export_text,
            _("Saved {n} ratings to {path}. Take the file to city hall.").format(
                n=result.ratings, path=breakable(str(result.path))
            ),
        )

    # -- sub-pages --------------------------------------------------------------------------

    def show_main(self) -> None:
        self.pages.setCurrentWidget(self.main)
        self.refresh()

    def _show_touch_test(self) -> None:
        self.touch_test.reset()
        self.pages.setCurrentWidget(self.touch_test)

    def _show_services(self) -> None:
        page = ServicesEditor(self.services, self._services_saved)
        self._replace_page("services_page", page)

    def _services_saved(self, chosen: list[str] | None) -> None:
        if chosen is not None:
            settings = replace(self.services.settings(), services=chosen)
            self._update("services=" + ",".join(chosen), settings)
        self.show_main()

    def _show_change_pin(self) -> None:
        page = ChangePin(self.services, self.tasks, self._pin_done)
        self._replace_page("pin_page", page)

    def _pin_done(self) -> None:
        self.show_main()

    def _replace_page(self, attribute: str, page: QWidget) -> None:
        old = getattr(self, attribute)
        if old is not None:
            self.pages.removeWidget(old)
            old.deleteLater()
        setattr(self, attribute, page)
        self.pages.addWidget(page)
        self.pages.setCurrentWidget(page)


def _reason(error: Exception) -> str:
    """Why a read for the panel failed, for staff; logged in one line when it is a condition
    of the tablet, with its traceback when it is a fault in the program."""
    if isinstance(error, StorageError):
        log.warning("reading for the staff panel failed: %s", error)
        return storage_problem(error)
    log.error("reading for the staff panel failed", exc_info=error)
    return str(error)


class SyncReading(NamedTuple):
    """What the sync card shows, read on a worker."""

    status: object | None
    pending: int
    """Ratings (not records) waiting to be sent."""
    oldest: str | None


class StatisticsReading(NamedTuple):
    """What the statistics and "set aside" cards show, read on a worker."""

    stats: Statistics
    quarantined: list[tuple[int, str, str]]


def _read_sync(database: KioskDatabase, read_status: Callable[[], object] | None) -> SyncReading:
    """On a worker: the sync status (which carries fresh counts) or, without sync, the counts
    alone, read through the app's long-lived read connection."""
    status = read_status() if read_status else None
    pending = getattr(status, "pending_ratings", None)
    if status is not None and isinstance(pending, int):
        return SyncReading(status, pending, getattr(status, "oldest_pending_at", None))
    counts = database.read(lambda store: (store.pending_ratings(), store.oldest_pending_at()))
    return SyncReading(status, *counts)


def _read_statistics(database: KioskDatabase, now_local: datetime) -> StatisticsReading:
    """On a worker."""

    def read(store: Store) -> tuple[list[Record], list[tuple[int, str, str]]]:
        quarantined = [(r.seq, r.service_id, why) for r, why in store.quarantined()]
        return store.records(kind="rating"), quarantined

    records, quarantined = database.read(read)
    return StatisticsReading(statistics(records, now_local), quarantined)


def _export_to(database: KioskDatabase, folder: Path, center: str) -> ExportResult:
    """On a worker: only pending records are exported, and exporting changes none of them."""
    return database.read(lambda store: write_export(store, folder, center))


class ServicesEditor(StaffPage):
    """Choose which programs and services this kiosk offers, and in what order."""

    def __init__(
        self,
        services: StaffServices,
        done: Callable[[list[str] | None], None],
        parent: QWidget | None = None,
        *,
        counter: str = "",
    ) -> None:
        super().__init__(parent)
        self.done = done
        catalog = services.catalog()
        settings = services.settings()
        chosen = settings.services or [s.id for s in catalog.services]
        self.order = list(chosen) + [s.id for s in catalog.services if s.id not in chosen]
        self.enabled = set(chosen)
        self.names = {s.id: s.name for s in catalog.services}
        self.language = language()
        if counter:
            step = label("counter")
            step.setText(counter)
            self.top.addWidget(step)
        title = label("title")
        title.setText(_("Programs and services shown"))
        hint = label("subtitle")
        hint.setText(_("Tap a name to show or hide it; the arrows change the order."))
        self.top.addWidget(title)
        self.top.addWidget(hint)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self.column.addLayout(self.grid)
        self.message = label("subtitle")
        self.dock.addWidget(self.message)
        cancel = button(_("Back") if counter else _("Cancel"))
        cancel.clicked.connect(partial(done, None))
        save = button(_("Save"), "primary")
        save.clicked.connect(self._save)
        self.footer.addWidget(cancel, 1)
        self.footer.addWidget(save, 2)
        self.finish()
        self._build()

    def _build(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for index, service_id in enumerate(self.order):
            name = self.names[service_id].get(self.language)
            toggle = button(name)
            toggle.setCheckable(True)
            toggle.setChecked(service_id in self.enabled)
            toggle.clicked.connect(partial(self._toggle, service_id))
            up = button("▲")
            up.setAccessibleName(_("Move up: {name}").format(name=name))
            up.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            up.setEnabled(index > 0)
            up.clicked.connect(partial(self._move, index, -1))
            down = button("▼")
            down.setAccessibleName(_("Move down: {name}").format(name=name))
            down.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            down.setEnabled(index < len(self.order) - 1)
            down.clicked.connect(partial(self._move, index, 1))
            self.grid.addWidget(toggle, index, 0)
            self.grid.addWidget(up, index, 1)
            self.grid.addWidget(down, index, 2)
        self.grid.setColumnStretch(0, 1)
        self.area.swipe.watch(self.body)

    def _toggle(self, service_id: str) -> None:
        self.enabled ^= {service_id}
        if self.enabled:
            show_message(self.message, "")

    def _move(self, index: int, step: int) -> None:
        target = index + step
        if 0 <= target < len(self.order):
            self.order[index], self.order[target] = self.order[target], self.order[index]
            self._build()

    def _save(self) -> None:
        chosen = [s for s in self.order if s in self.enabled]
        if not chosen:
            show_message(self.message, _("Choose at least one program or service."), error=True)
            return
        self.done(chosen)


class ChangePin(StaffPage):
    """New PIN, typed twice; the slow hash is made on a worker."""

    def __init__(
        self,
        services: StaffServices,
        tasks: Tasks,
        done: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self.done = done
        self.first: str | None = None
        self.busy = False
        """True while the new PIN is being hashed."""
        self.entry = PinEntry()
        self.title = self.entry.title
        self.message = self.entry.message
        self.pad = self.entry.pad
        self.pad.submitted.connect(self._entered)
        cancel = button(_("Cancel"))
        cancel.clicked.connect(done)
        self.column.addWidget(self.entry)
        self.footer.addWidget(cancel)
        self.finish()
        self.title.setText(_("New PIN"))
        self.message.setText(_("Type a new PIN of at least 6 digits."))

    def _entered(self, pin: str) -> None:
        if self.first is None:
            self.first = pin
            self.title.setText(_("New PIN again"))
            show_message(self.message, _("Type the same PIN once more."))
            return
        first, self.first = self.first, None
        try:
            validate_new_pin(first, pin)
        except PinError as exc:
            self.title.setText(_("New PIN"))
            show_message(self.message, _(str(exc)) + " " + _("Start again."), error=True)
            return
        self.busy = True
        self.pad.setEnabled(False)
        show_message(self.message, _("Saving…"))
        self.tasks.run(partial(hash_pin, pin), self._hashed)

    def _hashed(self, result: object) -> None:
        self.busy = False
        self.pad.setEnabled(True)
        if not isinstance(result, str):
            log.error("the new PIN could not be hashed: %s", result)
            show_message(self.message, _("The PIN could not be saved. Try again."), error=True)
            return
        self.services.pin.set_hash(result)
        self.services.store.audit("pin changed")
        self.done()
