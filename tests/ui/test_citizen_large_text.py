"""With "Aa", every citizen control at least 1.25× larger, on every citizen screen: each screen
is measured, "Aa" is tapped, and the same screen is measured again."""

from __future__ import annotations

import statistics

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QPushButton, QWidget

from common.contrast import contrast_ratio
from kiosk.flow import Step
from tests.ui.screenshots import settle
from ui.i18n import _
from ui.screens.rate import RateScreen
from ui.widgets.keyboard import OnScreenKeyboard
from ui.widgets.wrap_button import WrapButton

LARGER = 1.25
LABEL_MIN_PX = 24
LARGE = "Larger text and high contrast"


def font_px(widget: QWidget) -> int:
    return widget.font().pixelSize()


def button_sizes(prefix: str, button: QPushButton) -> dict[str, float]:
    return {f"{prefix} height": button.height(), f"{prefix} text": font_px(button)}


def header_sizes(kiosk) -> dict[str, float]:
    header = kiosk.window.header
    return {
        **button_sizes("Aa", header.large_text),
        **button_sizes("language", header.languages["ka"]),
    }


def area(widget: QWidget) -> int:
    return widget.width() * widget.height()


def wrap_sizes(prefix: str, buttons: list[WrapButton]) -> dict[str, float]:
    """Tiles and chips fill their column's width: in one column they grow in height (their
    text, icon and padding all grow), in fewer columns in width too."""
    return {
        f"{prefix} area": statistics.median(area(b) for b in buttons),
        f"{prefix} text": statistics.median(font_px(b.text_label()) for b in buttons),
        f"{prefix} icon": statistics.median(b.indicator().width() for b in buttons),
        f"{prefix} width": statistics.median(b.width() for b in buttons),
    }


def measure(kiosk) -> dict[str, float]:
    """The size of every control a citizen uses on the current screen."""
    window = kiosk.window
    screen = window.current_screen()
    sizes = header_sizes(kiosk)
    step = kiosk.flow.step
    if step is Step.WELCOME:
        sizes |= button_sizes("Start", screen.start)
    elif step is Step.CHOOSE:
        sizes |= wrap_sizes("tile", list(screen.tiles.values()))
        sizes |= button_sizes("Back", window.header.back)
    elif step is Step.RATE:
        assert isinstance(screen, RateScreen)
        faces = list(screen.faces.values())
        sizes["face tile"] = statistics.median(area(f) for f in faces)
        sizes["face"] = min(f.face_rect().width() for f in faces)
        sizes["face label"] = min(f.label_fit().font.pixelSize() for f in faces)
    elif step is Step.REASONS:
        sizes |= wrap_sizes("chip", list(screen.chips.values()))
        sizes |= button_sizes("Skip", screen.skip) | button_sizes("Next", screen.next)
    elif step is Step.COMMENT:
        keyboard: OnScreenKeyboard = screen.keyboard
        keys = keyboard.keys()
        letters = [key for key in keys if key.key.role == "char"]
        sizes["key height"] = min(key.height() for key in keys)
        sizes["key letter"] = statistics.median(key.label_font.pixelSize() for key in letters)
        sizes |= button_sizes("Skip", screen.skip) | button_sizes("Send", screen.send)
    if window.overlay.isVisible():
        sizes |= button_sizes("Continue", window.overlay.resume)
    return sizes


def toggle_large(kiosk) -> None:
    kiosk.tap(_(LARGE))
    settle()


def compare(kiosk) -> None:
    """Measure the screen, tap "Aa", measure again, tap "Aa" back."""
    assert not kiosk.flow.large_text
    normal = measure(kiosk)
    toggle_large(kiosk)
    assert kiosk.flow.large_text
    large = measure(kiosk)
    toggle_large(kiosk)
    step = kiosk.flow.step
    assert normal.keys() == large.keys()
    for name, before in normal.items():
        # never narrower (but for the few pixels a wider scroll bar takes), and larger
        factor = 0.97 if name.endswith("width") else LARGER
        assert large[name] >= factor * before, (step, name, before, large[name])
    if "face label" in large:
        assert large["face label"] >= LABEL_MIN_PX


SIZES = [(1280, 800), (720, 1280), (1920, 1080), (800, 1280)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", ["ka", "en"])
def test_large_text_enlarges_every_control_on_every_screen(make_kiosk, size, language):
    kiosk = make_kiosk(size=size)
    if language == "en":
        kiosk.tap("English")
    names = {
        "ka": ("დაწყება", "უფასო სასადილო", "უკმაყოფილო", "საკვების ხარისხი", "შემდეგი"),
        "en": ("Start", "Free canteen", "Dissatisfied", "The quality of the food", "Next"),
    }[language]
    settle()
    compare(kiosk)
    kiosk.tap(names[0])
    kiosk.wait_for(Step.CHOOSE)
    compare(kiosk)
    kiosk.tap(names[1])
    kiosk.wait_for(Step.RATE)
    compare(kiosk)
    kiosk.tap(names[2])
    kiosk.wait_for(Step.REASONS)
    kiosk.tap(names[3])
    compare(kiosk)
    kiosk.tap(names[4])
    kiosk.wait_for(Step.COMMENT)
    compare(kiosk)
    kiosk.idle(30)
    settle()
    assert kiosk.window.overlay.isVisible()
    compare(kiosk)


def test_the_emblem_keeps_its_colours_on_the_high_contrast_background(make_kiosk, qtbot):
    """On black, the emblem sits on a light plate: its dark outline stays visible, and the
    whole emblem is drawn, not cut."""
    kiosk = make_kiosk(size=(1280, 800))
    logo = kiosk.window.screens[Step.WELCOME].logo
    settle()
    normal = logo.picture_rect()
    toggle_large(kiosk)
    qtbot.waitUntil(lambda: logo.pixmap() is not None and not logo.pixmap().isNull())
    settle()
    drawn = logo.picture_rect()
    assert logo.rect().contains(drawn)
    assert drawn.width() >= normal.width()
    drawn.moveTopLeft(logo.mapTo(kiosk.window, drawn.topLeft()))
    image: QImage = kiosk.window.grab().toImage()  # as the citizen sees it, background too
    background = QColor(kiosk.window.theme().background)
    # Just inside the plate's top edge, above the shield: the plate, not the black background.
    plate = image.pixelColor(drawn.center().x(), drawn.top() + max(2, drawn.height() // 40))
    assert contrast_ratio(plate.name(), background.name()) >= 4.5
    # The shield's outline, in the emblem's own navy, stands out against the plate.
    outline = min(
        (image.pixelColor(drawn.center().x(), y) for y in range(drawn.top(), drawn.center().y())),
        key=lambda color: color.lightness(),
    )
    assert contrast_ratio(outline.name(), plate.name()) >= 3
    assert outline.blue() > outline.red()  # still navy, not recoloured
