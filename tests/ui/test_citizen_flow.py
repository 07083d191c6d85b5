"""Citizens using the real kiosk window: real taps on real widgets, a real SQLite file."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QPlainTextEdit, QWidget

from kiosk.flow import Step
from kiosk.storage import Store
from tests.ui.conftest import touch_tap


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
