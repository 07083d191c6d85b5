"""First-run setup on the touch screen: language, server or offline, service center, the
programs shown, the staff PIN, idle time and theme. It can be run again from the staff panel.

Every step checks what was entered and says what is wrong in plain words; enrollment runs on
a worker so the screen stays alive while the server is asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from common.catalog import Catalog
from kiosk.pin import PinError, PinGuard
from kiosk.settings import Settings
from ui import i18n
from ui.i18n import _
from ui.screens.base import label
from ui.staff.admin import ServicesEditor, button
from ui.staff.messages import problem_text
from ui.staff.pin_pad import PinPad
from ui.staff.services import StaffServices
from ui.tasks import Tasks
from ui.widgets.keyboard import OnScreenKeyboard
from ui.widgets.wrap_button import WrapButton

log = logging.getLogger("ui.staff.wizard")


STEP_COUNT = 8

Enroller = Callable[[Path, str, str], object]
"""``enroll(data_dir, server_url, code)``; returns an enrollment with ``center_id``."""


def default_enroller(data_dir: Path, url: str, code: str) -> object:
    from sync.job import enroll

    return enroll(data_dir, url, code)


def enrolled_center(data_dir: Path) -> str | None:
    """The center the server assigned when this kiosk was last enrolled, or None when it never
    was (offline only). A damaged enrollment counts as none: staff must enroll again anyway."""
    from kiosk.keys import CredentialsError
    from sync.keys import KioskFiles

    try:
        enrollment = KioskFiles(data_dir).enrollment()
    except CredentialsError as exc:
        log.warning("enrollment not readable: %s", exc)
        return None
    return enrollment.center_id if enrollment is not None and enrollment.center_id else None


@dataclass
class Answers:
    """What the wizard has gathered so far."""

    language: str = "ka"
    server_url: str | None = None
    kiosk_name: str | None = None
    center_id: str = ""
    assigned_center_id: str | None = None
    """The center the server enrolled this kiosk for: the only one offered, since the server
    refuses records that claim another (``wrong_center``). None for an offline-only kiosk."""
    services: list[str] = field(default_factory=list)
    pin_set: bool = False
    idle_timeout_s: int = 30
    theme: str = "demo"


class SetupWizard(QWidget):
    """Emits ``finished(Settings)`` when staff tap "Start the kiosk" on the last step."""

    finished = Signal(object)
    cancelled = Signal()

    def __init__(
        self,
        services: StaffServices,
        tasks: Tasks,
        enroller: Enroller = default_enroller,
        can_cancel: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self.enroller = enroller
        self.can_cancel = can_cancel
        current = services.settings()
        assigned = enrolled_center(services.data_dir)
        self.answers = Answers(
            language=current.default_language,
            center_id=assigned or current.center_id,
            assigned_center_id=assigned,
            services=list(current.services),
            idle_timeout_s=current.idle_timeout_s,
            theme=current.theme,
        )
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.step_names: list[str] = []
        self.stack.currentChanged.connect(self._show_summary)
        self._build()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        """(Re)build every step in the current language."""
        while self.stack.count():
            page = self.stack.widget(0)
            if page is None:
                break
            self.stack.removeWidget(page)
            page.deleteLater()
        self.step_names = []
        for name, builder in (  # each builder runs with its own name already appended
            ("language", self._language_step),
            ("connection", self._connection_step),
            ("center", self._center_step),
            ("services", self._services_step),
            ("pin", self._pin_step),
            ("idle", self._idle_step),
            ("theme", self._theme_step),
            ("done", self._done_step),
        ):
            self.step_names.append(name)
            self.stack.addWidget(builder())

    def _page(self, title: str, hint: str = "") -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(16)
        counter = label("counter")
        counter.setText(
            _("Setup, step {n} of {total}").format(n=len(self.step_names), total=STEP_COUNT)
        )
        heading = label("title")
        heading.setText(title)
        layout.addWidget(counter)
        layout.addWidget(heading)
        if hint:
            text = label("subtitle")
            text.setText(hint)
            layout.addWidget(text)
        return page, layout

    def _nav(self, layout: QVBoxLayout, next_slot: Callable[[], None] | None) -> None:
        row = QHBoxLayout()
        if len(self.step_names) > 1:
            back = button(_("Back"))
            back.clicked.connect(self.back)
            row.addWidget(back, 1)
        elif self.can_cancel:
            cancel = button(_("Cancel"))
            cancel.clicked.connect(self.cancelled)
            row.addWidget(cancel, 1)
        if next_slot is not None:
            forward = button(_("Next"), "primary")
            forward.clicked.connect(next_slot)
            row.addWidget(forward, 2)
        layout.addStretch(1)
        layout.addLayout(row)

    def current_step(self) -> str:
        return self.step_names[self.stack.currentIndex()]

    def go(self, name: str) -> None:
        self.stack.setCurrentIndex(self.step_names.index(name))

    def next(self) -> None:
        self.stack.setCurrentIndex(min(self.stack.count() - 1, self.stack.currentIndex() + 1))

    def back(self) -> None:
        self.stack.setCurrentIndex(max(0, self.stack.currentIndex() - 1))

    # -- steps ------------------------------------------------------------------------------

    def _language_step(self) -> QWidget:
        page, layout = self._page(_("Language"), _("Which language should the kiosk start in?"))
        for code, name in (("ka", "ქართული"), ("en", "English")):
            choice = button(name, "primary" if code == self.answers.language else "secondary")
            choice.clicked.connect(partial(self._choose_language, code))
            layout.addWidget(choice)
        self._nav(layout, None)
        return page

    def _choose_language(self, code: str) -> None:
        self.answers.language = code
        i18n.set_language(code)
        self._build()
        self.go("connection")

    def _connection_step(self) -> QWidget:
        page, layout = self._page(
            _("Municipal server"),
            _(
                "Connect this kiosk to the municipal server with the enrollment code you were "
                "given, or use it offline and deliver ratings by export."
            ),
        )
        self.url = QLineEdit(self.answers.server_url or "https://")
        self.url.setAccessibleName(_("Server address"))
        self.url.setPlaceholderText(_("Server address"))
        self.code = QLineEdit()
        self.code.setAccessibleName(_("Enrollment code"))
        self.code.setPlaceholderText(_("Enrollment code, e.g. K7QM-2XPA"))
        self.code.setMaxLength(12)
        self.connection_message = label("subtitle")
        if self.answers.kiosk_name:
            self.connection_message.setText(
                _("Connected as {name}.").format(name=self.answers.kiosk_name)
            )
        self.keyboard = OnScreenKeyboard(key_size=56, layout="en")
        self.keyboard.set_target(self.url)
        self.url.installEventFilter(self)
        self.code.installEventFilter(self)
        connect = button(_("Connect"), "primary")
        connect.clicked.connect(self._connect)
        self.connect_button = connect
        offline = button(_("Offline only"))
        offline.clicked.connect(self._offline)
        row = QHBoxLayout()
        row.addWidget(offline, 1)
        row.addWidget(connect, 2)
        for widget in (self.url, self.code, self.connection_message):
            layout.addWidget(widget)
        layout.addLayout(row)
        layout.addWidget(self.keyboard)
        self._nav(layout, None)
        return page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The keyboard types into whichever field was touched last."""
        if (
            event.type() == QEvent.Type.MouseButtonPress
            and isinstance(watched, QLineEdit)
            and watched in (self.url, self.code)
        ):
            self.keyboard.set_target(watched)
        return False

    def _connect(self) -> None:
        url = self.url.text().strip()
        code = self.code.text().strip()
        if not url.startswith(("https://", "http://")) or len(url) < 10:
            self.connection_message.setText(_("Type the server address, starting with https://"))
            return
        if len(code.replace("-", "")) < 6:
            self.connection_message.setText(_("Type the enrollment code."))
            return
        self.connection_message.setText(_("Connecting…"))
        self.connect_button.setEnabled(False)
        work = partial(self.enroller, self.services.data_dir, url, code)
        self.tasks.run(work, partial(self._connected, url))

    def _connected(self, url: str, result: object) -> None:
        self.connect_button.setEnabled(True)
        if isinstance(result, Exception):
            message = problem_text(getattr(result, "code", None), str(result))
            log.warning("enrollment failed: %s", result)
            self.connection_message.setText(message)
            return
        self.answers.server_url = url
        self.answers.kiosk_name = str(getattr(result, "kiosk_name", ""))
        center = str(getattr(result, "center_id", ""))
        if center:
            self.answers.center_id = center
            self.answers.assigned_center_id = center
        self.services.store.audit("setup: enrolled", f"{self.answers.kiosk_name} at {url}")
        self._build()  # the center step now offers the assigned center alone
        self.go("center")

    def _offline(self) -> None:
        self.answers.server_url = None
        self.next()

    def _catalog(self) -> Catalog:
        return self.services.catalog()

    def _center_step(self) -> QWidget:
        assigned = self.answers.assigned_center_id
        if assigned:
            hint = _(
                "The municipal server assigned this kiosk to this service center. To move it "
                "to another one, enroll it again with a code for that center."
            )
        else:
            hint = _("Where does this kiosk stand?")
        page, layout = self._page(_("Service center"), hint)
        self.center_buttons: dict[str, WrapButton] = {}
        language = self.answers.language
        names = {center.id: center.name.get(language) for center in self._catalog().centers}
        # An assigned center missing from the catalog is shown by its id, never hidden.
        offered = [assigned] if assigned else list(names)
        for center_id in offered:
            choice = button(names.get(center_id, center_id))
            choice.setCheckable(True)
            choice.setChecked(center_id == self.answers.center_id)
            choice.clicked.connect(partial(self._choose_center, center_id))
            self.center_buttons[center_id] = choice
            layout.addWidget(choice)
        self.center_message = label("subtitle")
        layout.addWidget(self.center_message)
        self._nav(layout, self._center_done)
        return page

    def _choose_center(self, center_id: str) -> None:
        assigned = self.answers.assigned_center_id
        self.answers.center_id = assigned or center_id
        for key, choice in self.center_buttons.items():
            choice.setChecked(key == self.answers.center_id)

    def _center_done(self) -> None:
        assigned = self.answers.assigned_center_id
        if assigned:
            self.answers.center_id = assigned
            self.next()
            return
        known = {c.id for c in self._catalog().centers}
        if self.answers.center_id not in known and known:
            self.center_message.setText(_("Choose the service center."))
            return
        self.next()

    def _services_step(self) -> QWidget:
        chooser = replace(self.services, settings=self._draft_settings)
        editor = ServicesEditor(chooser, self._services_done)
        return editor

    def _draft_settings(self) -> Settings:
        return replace(self.services.settings(), services=list(self.answers.services))

    def _services_done(self, chosen: list[str] | None) -> None:
        if chosen is None:
            self.back()
            return
        self.answers.services = chosen
        self.next()

    def _pin_step(self) -> QWidget:
        page, layout = self._page(_("Staff PIN"), _("Choose a PIN of at least 6 digits."))
        self.pin_message = label("subtitle")
        self.pin_pad = PinPad()
        self._first_pin: str | None = None
        self.pin_pad.submitted.connect(self._pin_entered)
        layout.addWidget(self.pin_message)
        layout.addWidget(self.pin_pad, 0, Qt.AlignmentFlag.AlignHCenter)
        self._nav(layout, None)
        return page

    def _pin_entered(self, pin: str) -> None:
        if self._first_pin is None:
            self._first_pin = pin
            self.pin_message.setText(_("Type the same PIN once more."))
            return
        first, self._first_pin = self._first_pin, None
        guard: PinGuard = self.services.pin
        try:
            guard.set_pin(first, pin)
        except PinError as exc:
            self.pin_message.setText(_(str(exc)) + " " + _("Start again."))
            return
        self.answers.pin_set = True
        self.pin_message.setText(_("PIN saved."))
        self.next()

    def _idle_step(self) -> QWidget:
        page, layout = self._page(
            _("Idle time"),
            _("Seconds without a touch before the kiosk asks 'Are you still there?'"),
        )
        self.idle_value = label("title", center=True)
        row = QGridLayout()
        shorter = button("−10")
        shorter.setAccessibleName(_("Shorter idle time"))
        shorter.clicked.connect(partial(self._change_idle, -10))
        longer = button("+10")
        longer.setAccessibleName(_("Longer idle time"))
        longer.clicked.connect(partial(self._change_idle, 10))
        row.addWidget(shorter, 0, 0)
        row.addWidget(self.idle_value, 0, 1)
        row.addWidget(longer, 0, 2)
        layout.addLayout(row)
        self._change_idle(0)
        self._nav(layout, self.next)
        return page

    def _change_idle(self, delta: int) -> None:
        self.answers.idle_timeout_s = max(10, min(600, self.answers.idle_timeout_s + delta))
        self.idle_value.setText(_("{n} seconds").format(n=self.answers.idle_timeout_s))

    def _theme_step(self) -> QWidget:
        page, layout = self._page(_("Theme"), _("Colours and emblem of the municipality."))
        self.theme_buttons = {}
        for theme in self.services.themes:
            choice = button(_("Theme: {name}").format(name=theme))
            choice.setCheckable(True)
            choice.setChecked(theme == self.answers.theme)
            choice.clicked.connect(partial(self._choose_theme, theme))
            self.theme_buttons[theme] = choice
            layout.addWidget(choice)
        self._nav(layout, self.next)
        return page

    def _choose_theme(self, theme: str) -> None:
        self.answers.theme = theme
        for key, choice in self.theme_buttons.items():
            choice.setChecked(key == theme)

    def _done_step(self) -> QWidget:
        page, layout = self._page(_("Ready"))
        self.summary = label("subtitle")
        layout.addWidget(self.summary)
        self.done_message = label("subtitle")
        layout.addWidget(self.done_message)
        start = button(_("Start the kiosk"), "primary")
        start.clicked.connect(self._finish)
        layout.addWidget(start)
        self._nav(layout, None)
        return page

    def _show_summary(self, index: int) -> None:
        if not 0 <= index < len(self.step_names) or self.step_names[index] != "done":
            return
        a = self.answers
        self.summary.setText(
            "\n".join(
                [
                    _("Server: {url}").format(url=a.server_url or _("offline only")),
                    _("Service center: {center}").format(center=a.center_id),
                    _("Programs and services shown: {n}").format(
                        n=len(a.services) or len(self._catalog().services)
                    ),
                    _("Idle time: {n} s").format(n=a.idle_timeout_s),
                    _("Theme: {name}").format(name=a.theme),
                ]
            )
        )

    def _finish(self) -> None:
        if not self.services.pin.is_set():
            self.done_message.setText(_("Set the staff PIN first."))
            self.go("pin")
            return
        a = self.answers
        settings = replace(
            self.services.settings(),
            center_id=a.assigned_center_id or a.center_id,
            services=list(a.services),
            default_language=a.language,
            idle_timeout_s=a.idle_timeout_s,
            theme=a.theme,
        )
        self.finished.emit(settings)
