"""Every staff screen in both languages at 720×1280 and 1920×1080, saved under
``artifacts/screenshots/staff/`` and checked for clipped text."""

from __future__ import annotations

import pytest

from kiosk.settings import Settings
from tests.ui.screenshots import Screenshots
from ui import i18n

SIZES = [(720, 1280), (1920, 1080)]


@pytest.mark.parametrize("language", ["ka", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_staff_screenshots(make_app, artifacts_dir, qtbot, language, size):
    folder = artifacts_dir("screenshots/staff")
    kiosk = make_app(Settings(default_language=language), size=size)
    shot = Screenshots(folder, f"{language}-{size[0]}x{size[1]}", kiosk.window, qtbot)

    kiosk.hold_logo(3.1)
    shot("pin")
    kiosk.type_pin("000000")
    shot("pin-wrong")
    kiosk.type_pin("482913")
    admin = kiosk.window.admin
    counting = i18n._("Counting…")
    kiosk.qtbot.waitUntil(lambda: counting not in admin.stats_text.text() + admin.sync_text.text())
    shot("admin")
    scroll = admin.swipe_area
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    shot("admin-bottom")
    admin._show_services()
    shot("services")
    admin.show_main()
    admin._show_change_pin()
    shot("change-pin")
    admin.show_main()
    admin._show_touch_test()
    shot("touch-test")
    admin.show_main()
    kiosk.app.show_wizard(can_cancel=True)
    wizard = kiosk.app.wizard
    for step in wizard.step_names:
        wizard.go(step)
        shot(f"setup-{step}")
    assert len(shot.names) == 7 + len(wizard.step_names)
