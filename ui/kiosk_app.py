"""The whole kiosk put together: storage, the citizen flow, the window, staff screens and the
background sync, wired so that each part stays ignorant of the others."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, QTimer, Signal
from PySide6.QtWidgets import QApplication

from common.catalog import Catalog, CatalogError, load_catalog
from common.theme import Theme, ThemeError, load_theme
from kiosk.database import DB_FILE, KioskDatabase
from kiosk.errors import StorageError, os_storage_kind
from kiosk.flow import Flow, FlowConfig, Step
from kiosk.settings import SETTINGS_FILE, Settings, save_settings
from kiosk.storage import Store, utc_now
from ui import i18n
from ui.app import KioskWindow
from ui.bridge import QtSaver
from ui.first_frame import FirstFrame
from ui.i18n import _
from ui.screens.welcome import WelcomeScreen
from ui.theme import DEMO_THEME

if TYPE_CHECKING:
    from kiosk.pin import PinGuard
    from sync.background import BackgroundSync  # imported when sync starts, not at launch
    from ui.speech import SpeechSink, SpeechSupport
    from ui.staff.hold_hint import HoldHint
    from ui.staff.services import Enroller, StaffServices
    from ui.staff.wizard import SetupWizard

log = logging.getLogger("ui.kiosk_app")

CATALOG_FILE = "catalog.json"
THEMES = ("demo", "seaside")
RECORDS_AT_EXIT_S = 5.0
"""How long closing the kiosk waits for the records citizens gave to be committed: a rating's
commit must be reported back before its held reasons or comment can follow it to the disk."""
SPEECH_PROBE_DELAY_MS = 500
"""Whether the tablet can speak is found out this long after start (on a worker), so the
probe's processes never compete with the first screen for a small tablet's processor."""


def flow_config(settings: Settings, catalog: Catalog) -> FlowConfig:
    center = settings.center_id or (catalog.centers[0].id if catalog.centers else "default")
    return FlowConfig(
        center_id=center,
        services=list(settings.services),
        default_language=settings.default_language,
        idle_timeout_s=settings.idle_timeout_s,
        still_there_s=settings.still_there_s,
        thanks_s=settings.thanks_s,
        ask_comment=settings.ask_comment,
        comment_max_len=settings.comment_max_len,
        cooldown_s=settings.cooldown_s,
        burst_count=settings.burst_count,
        burst_window_s=settings.burst_window_s,
    )


def keyboard_key_size(window_size: QSize) -> int:
    """Keys for typing a server address: about a twelfth of the screen's short side, so 10
    keys fit a row of a 600 px wide portrait screen, and no larger than a thumb needs."""
    return max(48, min(72, min(window_size.width(), window_size.height()) // 12))


def theme_or_demo(name: str) -> Theme:
    try:
        return load_theme(name)
    except ThemeError as exc:
        log.error("%s; using the demo theme", exc)
        return DEMO_THEME


class KioskApp(QObject):
    status_arrived = Signal(object)

    def __init__(
        self,
        data_dir: Path,
        catalog: Catalog,
        settings: Settings | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utc_now,
        pin_clock: Callable[[], float] = time.monotonic,
        enroller: Enroller | None = None,
        export_folders: Callable[[], list[Path]] | None = None,
        sync_options: dict[str, object] | None = None,
        demo: bool = False,
        speech_probe: Callable[[], SpeechSupport] | None = None,
        speech_sink: Callable[[str, int, int], SpeechSink] | None = None,
        database: Callable[[], KioskDatabase] | None = None,
        after_start: Callable[[], object] | None = None,
    ) -> None:
        """``demo``: the demo kiosk (``kiosk --demo``), whose database is marked so that its
        ratings are never synced or exported. ``pin_clock``: monotonic seconds for the PIN
        lock-out. A damaged database is salvaged as it is opened (``kiosk.salvage``), before
        the window opens; the staff panel then says what happened. ``database``: the database
        being opened already (``ui.main`` starts it before Qt loads,
        :class:`kiosk.database.Opening`); by default it is opened here. ``enroller`` and
        ``export_folders``: by default ``ui.staff.services``' own. ``after_start``: called once
        the start is over (the screens made, the sync started; ``ui.main`` freezes the heap)."""
        super().__init__()
        self.data_dir = Path(data_dir)
        self.first_run = settings is None
        self.fullscreen = False
        """Set by the launcher when the window runs fullscreen (a real kiosk)."""
        self.settings = settings or Settings()
        self.enroller = enroller
        self.sync_options = sync_options or {}
        self.store = (
            database()
            if database is not None
            else KioskDatabase(self.data_dir / DB_FILE, wall_clock, demo=demo)
        )
        """The one way into the database: writes on its own thread, reads on workers."""
        self.writer = self.store.writer
        self.demo = self.store.is_demo()
        self._pin_clock = pin_clock
        self._pin: PinGuard | None = None
        self._pin_timer = QTimer(self)
        self.flow = Flow(
            catalog, flow_config(self.settings, catalog), QtSaver(self.writer), clock=clock
        )
        self._export_folders = export_folders
        self._staff: StaffServices | None = None
        self.window = KioskWindow(self.flow, theme_or_demo(self.settings.theme), lambda: self.staff)
        self.window.setup_requested.connect(partial(self.show_wizard, True))
        self._hold_hint: HoldHint | None = None
        self.wizard: SetupWizard | None = None
        self._size_before_wizard: QSize | None = None
        self.speech_support: SpeechSupport | None = None
        """Whether this tablet can speak; found out on a worker, as the first screen shows."""
        self._speech_sink = speech_sink
        """How to speak (by default espeak-ng, ``ui.speech.EspeakSink``)."""
        self.sink: SpeechSink | None = None
        self._closed = False
        self._after_start = after_start
        self._speech_probe = speech_probe
        """Whether the tablet can speak (by default ``ui.speech.probe_speech``): Listen's
        modules are imported when it runs, after the first frame."""
        QTimer.singleShot(SPEECH_PROBE_DELAY_MS, self._probe_speech)
        self.sync: BackgroundSync | None = None
        self.status_arrived.connect(self._status)
        self.started = False
        """True once the first frame is shown and the rest of the start is under way."""
        FirstFrame(self.window, self._first_frame)

    def _first_frame(self, _at: float) -> None:
        """What can wait until Welcome is on the screen (a citizen reads it for a moment
        before the first tap): keys and Listen, the other screens, the device key, the
        background sync."""
        self.started = True
        QTimer.singleShot(0, self, self._finish_start)

    def _finish_start(self) -> None:
        if self._closed:
            return
        self.make_hold_hint()
        self.pin.checkpoint()  # a lock-out from before the restart goes on being saved
        self.window.make_guide()
        self.window.make_screens()
        self.window.tasks.run(partial(_make_device_key, self.data_dir), lambda _none: None)
        self.start_sync()
        if self._after_start is not None:
            self._after_start()

    @property
    def pin(self) -> PinGuard:
        """The staff PIN's guard, made after the first frame or when first asked for (staff
        are not at the kiosk before its first screen); from then on, a lock-out's remaining
        time is saved every few seconds, so a restart resumes it."""
        if self._pin is None:
            from kiosk.pin import PinGuard

            self._pin = PinGuard(self.store, clock=self._pin_clock)
            self._pin_timer.timeout.connect(self._pin.checkpoint)
            self._pin_timer.start(round(PinGuard.CHECKPOINT_S * 1000))
        return self._pin

    @property
    def staff(self) -> StaffServices:
        """What the staff screens need, made when staff first open them (or the setup)."""
        if self._staff is None:
            from ui.staff.services import StaffServices, removable_media

            self._staff = StaffServices(
                data_dir=self.data_dir,
                store=self.store,
                catalog=self.current_catalog,
                settings=self.current_settings,
                apply_settings=self.apply_settings,
                pin=self.pin,
                sync_now=self.sync_now,
                sync_status=self.sync_status,
                export_folders=self._export_folders or removable_media,
                exit_app=self.exit,
                themes=THEMES,
                theme_looks={name: theme_or_demo(name) for name in THEMES},
                demo=self.demo,
                speech=self.current_speech,
                try_speech=self.try_speech,
            )
        return self._staff

    @property
    def hold_hint(self) -> HoldHint:
        return self.make_hold_hint()

    def make_hold_hint(self) -> HoldHint:
        """The ring around the emblem while staff hold it, made after the first frame (no
        one holds the emblem for seconds before it is shown)."""
        if self._hold_hint is None:
            from ui.staff.hold_hint import HoldHint

            welcome = self.window.screens[Step.WELCOME]
            assert isinstance(welcome, WelcomeScreen)
            self._hold_hint = HoldHint(
                welcome, welcome.logo, self.flow.clock, lambda: self.window.theme().primary
            )
        return self._hold_hint

    # -- state for the staff screens ------------------------------------------------------

    def current_catalog(self) -> Catalog:
        return self.flow.catalog

    def current_settings(self) -> Settings:
        return self.settings

    def apply_settings(self, settings: Settings, description: str) -> None:
        """Apply a settings change at once; save and audit it on the database thread.

        Why there: the file is fsynced, which may take long on a tablet's disk, and being
        queued behind earlier writes keeps the file and the audit log in the same order.
        A file that cannot be written is a storage condition staff see in the panel; the
        change holds until the kiosk restarts."""
        settings.validate()  # a wrong value is the caller's fault: raise it here, at once
        self.store.submit(
            partial(_save_settings, self.data_dir, settings, description),
            what="saving the settings",
        )
        old_theme = self.settings.theme
        self.settings = settings
        config = flow_config(settings, self.flow.catalog)
        for f in fields(FlowConfig):
            setattr(self.flow.config, f.name, getattr(config, f.name))
        if settings.theme != old_theme:
            self.window.set_theme(theme_or_demo(settings.theme))
        self.apply_cursor()
        self.apply_speech()
        self.window.refresh()

    def apply_cursor(self) -> None:
        """Hide the pointer on a touch kiosk (fullscreen only; a windowed run keeps it)."""
        # The override cursor belongs to the application, hence the static calls.
        hidden = QApplication.overrideCursor() is not None
        want = self.settings.hide_cursor and self.fullscreen
        if want and not hidden:
            QApplication.setOverrideCursor(QtCore.Qt.CursorShape.BlankCursor)
        elif hidden and not want:
            QApplication.restoreOverrideCursor()

    # -- Listen ---------------------------------------------------------------------------

    def current_speech(self) -> SpeechSupport | None:
        return self.speech_support

    def _probe_speech(self) -> None:
        if self._closed:
            return
        probe = self._speech_probe
        if probe is None:
            from ui.speech import probe_speech

            probe = probe_speech
        self.window.tasks.run(probe, self._speech_found)

    def _speech_found(self, result: object) -> None:
        if self._closed:
            return
        from ui.speech import NOT_WORKING, SpeechSupport

        if not isinstance(result, SpeechSupport):
            result = SpeechSupport(None, NOT_WORKING, str(result))
        self.speech_support = result
        if result.ready:
            log.info("Listen can speak through %s", result.program)
        else:
            log.warning(
                "Listen is not offered: %s",
                result.problem.format(languages=result.detail, error=result.detail)
                if result.problem
                else "",
            )
        self.apply_speech()

    def apply_speech(self) -> None:
        """Offer Listen where the tablet can speak and the settings want it."""
        support, settings = self.speech_support, self.settings
        if support is None or support.program is None or not support.ready:
            self.window.set_speech(None, settings.speech_volume)
            return
        if self.sink is None:
            if self._speech_sink is None:
                from ui.speech import EspeakSink

                self._speech_sink = EspeakSink
            self.sink = self._speech_sink(
                support.program, settings.speech_rate, settings.speech_volume
            )
        self.sink.rate = settings.speech_rate
        offered = self.sink if settings.listen_button else None
        self.window.set_speech(offered, settings.speech_volume)

    def try_speech(self) -> None:
        """For staff fitting headphones or a speaker: a sentence at the volume citizens start
        at, in the kiosk's current language."""
        if self.sink is None:
            return
        self.sink.volume = self.settings.speech_volume
        self.sink.speak(_("This is how Listen sounds to citizens."), i18n.language())

    # -- setup ----------------------------------------------------------------------------

    def show_wizard(self, can_cancel: bool = False) -> None:
        self._drop_wizard()
        if self.window.isVisible():
            self._size_before_wizard = self.window.size()
        from ui.staff.wizard import SetupWizard  # staff only: not part of the kiosk's start

        if self.enroller is None:
            from ui.staff.services import default_enroller

            self.enroller = default_enroller
        self.wizard = SetupWizard(
            self.staff,
            self.window.tasks,
            self.enroller,
            can_cancel,
            key_size=keyboard_key_size(self._room()),
        )
        self.wizard.finished.connect(self._setup_finished)
        self.wizard.cancelled.connect(self._setup_cancelled)
        self.window.sticky_page = self.wizard if self.first_run else None
        self.window.show_staff_page(self.wizard)

    def _room(self) -> QSize:
        """The window's size, or before it is shown (the first-run wizard), its screen's."""
        screen = self.window.screen()
        if self.window.isVisible() or screen is None:
            return self.window.size()
        return screen.availableGeometry().size()

    def _setup_finished(self, settings: Settings) -> None:
        self.apply_settings(settings, "setup completed")
        self.first_run = False
        self._drop_wizard()
        self.window.close_staff()
        self.restart_sync()

    def _setup_cancelled(self) -> None:
        self._drop_wizard()
        self.window.close_staff()

    def _drop_wizard(self) -> None:
        if self.wizard is not None:
            self.window.pages.removeWidget(self.wizard)
            self.wizard.deleteLater()
            self.wizard = None
            self.fit_window()

    def fit_window(self) -> None:
        """Give the window back the size it had before the wizard, should anything have grown
        it: a window never shrinks by itself, and one taller than the screen hides the
        citizens' buttons below its edge."""
        before, self._size_before_wizard = self._size_before_wizard, None
        screen = self.window.screen()
        if self.fullscreen and screen is not None:
            if self.window.geometry() != screen.geometry():
                self.window.setGeometry(screen.geometry())
            return
        size = self.window.size()
        if before is not None and size != size.boundedTo(before):
            log.warning("the window grew to %dx%d; back to its size", size.width(), size.height())
            self.window.resize(size.boundedTo(before))

    # -- sync -----------------------------------------------------------------------------

    def enrolled(self) -> bool:
        from sync.keys import KioskFiles

        return KioskFiles(self.data_dir).enrollment() is not None

    def start_sync(self) -> None:
        if self.sync is not None or self.demo or not self.enrolled():
            return
        from sync.background import BackgroundSync

        self.sync = BackgroundSync(
            self.data_dir, on_status=self.status_arrived.emit, **self.sync_options
        )
        self.sync.start()

    def restart_sync(self) -> None:
        if self.sync is not None:
            self.sync.stop()
            self.sync = None
        self.start_sync()

    def sync_now(self) -> None:
        if self.sync is None:
            self.start_sync()
        if self.sync is not None:
            self.sync.sync_now()

    def sync_status(self) -> object | None:
        from sync.status import read_status

        return read_status(self.data_dir)

    def _status(self, status: object) -> None:
        """On the GUI thread: swap in a newer catalog between citizens."""
        version = getattr(status, "catalog_version", None)
        if version and version != self.flow.catalog.version:
            path = self.data_dir / CATALOG_FILE
            try:
                self.flow.set_catalog(load_catalog(path))
                log.info("catalog %s will be shown from the next citizen on", version)
            except CatalogError as exc:
                log.error("the new catalog could not be used: %s", exc)

    # -- lifetime -------------------------------------------------------------------------

    def exit(self) -> None:
        self.store.audit("exit to desktop")
        self.window.allow_close = True
        self.window.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def settle_records(self, timeout_s: float = RECORDS_AT_EXIT_S) -> bool:
        """Before the writer stops: wait (at most ``timeout_s``) until the writer has reported
        every record the flow gave it, delivering its reports here, so reasons or a comment
        held for a rating still being committed are handed over and committed too. Only the
        writer's reports (queued calls) are delivered meanwhile, no taps. False if time ran
        out (what was still held is then lost, and logged)."""
        deadline = time.monotonic() + timeout_s
        while self.flow.unreported:
            left = deadline - time.monotonic()
            if left <= 0 or not self.writer.flush(left):
                log.error("closing with %d records not yet saved", self.flow.unreported)
                return False
            QCoreApplication.sendPostedEvents(None, QEvent.Type.MetaCall)
        return True

    def close(self) -> None:
        self._closed = True
        self.settle_records()
        self.fullscreen = False
        self.apply_cursor()
        if self.sync is not None:
            self.sync.stop(timeout=10)
        self.window.allow_close = True
        self._pin_timer.stop()
        if self._pin is not None:
            self._pin.checkpoint()
        self.window.shutdown()
        if self.sink is not None:
            self.sink.close()
        self.store.close()


__all__ = ["KioskApp", "flow_config", "replace"]


def _save_settings(data_dir: Path, settings: Settings, description: str, store: Store) -> None:
    """Write the settings file, then its audit entry (on the database thread)."""
    try:
        save_settings(data_dir, settings)
    except OSError as exc:
        raise StorageError(os_storage_kind(exc), data_dir / SETTINGS_FILE, str(exc)) from exc
    store.audit("settings", description)


def _make_device_key(data_dir: Path) -> None:
    """The device key signs export files even on a kiosk never enrolled: make it at the first
    start (on a worker: making it writes and syncs a file, and loads cryptography)."""
    from kiosk.keys import ensure_device_key

    ensure_device_key(data_dir)
