"""Smiley rating faces and buttons: distinct faces, readable labels, contrast, clicks."""

from __future__ import annotations

import itertools
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from common.contrast import AA_NORMAL_TEXT, contrast_ratio, relative_luminance, to_rgb
from tests.ui.conftest import app_font_size
from ui import i18n
from ui.widgets.smiley import (
    INK,
    LABEL_MIN_PX,
    PADDING_MIN_PX,
    SCALE,
    SmileyButton,
    paint_face,
    scale_step,
    tile_height,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "widgets"
BACKGROUND = QColor("#ffffff")

GEORGIAN_LABELS = {
    1: "ძალიან უკმაყოფილო",
    2: "უკმაყოფილო",
    3: "ნეიტრალური",
    4: "კმაყოფილი",
    5: "ძალიან კმაყოფილი",
}
ENGLISH_LABELS = {
    1: "Very dissatisfied",
    2: "Dissatisfied",
    3: "Neutral",
    4: "Satisfied",
    5: "Very satisfied",
}


@pytest.fixture(scope="module", autouse=True)
def large_font(qapp: QApplication) -> Iterator[None]:
    with app_font_size(qapp, 28):
        yield


def face_image(score: int, side: int) -> QImage:
    image = QImage(side, side, QImage.Format.Format_ARGB32)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    step = scale_step(score)
    paint_face(painter, QRectF(0, 0, side, side), score, QColor(step.color), QColor(INK))
    painter.end()
    return image


def differing_pixels(a: QImage, b: QImage, region: QRect) -> int:
    count = 0
    for y in range(region.top(), region.bottom() + 1):
        for x in range(region.left(), region.right() + 1):
            if abs(a.pixelColor(x, y).lightness() - b.pixelColor(x, y).lightness()) > 60:
                count += 1
    return count


def ink_pixels(image: QImage, region: QRect) -> int:
    """Pixels in ``region`` dark enough to be the face's ink (colours are ignored)."""
    return sum(
        1
        for y in range(region.top(), region.bottom() + 1)
        for x in range(region.left(), region.right() + 1)
        if image.pixelColor(x, y).lightness() < 60
    )


def row_of_buttons(qtbot, width: int, height: int) -> tuple[QWidget, list[SmileyButton]]:
    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    row.setContentsMargins(8, 8, 8, 8)
    row.setSpacing(8)
    buttons = [SmileyButton(step.score) for step in SCALE]
    for button in buttons:
        row.addWidget(button)
    window.resize(width, height)
    with qtbot.waitExposed(window):
        window.show()
    return window, buttons


@pytest.mark.parametrize("side", [40, 120, 300])
def test_every_score_draws_a_distinct_face(side: int) -> None:
    faces = {step.score: face_image(step.score, side) for step in SCALE}
    mouth = QRect(round(side * 0.22), round(side * 0.52), round(side * 0.56), round(side * 0.36))
    for score, image in faces.items():
        assert ink_pixels(image, mouth) > 0, f"score {score} has no mouth"
        centre = image.pixelColor(side // 2, round(side * 0.2))  # forehead: the fill colour
        assert centre.name() == scale_step(score).color.lower()
    # Neighbouring faces differ in the mouth, and the extremes differ a lot.
    for first, second in itertools.pairwise(SCALE):
        changed = differing_pixels(faces[first.score], faces[second.score], mouth)
        assert changed > side * side * 0.004, (first.score, second.score, changed)
    assert differing_pixels(faces[1], faces[5], mouth) > side * side * 0.04
    # The open smile is filled with ink; the frowns are not.
    assert ink_pixels(faces[5], mouth) > 2 * ink_pixels(faces[1], mouth)
    # Only the most dissatisfied face has brows.
    brows = QRect(round(side * 0.2), round(side * 0.17), round(side * 0.6), round(side * 0.12))
    assert ink_pixels(faces[1], brows) > 0
    assert ink_pixels(faces[2], brows) == 0


def test_frown_curves_down_and_smile_curves_up() -> None:
    side = 200

    def mouth_profile(score: int) -> tuple[int, int]:
        """Topmost ink row at the mouth's middle column and at its left end."""
        image = face_image(score, side)

        def top_ink(x: int) -> int:
            for y in range(round(side * 0.52), round(side * 0.9)):
                if image.pixelColor(x, y).lightness() < 60:
                    return y
            raise AssertionError(f"no mouth at column {x} for score {score}")

        return top_ink(side // 2), top_ink(round(side * 0.34))

    middle, end = mouth_profile(1)
    assert middle < end - side * 0.05  # the middle is higher than the corners: a frown
    middle, end = mouth_profile(3)
    assert abs(middle - end) <= 2  # straight
    middle, end = mouth_profile(4)
    assert middle > end + side * 0.03  # the corners are higher: a smile


def test_bad_score_is_refused() -> None:
    with pytest.raises(ValueError, match=r"1\.\.5"):
        scale_step(0)
    with pytest.raises(ValueError, match=r"1\.\.5"):
        SmileyButton(6)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        with pytest.raises(ValueError, match=r"1\.\.5"):
            paint_face(painter, QRectF(0, 0, 10, 10), 7, QColor("red"), QColor("black"))
    finally:
        painter.end()


def test_scale_order_labels_and_colours() -> None:
    assert [step.score for step in SCALE] == [1, 2, 3, 4, 5]
    assert {step.score: step.label for step in SCALE} == ENGLISH_LABELS
    assert len({step.color for step in SCALE}) == 5
    hues = [QColor(step.color).hslHue() for step in SCALE]
    assert hues == sorted(hues), "colours run from red to green"


@pytest.mark.parametrize("step", SCALE, ids=lambda s: str(s.score))
def test_ink_and_label_contrast_at_least_aa(qtbot, step) -> None:
    button = SmileyButton(step.score)
    qtbot.addWidget(button)
    assert contrast_ratio(INK, step.color) >= AA_NORMAL_TEXT
    assert contrast_ratio(button.ink_color(), button.fill_color()) >= AA_NORMAL_TEXT

    # Measure what is actually drawn: the darkest label pixel against the tile's colour.
    button.resize(180, 220)
    with qtbot.waitExposed(button):
        button.show()
    image = button.grab().toImage()
    fit = button.label_fit()
    label = fit.rect.toAlignedRect() & image.rect()
    darkest = min(
        (
            image.pixelColor(x, y)
            for y in range(label.top(), label.bottom() + 1)
            for x in range(label.left(), label.right() + 1)
        ),
        key=relative_luminance,
    )
    assert contrast_ratio(darkest, step.color) >= AA_NORMAL_TEXT
    tile = image.pixelColor(6, button.height() // 2)  # between the border and the face
    assert tile.name() == step.color.lower()


def test_labels_follow_the_language(qtbot, ui_language: None) -> None:
    buttons = [SmileyButton(step.score) for step in SCALE]
    for button in buttons:
        qtbot.addWidget(button)

    i18n.set_language("en")
    for button in buttons:
        button.retranslate()
        assert button.accessibleName() == ENGLISH_LABELS[button.score()]
        assert button.toolTip() == ENGLISH_LABELS[button.score()]

    i18n.set_language("ka")
    for button in buttons:
        button.retranslate()
        assert button.accessibleName() == GEORGIAN_LABELS[button.score()]
        assert button.label() == GEORGIAN_LABELS[button.score()]


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_labels_fit_five_abreast_in_portrait(qtbot, ui_language: None, language: str) -> None:
    i18n.set_language(language)
    _window, buttons = row_of_buttons(qtbot, 720, 1280)
    expected = GEORGIAN_LABELS if language == "ka" else ENGLISH_LABELS
    for button in buttons:
        button.retranslate()
        assert button.label() == expected[button.score()]
        assert 125 <= button.width() <= 140, button.width()
        fit = button.label_fit()
        metrics = QFontMetricsF(fit.font)
        assert fit.font.pixelSize() >= LABEL_MIN_PX
        assert 1 <= len(fit.lines) <= 2
        assert " ".join(fit.lines) == button.label()  # nothing elided or dropped
        assert QRectF(button.rect()).contains(fit.rect)
        for line in fit.lines:
            assert metrics.horizontalAdvance(line) <= fit.rect.width(), line


def test_large_tile_keeps_the_large_font(qtbot) -> None:
    button = SmileyButton(5)
    qtbot.addWidget(button)
    button.resize(300, 360)
    fit = button.label_fit()
    assert fit.font.pixelSize() == 28  # the app font is not shrunk when there is room


def test_click_and_touch_emit_clicked(qtbot) -> None:
    _window, buttons = row_of_buttons(qtbot, 720, 400)
    button = buttons[3]
    assert button.focusPolicy() == Qt.FocusPolicy.TabFocus  # keys reach it, a tap does not focus

    with qtbot.waitSignal(button.clicked, timeout=1000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    device = QTest.createTouchDevice()
    centre = button.rect().center()
    with qtbot.waitSignal(button.clicked, timeout=1000):
        QTest.touchEvent(button, device, False).press(0, centre, button).commit()
        QTest.touchEvent(button, device, False).release(0, centre, button).commit()

    with qtbot.assertNotEmitted(buttons[0].clicked):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_checked_and_pressed_states_look_different(qtbot) -> None:
    button = SmileyButton(2)
    qtbot.addWidget(button)
    button.setCheckable(True)
    button.resize(160, 200)
    with qtbot.waitExposed(button):
        button.show()
    plain = button.grab().toImage()
    button.setChecked(True)
    checked = button.grab().toImage()
    button.setChecked(False)
    button.setDown(True)
    pressed = button.grab().toImage()
    button.setDown(False)

    whole = plain.rect()
    assert differing_pixels(plain, checked, whole) > 100
    assert differing_pixels(plain, pressed, whole) > 100


def test_minimum_size_is_respected(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    buttons = [SmileyButton(step.score, min_size=150) for step in SCALE]
    for button in buttons:
        row.addWidget(button)
    window.resize(400, 300)  # far too narrow: the layout must not squeeze below the minimum
    with qtbot.waitExposed(window):
        window.show()
    for button in buttons:
        assert button.width() >= 150
        assert button.height() >= 150
        hint = button.sizeHint()
        assert hint.width() >= 150
        assert 1.0 <= hint.height() / hint.width() <= 1.4  # square-ish


def test_contrast_ratio_matches_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # The classic AA threshold grey on white.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < AA_NORMAL_TEXT
    # Symmetric, and QColor or tuples work the same as strings.
    assert contrast_ratio("#336699", "#ffcc00") == pytest.approx(
        contrast_ratio(QColor("#ffcc00"), (0x33, 0x66, 0x99))
    )
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)
    assert to_rgb("#AbC") == (0xAA, 0xBB, 0xCC)


@pytest.mark.parametrize("bad", ["#12345", "#gggggg", "", (1, 2), (0, 0, 256), (0, 0, 1.5), None])
def test_contrast_ratio_rejects_bad_colours(bad: object) -> None:
    with pytest.raises(ValueError, match="colour"):
        contrast_ratio(bad, "#ffffff")  # type: ignore[arg-type]


def test_save_smiley_pictures(qtbot, ui_language: None) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for language in i18n.LANGUAGES:
        i18n.set_language(language)
        window, buttons = row_of_buttons(qtbot, 720, 260)
        buttons[3].setCheckable(True)
        buttons[3].setChecked(True)
        path = ARTIFACTS / f"smileys-{language}-720.png"
        assert window.grab().save(str(path))

    strip = QImage(5 * 48 + 4, 48, QImage.Format.Format_ARGB32)
    strip.fill(BACKGROUND)
    painter = QPainter(strip)
    for i, step in enumerate(SCALE):
        rect = QRectF(4 + i * 48, 4, 40, 40)
        paint_face(painter, rect, step.score, QColor(step.color), QColor(INK))
    painter.end()
    big = QImage(5 * 310, 310, QImage.Format.Format_ARGB32)
    big.fill(BACKGROUND)
    painter = QPainter(big)
    for i, step in enumerate(SCALE):
        paint_face(
            painter, QRectF(5 + i * 310, 5, 300, 300), step.score, QColor(step.color), QColor(INK)
        )
    painter.end()
    assert strip.save(str(ARTIFACTS / "faces-40.png"))
    assert big.save(str(ARTIFACTS / "faces-300.png"))


@pytest.mark.parametrize(
    "size", [(64, 80), (126, 150), (240, 300), (672, 120), (552, 146), (400, 90)], ids=str
)
def test_the_face_never_touches_the_tile_edge(qtbot, size: tuple[int, int]) -> None:
    button = SmileyButton(1)
    qtbot.addWidget(button)
    button.resize(*size)
    tile = QRectF(button.rect())
    face = button.face_rect()
    room = min(
        face.left() - tile.left(),
        face.top() - tile.top(),
        tile.right() - face.right(),
        tile.bottom() - face.bottom(),
    )
    assert room >= PADDING_MIN_PX
    assert face.width() > 0.4 * min(size)
    # the words do not run into the face either
    fit = button.label_fit()
    if button.wide():
        assert fit.rect.left() >= face.right()
    else:
        assert fit.area.top() >= face.bottom()


@pytest.mark.parametrize("wide", [False, True], ids=["tall", "wide"])
@pytest.mark.parametrize("face_px", [80, 120, 180])
def test_tile_height_gives_the_face_and_words_asked_for(qtbot, wide: bool, face_px: int) -> None:
    button = SmileyButton(2)
    qtbot.addWidget(button)
    font = button.font()
    font.setPixelSize(24)
    button.setFont(font)
    line = QFontMetricsF(font).height()
    height = tile_height(face_px, line, wide)
    button.resize(height * 5 if wide else round(height * 1.2), height)
    assert button.wide() == wide
    assert button.face_rect().width() >= face_px - 1
    assert button.label_fit().font.pixelSize() == 24  # the words keep their size
