"""The kiosk window never becomes larger than the screen it is on: ``--windowed`` opens at a
size that fits, asking for more is refused, and a page that is not shown (or a citizen
screen in "Aa") cannot push the window past the screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QWidget

from tests.ui.screenshots import settle
from ui.app import WINDOWED_SIZE, show_kiosk, windowed_geometry
from ui.metrics import Metrics, touch_target_px


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        (QRect(0, 0, 1920, 1040), QRect(320, 120, 1280, 800)),
        (QRect(0, 0, 1024, 560), QRect(0, 0, 1024, 560)),
        (QRect(0, 40, 600, 984), QRect(0, 132, 600, 800)),
        (QRect(1920, 0, 720, 1280), QRect(1920, 240, 720, 800)),
    ],
)
def test_the_windowed_size_fits_the_available_area(available: QRect, expected: QRect) -> None:
    rect = windowed_geometry(available, WINDOWED_SIZE)
    assert rect == expected
    assert available.contains(rect)


def test_windowed_kiosk_opens_within_its_screen_and_stays_there(make_kiosk, qtbot) -> None:
    kiosk = make_kiosk(size=(1280, 800))
    window = kiosk.window
    available = window.screen().availableGeometry()
    assert WINDOWED_SIZE.width() > available.width()  # the test screen is smaller than asked

    show_kiosk(window, windowed=True)
    qtbot.waitUntil(lambda: available.contains(window.frameGeometry()))

    window.resize(3000, 2000)
    settle()
    assert window.width() <= available.width()
    assert window.height() <= available.height()


def test_fullscreen_kiosk_covers_its_screen_and_no_more(make_kiosk, qtbot) -> None:
    kiosk = make_kiosk(size=(1280, 800))
    window = kiosk.window
    screen = window.screen().geometry()

    show_kiosk(window, windowed=False)
    qtbot.waitUntil(lambda: window.geometry() == screen)
    assert window.isFullScreen()
    # No frame to drag or close it by, and above whatever else opens on the tablet: so the
    # window system is told, and the widget's own copy agrees once a frame is shown.
    handle = window.windowHandle()
    assert handle is not None
    for flags in (handle.flags, window.windowFlags):
        qtbot.waitUntil(lambda flags=flags: bool(flags() & Qt.WindowType.FramelessWindowHint))
        assert flags() & Qt.WindowType.WindowStaysOnTopHint

    window.resize(screen.width() * 3, screen.height() * 3)
    settle()
    assert window.size().boundedTo(screen.size()) == window.size()


def test_a_page_not_shown_cannot_grow_the_window(make_kiosk) -> None:
    kiosk = make_kiosk(size=(1024, 600))
    huge = QWidget()
    huge.setMinimumSize(3000, 3000)
    kiosk.window.pages.addWidget(huge)
    settle()
    assert kiosk.window.size() == QSize(1024, 600)
    assert kiosk.window.minimumSizeHint().height() <= 600


def test_touch_targets_fit_a_dense_small_screen() -> None:
    """15 mm on a 7" 1024×600 screen (≈170 dpi) would be a sixth of its height; the target
    is capped so the header, the buttons and a four-row keyboard still fit."""
    dense = Metrics.for_window(1024, 600, 170, large=False)
    assert touch_target_px(170) > dense.target
    assert dense.target <= 600 // 10
    roomy = Metrics.for_window(1920, 1080, 100, large=False)
    assert roomy.target == touch_target_px(100)


@pytest.mark.parametrize("size", [(1024, 600), (720, 1280), (1920, 1080)], ids=str)
def test_large_metrics_are_at_least_a_quarter_larger(size: tuple[int, int]) -> None:
    normal = Metrics.for_window(*size, 100, large=False)
    large = Metrics.for_window(*size, 100, large=True)
    for name in ("target", "body", "title", "button", "key", "key_letter", "face_label"):
        assert getattr(large, name) >= 1.25 * getattr(normal, name), name
    assert large.face_label >= 24
    assert large.margin == normal.margin  # the edges stay; the controls get the room
