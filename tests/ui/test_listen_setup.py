"""Listen on a real kiosk app: offered only where the tablet can speak, chosen and tuned by
staff, and when the tablet cannot speak the kiosk works exactly as before and staff see why."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk.flow import Step
from kiosk.settings import Settings, load_settings
from tests.ui.conftest import FakeSink
from ui.i18n import _
from ui.speech import SpeechSupport, probe_speech


def test_without_espeak_ng_there_is_no_listen_button_and_all_else_works(
    make_app, monkeypatch, tmp_path
):
    empty = tmp_path / "no-programs-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    kiosk = make_app(Settings(), speech_probe=probe_speech)
    app, window = kiosk.app, kiosk.window
    kiosk.qtbot.waitUntil(lambda: app.speech_support is not None)
    assert not app.speech_support.ready
    assert app.sink is None
    assert not window.header.listen.isVisible()
    assert not window.screens[Step.WELCOME].listen_hint.isVisible()

    kiosk.clock.advance(3)
    kiosk.qtbot.keyClick(window, Qt.Key.Key_Asterisk)  # the keypad's Listen key: nothing
    assert not app.flow.listen
    kiosk.qtbot.keyClick(window, Qt.Key.Key_Return)  # keys still work the kiosk
    kiosk.qtbot.keyClick(window, Qt.Key.Key_Return)
    assert app.flow.step is Step.CHOOSE
    kiosk.tap("უფასო სასადილო")
    kiosk.tap("კმაყოფილი")  # one tap rates, as ever
    flow = app.flow  # the reasons screen opens before the rating's commit lands
    kiosk.qtbot.waitUntil(lambda: flow.step is Step.REASONS and not flow.in_flight)
    assert [r.score for r in app.store.read(lambda store: store.records())] == [4]

    kiosk.clock.advance(60)
    app.flow.tick()
    kiosk.clock.advance(60)
    app.flow.tick()
    assert app.flow.step is Step.WELCOME
    kiosk.clock.advance(5)
    kiosk.enter_admin()
    admin = window.admin
    why = _("Listen (spoken guidance) is not offered: {problem}").format(
        problem=_("espeak-ng is not installed.")
    )
    assert why in admin.settings_text.text()
    assert not admin.try_speech.isEnabled()


def test_staff_choose_whether_and_how_listen_speaks(make_app, tmp_path):
    sinks: list[FakeSink] = []
    made_with: list[tuple[str, int, int]] = []

    def make_sink(program: str, rate: int, volume: int) -> FakeSink:
        made_with.append((program, rate, volume))
        sinks.append(FakeSink())
        return sinks[-1]

    kiosk = make_app(
        Settings(speech_rate=140, speech_volume=5),
        speech_probe=lambda: SpeechSupport("/usr/bin/espeak-ng"),
        speech_sink=make_sink,
    )
    app, window = kiosk.app, kiosk.window
    kiosk.qtbot.waitUntil(lambda: window.header.listen.isVisible())
    assert made_with == [("/usr/bin/espeak-ng", 140, 5)]
    assert window.screens[Step.WELCOME].listen_hint.isVisible()
    (sink,) = sinks
    kiosk.tap("მოსმენა")
    assert app.flow.listen and sink.volume == 5
    kiosk.tap("მოსმენა")  # Listen is on: the first tap says what the button does
    kiosk.tap("მოსმენა")
    assert not app.flow.listen
    kiosk.enter_admin()
    admin = window.admin
    assert _("Listen (spoken guidance) is offered to citizens.") in admin.settings_text.text()
    kiosk.tap(_("Faster speech"))
    kiosk.tap(_("Louder at start"))
    assert (app.settings.speech_rate, app.settings.speech_volume) == (160, 6)
    assert sink.rate == 160
    kiosk.tap(_("Try speech"))
    assert sink.said[-1] == ("ka", "ასე ესმით მოქალაქეებს მოსმენის რეჟიმი.")
    assert sink.volume == 6
    for _tap in range(20):
        kiosk.tap(_("Slower speech"))
    assert app.settings.speech_rate == 80  # never below what the setting allows
    kiosk.tap(_("Offer Listen (spoken guidance)"))
    assert not app.settings.listen_button
    text = admin.settings_text.text()
    assert _("Listen (spoken guidance) is turned off in the settings.") in text
    assert app.store.writer.flush()
    saved = load_settings(tmp_path / "data")
    assert saved is not None
    assert (saved.listen_button, saved.speech_rate, saved.speech_volume) == (False, 80, 6)
    kiosk.tap(_("Back to the kiosk"))
    assert not window.header.listen.isVisible()
    assert not window.screens[Step.WELCOME].listen_hint.isVisible()
    assert len(sinks) == 1  # one speaking worker for the app's life
    assert not sink.closed


def test_the_setup_wizard_tells_of_listen(make_app):
    kiosk = make_app(Settings())
    kiosk.qtbot.waitUntil(lambda: kiosk.app.speech_support is not None)
    kiosk.app.show_wizard(can_cancel=True)
    wizard = kiosk.app.wizard
    wizard.go("done")
    summary = wizard.summary.text()
    assert (
        _("Listen (spoken guidance) is not offered: {problem}").format(
            problem=_("No sound output was found: connect headphones or a speaker.")
        )
        in summary
    )
