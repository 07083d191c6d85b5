"""Citizens using the real kiosk window: real taps on real widgets, a real SQLite file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QPlainTextEdit, QWidget

from kiosk.flow import Step
from kiosk.storage import Store
from tests.ui.conftest import touch_tap
from ui import i18n
from ui.widgets.wrap_button import BORDER_PX, WrapButton

TEXT_PADDING_PX = 12
FACE_ROOM_PX = 8


def test_georgian_flow_with_reasons_and_comment(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("უფასო სასადილო")
    kiosk.wait_for(Step.RATE)
    kiosk.tap("უკმაყოფილო")
    kiosk.wait_for(Step.REASONS)
    (rating,) = kiosk.records()
    assert (rating.service_id, rating.score, rating.language) == ("free-canteen", 2, "ka")
    kiosk.tap("საკვების ხარისხი")
    kiosk.tap("დიდხანს მომიწია ლოდინი")
    kiosk.tap("შემდეგი")
    kiosk.wait_for(Step.COMMENT)
    for letter in "ცივი":
        kiosk.tap(letter)
    kiosk.tap("ჰარი")
    for letter in "იყო":
        kiosk.tap(letter)
    editor = kiosk.window.findChild(QPlainTextEdit, "comment")
    assert editor.toPlainText() == "ცივი იყო"
    kiosk.tap("გაგზავნა")
    kiosk.wait_for(Step.THANKS)
    records = kiosk.records()
    assert [r.kind for r in records] == ["rating", "reasons", "comment"]
    assert records[1].reasons == ("food-quality", "long-wait")
    assert records[2].comment == "ცივი იყო"
    assert {r.rating_uuid for r in records} == {rating.uuid}
    kiosk.idle(5)
    assert kiosk.flow.step is Step.WELCOME


def test_english_flow_switching_language_on_welcome(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("English")
    assert kiosk.visible_widget("Start").text() == "Tap to start"
    kiosk.tap("Start")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("Newborn allowance")
    kiosk.wait_for(Step.RATE)
    kiosk.tap("Very satisfied")
    kiosk.wait_for(Step.REASONS)
    assert kiosk.window.current_screen().title.text() == "What did you like most?"
    kiosk.tap("Quick service")
    kiosk.tap("Next")
    kiosk.wait_for(Step.COMMENT)
    kiosk.tap("Shift")
    for letter in "Great":
        kiosk.tap(letter)
    kiosk.tap("Send")
    kiosk.wait_for(Step.THANKS)
    rating, reasons, comment = kiosk.records()
    assert (rating.score, rating.language, rating.service_id) == (5, "en", "newborn-allowance")
    assert reasons.reasons == ("quick-service",)
    assert comment.comment == "Great"


def test_language_can_be_switched_in_the_middle(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("სამოქალაქო ბიუჯეტი")
    kiosk.wait_for(Step.RATE)
    kiosk.tap("English")
    question = kiosk.window.current_screen().question.text()
    assert question == "How satisfied are you with: Civic budget program?"
    kiosk.tap("Neutral")
    kiosk.wait_for(Step.REASONS)
    assert kiosk.records()[0].language == "en"


def test_skips_keep_only_the_rating(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("ახალშობილის დახმარება")
    kiosk.wait_for(Step.RATE)
    kiosk.tap("ნეიტრალური")
    kiosk.wait_for(Step.REASONS)
    kiosk.tap("გამოტოვება")
    kiosk.wait_for(Step.COMMENT)
    kiosk.tap("გამოტოვება")
    kiosk.wait_for(Step.THANKS)
    assert [(r.kind, r.score) for r in kiosk.records()] == [("rating", 3)]


def test_back_buttons(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("უფასო სასადილო")
    kiosk.wait_for(Step.RATE)
    kiosk.tap("უკან")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("უკან")
    kiosk.wait_for(Step.WELCOME)
    assert kiosk.records() == []


def test_idle_prompt_counts_down_and_returns_to_welcome(make_kiosk):
    kiosk = make_kiosk(idle_timeout_s=30, still_there_s=15)
    kiosk.tap("English")
    kiosk.tap("Start")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("Free canteen")
    kiosk.wait_for(Step.RATE)
    kiosk.tap("Dissatisfied")
    kiosk.wait_for(Step.REASONS)
    kiosk.tap("The quality of the food")
    kiosk.idle(30)
    overlay = kiosk.window.overlay
    assert overlay.isVisible()
    assert overlay.countdown.text() == "The kiosk will start over in 15 seconds."
    kiosk.tap("Continue")
    assert not overlay.isVisible()
    kiosk.idle(30)
    assert overlay.isVisible()
    kiosk.idle(14.5)
    assert overlay.countdown.text() == "The kiosk will start over in 1 second."
    kiosk.idle(0.5)
    assert kiosk.flow.step is Step.WELCOME
    assert not overlay.isVisible()
    assert kiosk.visible_widget("დაწყება")  # language is back to the default
    kiosk.qtbot.waitUntil(lambda: len(kiosk.records()) == 2)
    rating, reasons = kiosk.records()
    assert rating.score == 2
    assert reasons.reasons == ("food-quality",)


def test_sessions_back_to_back(make_kiosk):
    kiosk = make_kiosk()
    scores = {"ძალიან უკმაყოფილო": 1, "კმაყოფილი": 4, "ძალიან კმაყოფილი": 5}
    for face in scores:
        kiosk.tap("დაწყება")
        kiosk.wait_for(Step.CHOOSE)
        kiosk.tap("სამოქალაქო ბიუჯეტი")
        kiosk.wait_for(Step.RATE)
        kiosk.tap(face)
        kiosk.wait_for(Step.REASONS)
        kiosk.tap("გამოტოვება")
        kiosk.wait_for(Step.COMMENT)
        kiosk.tap("გამოტოვება")
        kiosk.wait_for(Step.THANKS)
        kiosk.idle(5)
        kiosk.wait_for(Step.WELCOME)
        kiosk.idle(2)  # the anti-abuse cooldown
    assert [r.score for r in kiosk.records()] == list(scores.values())


def test_a_restart_finds_every_rating(make_kiosk, tmp_path):
    kiosk = make_kiosk()
    for _ in range(2):
        kiosk.tap("დაწყება")
        kiosk.wait_for(Step.CHOOSE)
        kiosk.tap("უსახლკარო პირთა თავშესაფარი")
        kiosk.wait_for(Step.RATE)
        kiosk.tap("კმაყოფილი")
        kiosk.wait_for(Step.COMMENT)
        kiosk.tap("გამოტოვება")
        kiosk.wait_for(Step.THANKS)
        kiosk.idle(5)
        kiosk.idle(2)
    before = kiosk.records()
    kiosk.window.close()
    kiosk.writer.close()
    with Store(kiosk.db_path) as reopened:
        assert reopened.records() == before
        assert [r.seq for r in reopened.records()] == [1, 2]


def test_a_touch_on_a_tile_chooses_it(make_kiosk):
    kiosk = make_kiosk()
    touch_tap(kiosk.visible_widget("დაწყება"))
    kiosk.wait_for(Step.CHOOSE)
    kiosk.clock.advance(1)
    touch_tap(kiosk.visible_widget("უფასო სასადილო"))
    kiosk.wait_for(Step.RATE)
    assert kiosk.flow.service.id == "free-canteen"


def test_double_tap_on_a_face_saves_one_rating(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("უფასო სასადილო")
    kiosk.wait_for(Step.RATE)
    face = kiosk.visible_widget("კმაყოფილი")
    kiosk.clock.advance(1)
    kiosk.qtbot.mouseClick(face, kiosk_left())
    kiosk.qtbot.mouseClick(face, kiosk_left())
    kiosk.wait_for(Step.REASONS)
    assert [r.score for r in kiosk.records()] == [4]


def kiosk_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_large_text_is_for_this_citizen_only(make_kiosk):
    kiosk = make_kiosk()
    normal = kiosk.window.metrics.body
    kiosk.tap("დიდი ტექსტი და მაღალი კონტრასტი")
    assert kiosk.flow.large_text
    assert kiosk.window.metrics.body > normal
    assert "#000000" in kiosk.window.styleSheet()
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("უკან")
    kiosk.wait_for(Step.WELCOME)
    assert not kiosk.flow.large_text
    assert kiosk.window.metrics.body == normal


def _interactive(window) -> list[QWidget]:
    return [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, QAbstractButton | QPlainTextEdit) and w.isVisible()
    ]


def test_every_control_on_every_screen_has_an_accessible_name(make_kiosk):
    kiosk = make_kiosk()
    seen_steps = []
    for action, step in [
        (None, Step.WELCOME),
        ("დაწყება", Step.CHOOSE),
        ("უფასო სასადილო", Step.RATE),
        ("უკმაყოფილო", Step.REASONS),
        ("შემდეგი", Step.COMMENT),
    ]:
        if action:
            kiosk.tap(action)
        kiosk.wait_for(step)
        controls = _interactive(kiosk.window)
        assert len(controls) >= 4
        unnamed = [type(w).__name__ for w in controls if not w.accessibleName().strip()]
        assert unnamed == [], f"unnamed controls on {step}"
        seen_steps.append(step)
    assert len(seen_steps) == 5


def test_touch_targets_are_at_least_the_minimum(make_kiosk):
    kiosk = make_kiosk(size=(720, 1280))
    target = kiosk.window.metrics.target
    assert target >= 56
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("უფასო სასადილო")
    kiosk.wait_for(Step.RATE)
    small = [
        (w.accessibleName(), w.width(), w.height())
        for w in _interactive(kiosk.window)
        if min(w.width(), w.height()) < target
    ]
    assert small == []


def test_a_swipe_that_starts_on_a_tile_scrolls_without_choosing(make_kiosk, qtbot):
    from PySide6.QtCore import QPoint, Qt

    kiosk = make_kiosk(size=(720, 1280))
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    screen = kiosk.window.current_screen()
    bar = screen.swipe_area.verticalScrollBar()
    assert bar.maximum() > 0
    tile = kiosk.visible_widget("უფასო სასადილო")
    start = tile.rect().center()
    qtbot.mousePress(tile, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):
        qtbot.mouseMove(tile, start - QPoint(0, 30 * step))
    qtbot.mouseRelease(tile, Qt.MouseButton.LeftButton, pos=start - QPoint(0, 300))
    assert bar.value() >= 250
    assert kiosk.flow.step is Step.CHOOSE
    kiosk.tap("სამოქალაქო ბიუჯეტი")
    kiosk.wait_for(Step.RATE)


def test_the_next_citizen_starts_fresh(make_kiosk):
    """What one citizen leaves behind (scrolled lists, chosen reasons, typed text, the
    keyboard's page and Shift, the language, "Aa") is gone for the next one, whether the
    first walked away or finished."""
    kiosk = make_kiosk(size=(1024, 600))
    window = kiosk.window
    choose = window.screens[Step.CHOOSE]
    reasons = window.screens[Step.REASONS]
    comment = window.screens[Step.COMMENT]
    last = kiosk.flow.services()[-1].name.get("en")

    def first_citizen() -> None:
        kiosk.tap("English")
        kiosk.tap("Larger text and high contrast")
        kiosk.tap("Start")
        kiosk.wait_for(Step.CHOOSE)
        kiosk.tap(last)  # scrolls the list down to the last service
        assert choose.swipe_area.verticalScrollBar().value() > 0
        kiosk.wait_for(Step.RATE)
        kiosk.tap("Dissatisfied")

    first_citizen()
    kiosk.wait_for(Step.REASONS)
    chips = list(reasons.chips)
    kiosk.tap(kiosk.flow.reasons()[-1].text.get("en"))
    assert reasons.swipe_area.verticalScrollBar().value() > 0
    kiosk.tap("Next")
    kiosk.wait_for(Step.COMMENT)
    for letter in "slow":
        kiosk.tap(letter)
    kiosk.tap("Numbers and symbols")
    assert comment.keyboard.layout() == "digits"
    kiosk.idle(kiosk.flow.config.idle_timeout_s)
    kiosk.idle(kiosk.flow.config.still_there_s)  # walked away
    kiosk.wait_for(Step.WELCOME)
    kiosk.idle(kiosk.flow.config.cooldown_s)

    assert (kiosk.flow.language, kiosk.flow.large_text) == ("ka", False)
    assert not window.header.large_text.isChecked()
    assert "#000000" not in window.styleSheet()
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    assert choose.swipe_area.verticalScrollBar().value() == 0
    first_heading = choose.category_labels[0][0]
    assert first_heading.isVisible()
    top = first_heading.mapTo(choose.swipe_area.viewport(), first_heading.rect().topLeft())
    assert top.y() >= 0
    kiosk.tap(kiosk.flow.services()[-1].name.get("ka"))
    kiosk.wait_for(Step.RATE)
    kiosk.tap("უკმაყოფილო")
    kiosk.wait_for(Step.REASONS)
    assert list(reasons.chips) == chips
    assert reasons.swipe_area.verticalScrollBar().value() == 0
    assert not any(chip.isChecked() for chip in reasons.chips.values())
    kiosk.tap("შემდეგი")
    kiosk.wait_for(Step.COMMENT)
    assert comment.editor.toPlainText() == ""
    assert (comment.keyboard.layout(), comment.keyboard.shift_state()) == ("ka", "off")
    kiosk.tap(i18n._("Switch to English"))
    kiosk.tap(i18n._("Shift"))
    kiosk.tap("S")
    kiosk.tap("გაგზავნა")
    kiosk.wait_for(Step.THANKS)
    kiosk.idle(kiosk.flow.config.thanks_s)  # finished this time
    kiosk.wait_for(Step.WELCOME)
    kiosk.idle(kiosk.flow.config.cooldown_s)

    # Without "Aa" or another language nothing else makes the screens start over.
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap(kiosk.flow.services()[-1].name.get("ka"))
    assert choose.swipe_area.verticalScrollBar().value() > 0
    kiosk.wait_for(Step.RATE)
    kiosk.tap("უკმაყოფილო")
    kiosk.wait_for(Step.REASONS)
    kiosk.tap(kiosk.flow.reasons()[-1].text.get("ka"))
    kiosk.tap("შემდეგი")
    kiosk.wait_for(Step.COMMENT)
    kiosk.tap(i18n._("Numbers and symbols"))
    kiosk.tap("7")
    kiosk.tap("გაგზავნა")
    kiosk.wait_for(Step.THANKS)
    kiosk.idle(kiosk.flow.config.thanks_s)
    kiosk.wait_for(Step.WELCOME)
    kiosk.idle(kiosk.flow.config.cooldown_s)
    assert comment.editor.toPlainText() == ""
    assert comment.keyboard.layout() == "ka"
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    assert choose.swipe_area.verticalScrollBar().value() == 0


def _ink(image: QImage, background: QColor) -> set[tuple[int, int]]:
    """Where ``image`` differs clearly in lightness from ``background``: the shape drawn,
    whatever its colour."""
    return {
        (x, y)
        for y in range(image.height())
        for x in range(image.width())
        if abs(image.pixelColor(x, y).lightness() - background.lightness()) > 60
    }


def test_a_chosen_reason_shows_a_check_mark_not_only_a_colour(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("English")
    kiosk.tap("Start")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.tap("Free canteen")
    kiosk.wait_for(Step.RATE)
    kiosk.tap("Dissatisfied")
    kiosk.wait_for(Step.REASONS)
    chip = kiosk.visible_widget("The quality of the food")
    assert isinstance(chip, WrapButton)

    def mark_shape() -> set[tuple[int, int]]:
        mark = chip.indicator()
        assert mark.isVisible()
        image = chip.grab(mark.geometry().adjusted(-2, -2, 2, 2)).toImage()
        return _ink(image, image.pixelColor(0, 0))

    box = mark_shape()
    kiosk.tap("The quality of the food")
    assert chip.isChecked()
    check = mark_shape()
    assert box and check
    # Not the same shape in another colour: an empty box became a box with a check in it.
    assert len(box & check) / len(box | check) < 0.7
    assert len(check) > len(box)
    kiosk.tap("The quality of the food")
    assert not chip.isChecked()
    assert mark_shape() == box


@pytest.mark.parametrize("size", [(1280, 800), (720, 1280)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_tile_and_chip_text_keeps_clear_of_the_edges(make_kiosk, size):
    """At least 12 px between a tile's or chip's border and its text, on every side, with
    and without "Aa"."""
    kiosk = make_kiosk(size=size)
    checked = 0
    for large in (False, True):
        if large:
            kiosk.idle(3)
            kiosk.tap("დიდი ტექსტი და მაღალი კონტრასტი")
        kiosk.tap("დაწყება")
        kiosk.wait_for(Step.CHOOSE)
        buttons = list(kiosk.window.current_screen().tiles.values())
        kiosk.tap("უფასო სასადილო")
        kiosk.wait_for(Step.RATE)
        kiosk.tap("უკმაყოფილო")
        kiosk.wait_for(Step.REASONS)
        buttons += list(kiosk.window.current_screen().chips.values())
        for button in buttons:
            inside = button.rect().adjusted(BORDER_PX, BORDER_PX, -BORDER_PX, -BORDER_PX)
            text = button.text_label().geometry()
            gaps = (
                text.left() - inside.left(),
                text.top() - inside.top(),
                inside.right() - text.right(),
                inside.bottom() - text.bottom(),
            )
            assert min(gaps) >= TEXT_PADDING_PX, (button.text_shown(), gaps)
            checked += 1
        kiosk.tap("გამოტოვება")
        kiosk.wait_for(Step.COMMENT)
        kiosk.tap("გამოტოვება")
        kiosk.wait_for(Step.THANKS)
        kiosk.idle(5)
        kiosk.wait_for(Step.WELCOME)
    assert checked > 20


@pytest.mark.parametrize(
    "size", [(1280, 800), (720, 1280), (600, 1024), (1024, 600)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_faces_never_touch_their_tiles_edges(make_kiosk, size):
    kiosk = make_kiosk(size=size)
    arrangements = set()
    for large in (False, True):
        if large:
            kiosk.tap("დიდი ტექსტი და მაღალი კონტრასტი")
        kiosk.tap("დაწყება")
        kiosk.wait_for(Step.CHOOSE)
        kiosk.tap("უფასო სასადილო")
        kiosk.wait_for(Step.RATE)
        screen = kiosk.window.current_screen()
        arrangements.add(screen.scale.arrangement.rows)
        for face in screen.faces.values():
            tile = QRectF(face.rect())
            drawn = face.face_rect()
            room = min(
                drawn.left() - tile.left(),
                drawn.top() - tile.top(),
                tile.right() - drawn.right(),
                tile.bottom() - drawn.bottom(),
            )
            assert room >= FACE_ROOM_PX, (face.label(), size, large, room)
            assert drawn.width() >= 48
        kiosk.tap("უკან")
        kiosk.wait_for(Step.CHOOSE)
        kiosk.tap("უკან")
        kiosk.wait_for(Step.WELCOME)
    assert arrangements


def test_the_chips_follow_the_reasons_offered_from_one_citizen_to_the_next(make_kiosk):
    """Low and high scores offer different reasons (four and three here): the chips shown,
    and the reason each one records, are always those offered now."""
    kiosk = make_kiosk()
    screen = kiosk.window.screens[Step.REASONS]
    chosen = []
    for face in ("Very dissatisfied", "Very satisfied", "Dissatisfied"):
        kiosk.tap("English")
        kiosk.tap("Start")
        kiosk.wait_for(Step.CHOOSE)
        kiosk.tap("Free canteen")
        kiosk.wait_for(Step.RATE)
        kiosk.tap(face)
        kiosk.wait_for(Step.REASONS)
        offered = [reason.text.get("en") for reason in kiosk.flow.reasons()]
        shown = [w for w in screen.findChildren(WrapButton) if w.isVisible()]
        assert sorted(chip.text_shown() for chip in shown) == sorted(offered)
        kiosk.tap(offered[-1])
        chosen.append((kiosk.flow.reasons()[-1].id,))
        kiosk.tap("Next")
        kiosk.wait_for(Step.COMMENT)
        kiosk.tap("Skip")
        kiosk.wait_for(Step.THANKS)
        kiosk.idle(5)
        kiosk.idle(2)
    assert [r.reasons for r in kiosk.records() if r.kind == "reasons"] == chosen
    assert len({reasons for reasons in chosen}) == 2
