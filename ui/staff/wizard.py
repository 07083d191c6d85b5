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
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from common.catalog import Catalog
from kiosk.pin import PinError, hash_pin, validate_new_pin
from kiosk.settings import Settings
from ui import i18n
from ui.i18n import _
from ui.screens.base import label
from ui.staff.admin import ServicesEditor, ThemeChoice, button
from ui.staff.layout import StaffPage, show_message
from ui.staff.messages import listen_state, problem_text
from ui.staff.pin_screen import PinEntry
from ui.staff.services import Enroller, StaffServices, default_enroller
from ui.tasks import Tasks
from ui.widgets.keyboard import OnScreenKeyboard
from ui.widgets.wrap_button import WrapButton

log = logging.getLogger("ui.staff.wizard")


STEP_COUNT = 8


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
    """Emits ``finished(Settings)`` when staff tap "Start the kiosk" on the last step.

    Every step is a :class:`~ui.staff.layout.StaffPage`: its content scrolls and Back/Next stay
    on the screen, so the wizard fits a 7" tablet as well as a 15" one and never makes the
    kiosk window grow past the screen.
    """

    finished = Signal(object)
    cancelled = Signal()

    def __init__(
        self,
        services: StaffServices,
        tasks: Tasks,
        enroller: Enroller = default_enroller,
        can_cancel: bool = False,
        parent: QWidget | None = None,
        *,
        key_size: int = 56,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.tasks = tasks
        self.enroller = enroller
        self.can_cancel = can_cancel
        self.key_size = key_size
        """The on-screen keyboard's key size, from the screen the wizard is shown on."""
        self.busy = False
        """True while the new PIN is being hashed on a worker."""
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

    def _counter_text(self) -> str:
        return _("Setup, step {n} of {total}").format(n=len(self.step_names), total=STEP_COUNT)

    def _page(
        self, title: str, hint: str = "", side: QWidget | None = None
    ) -> tuple[StaffPage, QVBoxLayout]:
        """A step: counter and title on top, ``hint`` and the step's content scrolling."""
        page = StaffPage(side=side)
        counter = label("counter")
        counter.setText(self._counter_text())
        heading = label("title")
        heading.setText(title)
        page.top.addWidget(counter)
        page.top.addWidget(heading)
        if hint:
            text = label("subtitle")
            text.setText(hint)
            page.column.addWidget(text)
        return page, page.column

    def _nav(
        self, page: StaffPage, next_slot: Callable[[], None] | None, next_text: str = ""
    ) -> None:
        """Back (or Cancel on the first step) and Next in the fixed row at the bottom."""
        row = page.footer
        if len(self.step_names) > 1:
            back = button(_("Back"))
            back.clicked.connect(self.back)
            row.addWidget(back, 1)
        elif self.can_cancel:
            cancel = button(_("Cancel"))
            cancel.clicked.connect(self.cancelled)
            row.addWidget(cancel, 1)
        if next_slot is not None:
            forward = button(next_text or _("Next"), "primary")
            forward.clicked.connect(next_slot)
            row.addWidget(forward, 2)
        page.finish()

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
        self._nav(page, None)
        return page

    def _choose_language(self, code: str) -> None:
        self.answers.language = code
        i18n.set_language(code)
        self._build()
        self.go("connection")

    def _field(self, layout: QVBoxLayout, text: str, field: QLineEdit) -> None:
        """An input under its visible label (a placeholder alone vanishes once typing starts)."""
        caption = QLabel(text)
        caption.setObjectName("fieldLabel")
        caption.setWordWrap(True)
        caption.setBuddy(field)
        field.setAccessibleName(text)
        layout.addWidget(caption)
        layout.addWidget(field)

    def _connection_step(self) -> QWidget:
        self.keyboard = OnScreenKeyboard(key_size=self.key_size, layout="en")
        page, layout = self._page(
            _("Municipal server"),
            _(
                "Connect this kiosk to the municipal server with the enrollment code you were "
                "given, or use it offline and deliver ratings by export."
            ),
            side=self.keyboard,
        )
        self.url = QLineEdit(self.answers.server_url or "https://")
        self.code = QLineEdit()
        self.code.setPlaceholderText(_("e.g. K7QM-2XPA"))
        self.code.setMaxLength(12)
        self._field(layout, _("Server address"), self.url)
        self._field(layout, _("Enrollment code"), self.code)
        self.connection_message = label("subtitle")
        if self.services.demo:
            show_message(self.connection_message, problem_text("demo", ""), error=True)
        elif self.answers.kiosk_name:
            self.connection_message.setText(
                _("Connected as {name}.").format(name=self.answers.kiosk_name)
            )
        layout.addWidget(self.connection_message)
        connect = button(_("Connect"), "primary")
        connect.clicked.connect(self._connect)
        connect.setEnabled(not self.services.demo)
        self.connect_button = connect
        offline = button(_("Offline only"))
        offline.clicked.connect(self._offline)
        self.keyboard.set_target(self.url)
        self.url.installEventFilter(self)
        self.code.installEventFilter(self)
        self._nav(page, None)
        # Beside Back, always in view: no scrolling between typing the code and connecting.
        page.footer.addWidget(offline, 2)
        page.footer.addWidget(connect, 2)
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
        message = self.connection_message
        if not url.startswith(("https://", "http://")) or len(url) < 10:
            text = _("Type the server address, starting with https://")
            show_message(message, text, error=True)
            return
        if len(code.replace("-", "")) < 6:
            show_message(message, _("Type the enrollment code."), error=True)
            return
        show_message(message, _("Connecting…"))
        self.connect_button.setEnabled(False)
        work = partial(self.enroller, self.services.data_dir, url, code)
        self.tasks.run(work, partial(self._connected, url))

    def _connected(self, url: str, result: object) -> None:
        self.connect_button.setEnabled(True)
        if isinstance(result, Exception):
            message = problem_text(getattr(result, "code", None), str(result))
            log.warning("enrollment failed: %s", result)
            show_message(self.connection_message, message, error=True)
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

    def _center_name(self, center_id: str) -> str:
        """The center's name in the chosen language; its id only when the catalog lacks it."""
        for center in self._catalog().centers:
            if center.id == center_id:
                return center.name.get(self.answers.language)
        return center_id

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
        # An assigned center missing from the catalog is shown by its id, never hidden.
        offered = [assigned] if assigned else [center.id for center in self._catalog().centers]
        for center_id in offered:
            choice = button(self._center_name(center_id))
            choice.setCheckable(True)
            choice.setChecked(center_id == self.answers.center_id)
            choice.clicked.connect(partial(self._choose_center, center_id))
            self.center_buttons[center_id] = choice
            layout.addWidget(choice)
        self.center_message = label("subtitle")
        page.dock.addWidget(self.center_message)
        self._nav(page, self._center_done)
        return page

    def _choose_center(self, center_id: str) -> None:
        assigned = self.answers.assigned_center_id
        self.answers.center_id = assigned or center_id
        for key, choice in self.center_buttons.items():
            choice.setChecked(key == self.answers.center_id)
        show_message(self.center_message, "")

    def _center_done(self) -> None:
        assigned = self.answers.assigned_center_id
        if assigned:
            self.answers.center_id = assigned
            self.next()
            return
        known = {c.id for c in self._catalog().centers}
        if self.answers.center_id not in known and known:
            show_message(self.center_message, _("Choose the service center."), error=True)
            return
        self.next()

    def _services_step(self) -> QWidget:
        chooser = replace(self.services, settings=self._draft_settings)
        return ServicesEditor(chooser, self._services_done, counter=self._counter_text())

    def _draft_settings(self) -> Settings:
        return replace(self.services.settings(), services=list(self.answers.services))

    def _services_done(self, chosen: list[str] | None) -> None:
        if chosen is None:
            self.back()
            return
        self.answers.services = chosen
        self.next()

    def _pin_step(self) -> QWidget:
        # Counter and title beside the pad, not above it: on a 7" landscape screen the pad
        # needs the whole height.
        page = StaffPage()
        layout = page.column
        entry = PinEntry()
        counter = label("counter")
        counter.setText(self._counter_text())
        entry.texts.insertWidget(0, counter)
        entry.title.setText(_("Staff PIN"))
        self.pin_message = entry.message
        self.pin_message.setText(_("Choose a PIN of at least 6 digits."))
        self.pin_pad = entry.pad
        self._first_pin: str | None = None
        self.pin_pad.submitted.connect(self._pin_entered)
        layout.addWidget(entry)
        self._nav(page, None)
        return page

    def _pin_entered(self, pin: str) -> None:
        if self._first_pin is None:
            self._first_pin = pin
            show_message(self.pin_message, _("Type the same PIN once more."))
            return
        first, self._first_pin = self._first_pin, None
        try:
            validate_new_pin(first, pin)
        except PinError as exc:
            show_message(self.pin_message, _(str(exc)) + " " + _("Start again."), error=True)
            return
        self.busy = True
        self.pin_pad.setEnabled(False)
        show_message(self.pin_message, _("Saving…"))
        self.tasks.run(partial(hash_pin, pin), self._pin_hashed)

    def _pin_hashed(self, result: object) -> None:
        self.busy = False
        self.pin_pad.setEnabled(True)
        if not isinstance(result, str):
            log.error("the PIN could not be hashed: %s", result)
            message = _("The PIN could not be saved. Try again.")
            show_message(self.pin_message, message, error=True)
            return
        self.services.pin.set_hash(result)
        self.answers.pin_set = True
        show_message(self.pin_message, _("PIN saved."))
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
        row.setColumnStretch(1, 1)
        layout.addLayout(row)
        self._change_idle(0)
        self._nav(page, self.next)
        return page

    def _change_idle(self, delta: int) -> None:
        self.answers.idle_timeout_s = max(10, min(600, self.answers.idle_timeout_s + delta))
        self.idle_value.setText(_("{n} seconds").format(n=self.answers.idle_timeout_s))

    def _theme_step(self) -> QWidget:
        page, layout = self._page(_("Theme"), _("Colours and emblem of the municipality."))
        self.theme_buttons: dict[str, WrapButton] = {}
        for theme in self.services.themes:
            choice = ThemeChoice(self.services, theme)
            choice.setChecked(theme == self.answers.theme)
            choice.clicked.connect(partial(self._choose_theme, theme))
            self.theme_buttons[theme] = choice
            layout.addWidget(choice)
        self._nav(page, self.next)
        return page

    def _choose_theme(self, theme: str) -> None:
        self.answers.theme = theme
        for key, choice in self.theme_buttons.items():
            choice.setChecked(key == theme)

    def _theme_name(self, theme: str) -> str:
        look = self.services.theme_looks.get(theme)
        if look is not None and look.municipality is not None:
            return look.municipality.get(self.answers.language)
        return theme

    def _done_step(self) -> QWidget:
        page, layout = self._page(_("Ready"))
        self.summary = label("subtitle")
        layout.addWidget(self.summary)
        listen = label("subtitle")
        listen.setText(
            _(
                "Citizens who cannot read the screen can tap “Listen” to hear it read aloud, "
                "and work the kiosk from a numeric keypad. Connect headphones or a speaker, and "
                "a keypad if you have one, before you leave the tablet; the staff panel has "
                "“Try speech”."
            )
        )
        layout.addWidget(listen)
        self._nav(page, self._finish, _("Start the kiosk"))
        return page

    def _show_summary(self, index: int) -> None:
        if not 0 <= index < len(self.step_names) or self.step_names[index] != "done":
            return
        a = self.answers
        self.summary.setText(
            "\n".join(
                [
                    _("Server: {url}").format(url=a.server_url or _("offline only")),
                    _("Service center: {center}").format(
                        center=self._center_name(a.center_id) if a.center_id else "—"
                    ),
                    _("Programs and services shown: {n}").format(
                        n=len(a.services) or len(self._catalog().services)
                    ),
                    _("Idle time: {n} s").format(n=a.idle_timeout_s),
                    _("Theme: {name}").format(name=self._theme_name(a.theme)),
                    listen_state(self.services.speech(), self.services.settings().listen_button),
                ]
            )
        )

    def _finish(self) -> None:
        if not self.services.pin.is_set():
            self.go("pin")
            show_message(self.pin_message, _("Set the staff PIN first."), error=True)
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
