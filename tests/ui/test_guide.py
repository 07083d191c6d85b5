"""Listen and keys, as citizens use them: by touch (the first tap says what a control is, a
second one uses it) and by keys alone (a keyboard, a numeric keypad), in Georgian and English,
through every screen; what the kiosk would say is recorded by a fake speech sink, and what was
chosen is read back from the real SQLite file."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton, QApplication, QPlainTextEdit, QScrollArea, QWidget

from kiosk.flow import SaveResult, Step
from kiosk.storage import Draft, StorageError
from tests.ui.conftest import Kiosk
from ui.focus import RING_DARK, RING_LIGHT, FocusRing
from ui.guide import ARMED_S

KEYPAD = Qt.KeyboardModifier.KeypadModifier
K = Qt.Key

WELCOME_KA = (
    "სადემონსტრაციო მუნიციპალიტეტი. მოქალაქეთა უკუკავშირი. ისარგებლეთ წელს "
    "მუნიციპალიტეტის პროგრამით ან მომსახურებით? გაგვიზიარეთ თქვენი შეფასება."
)
WELCOME_EN = (
    "Demo Municipality. Citizens feedback. Did you use a municipal program or service this "
    "year? Tell us how it went."
)


def press(kiosk: Kiosk, *keys: Qt.Key, keypad: bool = False) -> None:
    """Keys pressed one after another, a little apart, to whatever has the focus."""
    for key in keys:
        kiosk.clock.advance(0.7)
        target = QApplication.focusWidget() or kiosk.window
        kiosk.qtbot.keyClick(target, key, KEYPAD if keypad else Qt.KeyboardModifier.NoModifier)


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def focused_name() -> str:
    return focused().accessibleName()


def said(kiosk: Kiosk) -> str:
    return kiosk.speech.last()


def explore_and_use(kiosk: Kiosk, name: str, heard: str, then: Callable[[], None]) -> None:
    """Listen by touch: the first tap only says ``heard``; the second one acts."""
    before = kiosk.records()
    step = kiosk.flow.step
    kiosk.tap(name)
    assert said(kiosk) == heard
    assert kiosk.flow.step is step
    assert kiosk.records() == before
    kiosk.tap(name)
    then()


# -- Listen by touch --------------------------------------------------------------------------


def test_listen_by_touch_in_georgian_through_every_screen(make_kiosk):
    kiosk = make_kiosk()
    flow = kiosk.flow
    kiosk.tap("მოსმენა")  # Listen acts at the first tap: nothing is on yet to explain it
    assert flow.listen
    assert said(kiosk) == (
        "მოსმენა ჩართულია. შეეხეთ ნებისმიერ რამეს და გაიგებთ, რა არის ეს; ასარჩევად კი კიდევ "
        f"ერთხელ შეეხეთ. {WELCOME_KA} დასაწყებად ორჯერ შეეხეთ ეკრანს."
    )

    explore_and_use(
        kiosk,
        "დაწყება",
        "დაწყება. დასაწყებად შეეხეთ კიდევ ერთხელ.",
        lambda: kiosk.wait_for(Step.CHOOSE),
    )
    assert said(kiosk) == "აირჩიეთ პროგრამა ან მომსახურება, რომლითაც ისარგებლეთ. 13 ვარიანტი."

    explore_and_use(
        kiosk,
        "უფასო სასადილო",
        "უფასო სასადილო. ასარჩევად შეეხეთ კიდევ ერთხელ.",
        lambda: kiosk.wait_for(Step.RATE),
    )
    assert said(kiosk) == (
        "რამდენად კმაყოფილი ხართ: უფასო სასადილო? აირჩიეთ ხუთიდან ერთი სახე: პირველია "
        "„ძალიან უკმაყოფილო“, ბოლო — „ძალიან კმაყოფილი“."
    )

    explore_and_use(
        kiosk,
        "ძალიან კმაყოფილი",
        "ძალიან კმაყოფილი. ნომერი 5, სულ 5. ასარჩევად შეეხეთ კიდევ ერთხელ.",
        lambda: kiosk.wait_for(Step.REASONS),
    )
    assert said(kiosk) == (
        "ძალიან კმაყოფილი. შენახულია. რა მოგეწონათ ყველაზე მეტად? აირჩიეთ ერთი ან რამდენიმე, "
        "ან გამოტოვეთ. 3 ვარიანტი."
    )
    (rating,) = kiosk.records()
    assert (rating.service_id, rating.score, rating.language) == ("free-canteen", 5, "ka")

    explore_and_use(
        kiosk,
        "თავაზიანი თანამშრომლები",
        "თავაზიანი თანამშრომლები. არ არის მონიშნული. მოსანიშნად შეეხეთ კიდევ ერთხელ.",
        lambda: None,
    )
    assert said(kiosk) == "თავაზიანი თანამშრომლები. მონიშნულია."
    kiosk.tap("თავაზიანი თანამშრომლები")  # still armed: a third tap clears it again
    assert said(kiosk) == "თავაზიანი თანამშრომლები. არ არის მონიშნული."
    kiosk.tap("თავაზიანი თანამშრომლები")
    assert kiosk.flow.selected == ["polite-staff"]
    kiosk.tap("შემდეგი")
    kiosk.tap("შემდეგი")
    kiosk.wait_for(Step.COMMENT)
    assert said(kiosk) == (
        "შენახულია. გსურთ კომენტარის დამატება? აკრიფეთ ეკრანის ქვედა ნაწილში მოცემულ "
        "კლავიატურაზე და შემდეგ აირჩიეთ „გაგზავნა“; თუ კომენტარის დატოვება არ გსურთ, აირჩიეთ "
        "„გამოტოვება“."
    )

    editor = kiosk.window.findChild(QPlainTextEdit, "comment")
    for letter in "ცხელი":
        explore_and_use(kiosk, letter, f"{letter}.", lambda: None)
        assert said(kiosk) == f"{letter}."
    assert editor.toPlainText() == "ცხელი"
    kiosk.tap("ჰარი")
    kiosk.tap("ჰარი")
    assert said(kiosk) == "ჰარი."
    kiosk.tap("წაშლა")
    assert said(kiosk) == "წაშლა."
    kiosk.tap("წაშლა")
    assert said(kiosk) == "წაიშალა."
    kiosk.tap("თქვენი კომენტარი")  # the text read back
    assert said(kiosk) == "თქვენი კომენტარი: ცხელი."

    explore_and_use(kiosk, "გაგზავნა", "გაგზავნა. ასარჩევად შეეხეთ კიდევ ერთხელ.", lambda: None)
    kiosk.wait_for(Step.THANKS)
    assert said(kiosk) == "გმადლობთ! თქვენი პასუხი შენახულია."
    rating, reasons, comment = kiosk.records()
    assert reasons.reasons == ("polite-staff",)
    assert comment.comment == "ცხელი"
    assert {reasons.rating_uuid, comment.rating_uuid} == {rating.uuid}

    kiosk.idle(5)
    assert flow.step is Step.WELCOME
    assert not flow.listen  # the next citizen starts without it, like "Aa"
    assert not kiosk.window.header.quieter.isVisible()


def test_listen_by_touch_in_english_and_each_language_button_speaks_its_own(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("მოსმენა")
    kiosk.tap("English")
    assert kiosk.speech.said[-1] == ("en", "English. Tap again to switch to English.")
    assert kiosk.flow.language == "ka"
    kiosk.tap("English")
    assert kiosk.speech.said[-1] == ("en", f"{WELCOME_EN} Tap the screen twice to start.")
    kiosk.tap("ქართული")
    assert kiosk.speech.said[-1] == ("ka", "ქართული. ქართულზე გადასასვლელად შეეხეთ კიდევ ერთხელ.")
    kiosk.clock.advance(ARMED_S + 1)  # too late for a second tap: this one only speaks again
    kiosk.tap("ქართული")
    assert kiosk.flow.language == "en"
    assert kiosk.speech.said[-1][0] == "ka"

    kiosk.tap("Larger text and high contrast")
    assert said(kiosk) == "Larger text and high contrast. Off. Tap again to turn it on."
    kiosk.tap("Larger text and high contrast")
    assert kiosk.flow.large_text
    assert said(kiosk) == "Larger text and high contrast. On."

    kiosk.tap("Start")
    kiosk.tap("Start")
    kiosk.wait_for(Step.CHOOSE)
    assert said(kiosk) == "Choose the program or service you used. 13 choices."
    kiosk.qtbot.mouseClick(kiosk.window.current_screen().title, Qt.MouseButton.LeftButton)
    kiosk.qtbot.mouseClick(kiosk.window.current_screen().title, Qt.MouseButton.LeftButton)
    assert kiosk.flow.step is Step.CHOOSE  # a title is read, and read again; it does nothing
    assert said(kiosk) == "Which program or service did you use?"
    kiosk.tap("Newborn allowance")
    kiosk.tap("Newborn allowance")
    kiosk.wait_for(Step.RATE)
    assert said(kiosk) == (
        "How satisfied are you with: Newborn allowance? Choose one of five faces, from Very "
        "dissatisfied to Very satisfied."
    )
    kiosk.tap("Back")
    assert said(kiosk) == "Back. Tap again to choose."
    kiosk.tap("Neutral")  # another control: the Back button is no longer armed
    assert said(kiosk) == "Neutral. 3 of 5. Tap again to choose."
    kiosk.tap("Neutral")
    kiosk.wait_for(Step.REASONS)
    assert said(kiosk) == (
        "Neutral. Saved. What was the main reason? Choose one or more, or skip. 4 choices."
    )
    kiosk.tap("Skip")
    kiosk.tap("Skip")
    assert said(kiosk).startswith("Would you like to add a comment? Type on the keyboard")
    kiosk.tap("Skip")
    kiosk.tap("Skip")
    assert said(kiosk) == "Thank you! Your answer is saved."
    (rating,) = kiosk.records()
    assert (rating.service_id, rating.score, rating.language) == ("newborn-allowance", 3, "en")


class SlowDisk:
    """Holds every record until the test hands it to the real writer."""

    def __init__(self) -> None:
        self.held: list[tuple[Draft, Callable[[SaveResult], None]]] = []

    def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
        self.held.append((draft, done))


def test_saved_is_said_only_once_the_rating_is_committed(make_kiosk):
    """The reasons screen opens while the rating is committed; its words, "Saved." first,
    wait for the commit."""
    kiosk = make_kiosk()
    kiosk.tap("მოსმენა")
    kiosk.flow.start()
    kiosk.flow.choose("free-canteen")
    real, kiosk.flow.saver = kiosk.flow.saver, SlowDisk()
    kiosk.tap("უკმაყოფილო")
    before = len(kiosk.speech.texts())
    kiosk.tap("უკმაყოფილო")
    assert kiosk.window.current_screen() is kiosk.window.screens[Step.REASONS]
    assert kiosk.flow.in_flight == 1
    assert kiosk.speech.texts()[before:] == []  # nothing is said before the commit
    assert kiosk.records() == []
    ((draft, done),) = kiosk.flow.saver.held
    real.save(draft, done)  # the writer commits; the words follow
    kiosk.wait_for(Step.REASONS)
    assert said(kiosk) == (
        "უკმაყოფილო. შენახულია. რა იყო მთავარი მიზეზი? აირჩიეთ ერთი ან რამდენიმე, ან "
        "გამოტოვეთ. 4 ვარიანტი."
    )
    (rating,) = kiosk.records()
    assert rating.score == 2


def test_listen_turned_off_while_a_commit_runs_stays_quiet_when_it_lands(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("English")
    kiosk.tap("Listen")
    kiosk.flow.start()
    kiosk.flow.choose("free-canteen")
    real, kiosk.flow.saver = kiosk.flow.saver, SlowDisk()
    kiosk.tap("Neutral")
    kiosk.tap("Neutral")
    kiosk.tap("Listen")
    kiosk.tap("Listen")
    assert not kiosk.flow.listen and said(kiosk) == "Listen is off."
    spoken = len(kiosk.speech.texts())
    ((draft, done),) = kiosk.flow.saver.held
    real.save(draft, done)
    kiosk.wait_for(Step.REASONS)
    assert kiosk.speech.texts()[spoken:] == []


def test_thank_you_is_shown_and_said_only_once_every_answer_is_committed(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("English")
    kiosk.tap("Listen")
    kiosk.flow.start()
    kiosk.flow.choose("free-canteen")
    real, kiosk.flow.saver = kiosk.flow.saver, SlowDisk()
    for name in ("Very dissatisfied", "Very dissatisfied", "Skip", "Skip", "Skip", "Skip"):
        kiosk.tap(name)
    comment = kiosk.window.screens[Step.COMMENT]
    assert kiosk.window.current_screen() is comment  # "saving": Send and Skip wait
    assert kiosk.flow.saving and not comment.send.isEnabled() and not comment.skip.isEnabled()
    assert not any("saved" in text.lower() for text in kiosk.speech.texts())
    ((draft, done),) = kiosk.flow.saver.held
    real.save(draft, done)
    kiosk.wait_for(Step.THANKS)
    assert said(kiosk) == "Thank you! Your answer is saved."
    assert [r.score for r in kiosk.records()] == [1]


def test_a_rating_that_fails_after_the_next_screen_opened_is_never_called_saved(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("მოსმენა")
    kiosk.flow.start()
    kiosk.flow.choose("free-canteen")
    kiosk.flow.saver = SlowDisk()
    kiosk.tap("კმაყოფილი")
    kiosk.tap("კმაყოფილი")
    assert kiosk.window.current_screen() is kiosk.window.screens[Step.REASONS]
    ((_draft, done),) = kiosk.flow.saver.held
    done(StorageError("full", "kiosk.db", "database or disk is full"))
    assert kiosk.window.current_screen() is kiosk.window.screens[Step.ERROR]
    assert said(kiosk) == (
        "ბოდიში, რაღაც შეცდომა მოხდა. თქვენი პასუხი ვერ შეინახა. გთხოვთ, აცნობოთ "
        "თანამშრომელს. გმადლობთ!"
    )
    assert not any("შენახულია" in text for text in kiosk.speech.texts())
    assert kiosk.records() == []


def test_a_rating_that_cannot_be_saved_is_never_called_saved(make_kiosk):
    kiosk = make_kiosk()

    class FullDisk:
        def save(self, draft: Draft, done: Callable[[SaveResult], None]) -> None:
            done(StorageError("full", "kiosk.db", "database or disk is full"))

    kiosk.tap("მოსმენა")
    kiosk.flow.start()
    kiosk.flow.choose("free-canteen")
    kiosk.flow.saver = FullDisk()
    kiosk.tap("კმაყოფილი")
    kiosk.tap("კმაყოფილი")
    assert kiosk.flow.step is Step.ERROR
    assert said(kiosk) == (
        "ბოდიში, რაღაც შეცდომა მოხდა. თქვენი პასუხი ვერ შეინახა. გთხოვთ, აცნობოთ "
        "თანამშრომელს. გმადლობთ!"
    )
    assert not any("შენახულია" in text for text in kiosk.speech.texts())


def test_speech_stops_as_the_screen_changes_and_the_volume_is_the_citizens(make_kiosk):
    kiosk = make_kiosk()
    sink = kiosk.speech
    header = kiosk.window.header
    assert not header.louder.isVisible()
    kiosk.tap("მოსმენა")
    assert header.louder.isVisible() and header.quieter.isVisible()
    kiosk.tap("ხმამაღლა")  # the volume acts at once: hearing the new volume is the point
    assert (sink.volume, said(kiosk)) == (7, "ხმის დონე 7, მაქსიმუმი 10.")
    for _ in range(5):
        kiosk.tap("ხმამაღლა")
    assert (sink.volume, said(kiosk)) == (10, "ხმის დონე 10, მაქსიმუმი 10.")
    press(kiosk, K.Key_Minus, keypad=True)
    assert sink.volume == 9
    stops = sink.stops
    kiosk.tap("დაწყება")
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    assert sink.stops > stops  # what Welcome was saying stops when Choose opens
    assert sink.volume == 9
    stops = sink.stops
    kiosk.flow.back()
    kiosk.wait_for(Step.WELCOME)
    assert sink.stops > stops
    assert (kiosk.flow.listen, sink.volume) == (False, 6)  # the next citizen's default


def test_the_still_there_prompt_is_spoken_and_any_key_answers_it(make_kiosk):
    kiosk = make_kiosk()
    kiosk.tap("მოსმენა")
    kiosk.tap("დაწყება")
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.idle(30)
    assert said(kiosk) == (
        "ისევ აქ ხართ? კიოსკი თავიდან დაიწყება 15 წამში. გასაგრძელებლად შეეხეთ ეკრანს ან "
        "დააჭირეთ ნებისმიერ კლავიშს."
    )
    press(kiosk, K.Key_8, keypad=True)
    assert kiosk.flow.prompt_deadline is None
    assert kiosk.flow.step is Step.CHOOSE
    assert said(kiosk) == "აირჩიეთ პროგრამა ან მომსახურება, რომლითაც ისარგებლეთ. 13 ვარიანტი."


def test_a_swipe_in_listen_mode_scrolls_the_list_and_chooses_nothing(make_kiosk):
    kiosk = make_kiosk(size=(600, 1024))
    kiosk.tap("მოსმენა")
    kiosk.tap("დაწყება")
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    screen = kiosk.window.current_screen()
    bar = screen.swipe_area.verticalScrollBar()
    assert bar.maximum() > 0
    tile = screen.tiles["free-canteen"]
    spoken = len(kiosk.speech.said)
    start = tile.rect().center()
    qtbot = kiosk.qtbot
    qtbot.mousePress(tile, Qt.MouseButton.LeftButton, pos=start)
    for dy in range(10, 160, 10):
        qtbot.mouseMove(tile, start - QPoint(0, dy))
    qtbot.mouseRelease(tile, Qt.MouseButton.LeftButton, pos=start - QPoint(0, 150))
    assert bar.value() > 0
    assert len(kiosk.speech.said) == spoken
    assert kiosk.flow.step is Step.CHOOSE


# -- keys, with Listen -------------------------------------------------------------------------


def test_a_keypad_alone_in_georgian_with_listen(make_kiosk):
    kiosk = make_kiosk()
    press(kiosk, K.Key_2, keypad=True)  # any key first finds the Listen button, which says so
    assert focused() is kiosk.window.header.listen
    assert said(kiosk) == "მოსმენა. დააჭირეთ Enter-ს და ეკრანის ტექსტს ხმამაღლა მოისმენთ."
    assert not kiosk.flow.listen
    press(kiosk, K.Key_5, keypad=True)
    assert kiosk.flow.listen
    assert focused_name() == "დაწყება"
    assert said(kiosk) == (
        "მოსმენა ჩართულია. გადაადგილდით ისრიანი კლავიშებით, ასარჩევად კი დააჭირეთ Enter-ს. "
        f"{WELCOME_KA} დაწყება. დასაწყებად დააჭირეთ Enter-ს."
    )
    press(kiosk, K.Key_5, keypad=True)
    kiosk.wait_for(Step.CHOOSE)
    assert said(kiosk) == (
        "აირჩიეთ პროგრამა ან მომსახურება, რომლითაც ისარგებლეთ. 13 ვარიანტი. სოციალურად "
        "დაუცველი ოჯახების დახმარება. ასარჩევად დააჭირეთ Enter-ს."
    )
    press(kiosk, K.Key_6, K.Key_6, K.Key_6, keypad=True)
    assert said(kiosk) == "უფასო სასადილო. ასარჩევად დააჭირეთ Enter-ს."
    press(kiosk, K.Key_5, keypad=True)
    kiosk.wait_for(Step.RATE)
    assert said(kiosk).endswith("ძალიან უკმაყოფილო. ნომერი 1, სულ 5. ასარჩევად დააჭირეთ Enter-ს.")
    press(kiosk, K.Key_6, keypad=True)
    assert said(kiosk) == "უკმაყოფილო. ნომერი 2, სულ 5. ასარჩევად დააჭირეთ Enter-ს."
    press(kiosk, K.Key_5, keypad=True)  # by keys, choosing needs no second press
    kiosk.wait_for(Step.REASONS)
    assert said(kiosk) == (
        "უკმაყოფილო. შენახულია. რა იყო მთავარი მიზეზი? აირჩიეთ ერთი ან რამდენიმე, ან "
        "გამოტოვეთ. 4 ვარიანტი. საკვების ხარისხი. არ არის მონიშნული. მოსანიშნად დააჭირეთ "
        "Enter-ს."
    )
    press(kiosk, K.Key_5, keypad=True)
    assert said(kiosk) == "საკვების ხარისხი. მონიშნულია."
    press(kiosk, K.Key_1, keypad=True)  # the screen's last control
    assert said(kiosk) == "შემდეგი. ასარჩევად დააჭირეთ Enter-ს."
    press(kiosk, K.Key_5, keypad=True)
    kiosk.wait_for(Step.COMMENT)
    assert said(kiosk).endswith("„გამოტოვება“. თქვენი კომენტარი ცარიელია.")
    editor = kiosk.window.findChild(QPlainTextEdit, "comment")
    assert isinstance(editor, QPlainTextEdit)
    assert focused() is editor
    press(kiosk, K.Key_5, K.Key_2, K.Key_4, keypad=True)  # digits from the keypad never type
    assert editor.toPlainText() == ""
    letters = []
    for _ in range(3):  # move onto a key of the on-screen keyboard and type it
        key = focused()
        assert key.property("keyRole") == "char"
        letters.append(key.accessibleName())
        assert said(kiosk) == f"{key.accessibleName()}."
        press(kiosk, K.Key_5, keypad=True)
        assert said(kiosk) == f"{key.accessibleName()}."
        press(kiosk, K.Key_6, keypad=True)
    assert editor.toPlainText() == "".join(letters)
    press(kiosk, K.Key_Slash, keypad=True)  # where am I: the screen, and the key reached
    assert said(kiosk).startswith("გსურთ კომენტარის დამატება?")
    press(kiosk, K.Key_7, keypad=True)  # the screen's first control: the comment box
    assert said(kiosk) == f"თქვენი კომენტარი: {''.join(letters)}."
    press(kiosk, K.Key_5, keypad=True)  # done typing: on to "Send"
    assert said(kiosk) == "გაგზავნა. ასარჩევად დააჭირეთ Enter-ს."
    press(kiosk, K.Key_5, keypad=True)
    kiosk.wait_for(Step.THANKS)
    assert said(kiosk) == "გმადლობთ! თქვენი პასუხი შენახულია."
    rating, reasons, comment = kiosk.records()
    assert (rating.service_id, rating.score) == ("free-canteen", 2)
    assert reasons.reasons == ("food-quality",)
    assert comment.comment == "".join(letters)


def test_a_keyboard_alone_in_english_with_listen(make_kiosk):
    kiosk = make_kiosk()
    press(kiosk, K.Key_Tab)
    assert focused() is kiosk.window.header.listen
    press(kiosk, K.Key_Right, K.Key_Right, K.Key_Right)
    assert focused_name() == "English"
    press(kiosk, K.Key_Return)
    assert kiosk.flow.language == "en"
    assert not kiosk.flow.listen
    press(kiosk, K.Key_Asterisk)
    assert kiosk.flow.listen
    assert said(kiosk) == (
        "Listen is on. Move with the arrow keys, and press Enter to choose. "
        f"{WELCOME_EN} Start. Press Enter to start."
    )
    press(kiosk, K.Key_Space)
    kiosk.wait_for(Step.CHOOSE)
    for _ in range(7):
        press(kiosk, K.Key_Right)
    assert said(kiosk) == "Newborn allowance. Press Enter to choose."
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.RATE)
    assert said(kiosk) == (
        "How satisfied are you with: Newborn allowance? Choose one of five faces, from Very "
        "dissatisfied to Very satisfied. Very dissatisfied. 1 of 5. Press Enter to choose."
    )
    press(kiosk, K.Key_End)
    assert said(kiosk) == "Very satisfied. 5 of 5. Press Enter to choose."
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.REASONS)
    assert said(kiosk).startswith("Very satisfied. Saved. What did you like most?")
    press(kiosk, K.Key_End, K.Key_Left)
    assert said(kiosk) == "Skip. Press Enter to choose."
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.COMMENT)
    assert said(kiosk).endswith("Your comment is empty.")
    kiosk.qtbot.keyClicks(focused(), "Hot tea")  # a keyboard types into the comment box
    assert said(kiosk) == "a."
    press(kiosk, K.Key_Return)
    assert said(kiosk) == "Send. Press Enter to choose."
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.THANKS)
    rating, comment = kiosk.records()
    assert (rating.service_id, rating.score, rating.language) == ("newborn-allowance", 5, "en")
    assert comment.comment == "Hot tea"


# -- keys, without Listen ----------------------------------------------------------------------


def place(widget: QWidget, window: QWidget) -> QRect:
    """Where ``widget`` is laid out in ``window``, with any list scrolled to its top."""
    area = next(
        (
            a
            for a in window.findChildren(QScrollArea)
            if (content := a.widget()) is not None and content.isAncestorOf(widget)
        ),
        None,
    )
    if area is None:
        return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    content = area.widget()
    assert content is not None
    top_left = area.viewport().mapTo(window, QPoint(0, 0)) + widget.mapTo(content, QPoint(0, 0))
    return QRect(top_left, widget.size())


def reads_after(first: QRect, second: QRect) -> bool:
    """``second`` comes after ``first`` in reading order: to its right on the same row, or
    on a lower row."""
    same_row = (
        first.top() <= second.center().y() <= first.bottom()
        or second.top() <= first.center().y() <= second.bottom()
    )
    return second.left() > first.left() if same_row else second.top() > first.top()


def ring_is_drawn(widget: QWidget) -> bool:
    """The ring shows on the control: dark at its edge, light just inside, dark again."""
    ring = widget.findChild(FocusRing)
    if ring is None or not ring.isVisible():
        return False
    image = widget.grab().toImage()
    band = ring.band()
    y = widget.height() // 2
    dark, light, inner = (QColor(image.pixel(int(band * middle), y)) for middle in (0.5, 1.5, 2.5))

    def near(colour: QColor, hex_colour: str) -> bool:
        want = QColor(hex_colour)
        return (
            max(
                abs(colour.red() - want.red()),
                abs(colour.green() - want.green()),
                abs(colour.blue() - want.blue()),
            )
            <= 60
        )

    return near(dark, RING_DARK) and near(light, RING_LIGHT) and near(inner, RING_DARK)


def tab_through(kiosk: Kiosk) -> list[QWidget]:
    """Tab once round every control on the screen; checks each is ringed as it is reached."""
    window = kiosk.window
    reachable = {
        w
        for w in window.citizen_page.findChildren(QWidget)
        if isinstance(w, QAbstractButton | QPlainTextEdit) and w.isVisible() and w.isEnabled()
    }
    reached = []
    for _ in range(len(reachable)):
        press(kiosk, K.Key_Tab)
        widget = focused()
        assert ring_is_drawn(widget), widget.accessibleName()
        reached.append(widget)
    assert set(reached) == reachable
    assert len(reached) == len(reachable)
    return reached


def assert_visual_order(kiosk: Kiosk, reached: list[QWidget]) -> None:
    """Reading order, but for the one step that wraps from the screen's end to the top."""
    places = [place(w, kiosk.window) for w in reached]
    backwards = [
        (reached[i].accessibleName(), reached[i + 1].accessibleName())
        for i in range(len(reached) - 1)
        if not reads_after(places[i], places[i + 1])
    ]
    assert len(backwards) <= 1, backwards


def test_keys_alone_without_listen_follow_the_visual_order_with_a_visible_ring(make_kiosk):
    kiosk = make_kiosk(size=(800, 1280), listen=False)
    header = kiosk.window.header
    assert not header.listen.isVisible()
    press(kiosk, K.Key_Down)
    assert focused_name() == "დაწყება"  # no Listen here: the first key lands on Start
    assert ring_is_drawn(focused())
    assert_visual_order(kiosk, tab_through(kiosk))
    assert focused_name() == "დაწყება"
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.CHOOSE)
    screen = kiosk.window.current_screen()
    assert focused() is screen.tiles["vulnerable-families"]
    assert_visual_order(kiosk, tab_through(kiosk))
    press(kiosk, K.Key_End)
    assert focused() is screen.tiles["service-hall-documents"]
    area = screen.swipe_area
    assert area.viewport().rect().contains(place(focused(), area.viewport()))  # scrolled to
    press(kiosk, K.Key_Home)
    first = place(focused(), kiosk.window)
    press(kiosk, K.Key_Down)
    below = place(focused(), kiosk.window)
    assert below.top() > first.bottom()
    assert abs(below.center().x() - first.center().x()) < first.width() // 2
    press(kiosk, K.Key_Home, K.Key_Right, K.Key_Right, K.Key_Right)
    assert focused_name() == "უფასო სასადილო"
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.RATE)
    assert kiosk.flow.service.id == "free-canteen"
    assert_visual_order(kiosk, tab_through(kiosk))
    press(kiosk, K.Key_Insert)  # the keypad's 0 (NumLock off): back
    kiosk.wait_for(Step.CHOOSE)
    assert focused() is screen.tiles["vulnerable-families"]
    press(kiosk, K.Key_Tab, K.Key_Tab, K.Key_Tab, K.Key_Return)
    kiosk.wait_for(Step.RATE)
    assert kiosk.flow.service.id == "free-canteen"
    press(kiosk, K.Key_Right, K.Key_Right, K.Key_Right)
    assert focused_name() == "კმაყოფილი"
    press(kiosk, K.Key_Return)
    kiosk.wait_for(Step.REASONS)
    assert_visual_order(kiosk, tab_through(kiosk))
    press(kiosk, K.Key_Home, K.Key_Space, K.Key_End, K.Key_Return)
    kiosk.wait_for(Step.COMMENT)
    assert_visual_order(kiosk, tab_through(kiosk))
    press(kiosk, K.Key_Home)
    kiosk.qtbot.keyClicks(focused(), "kargi")  # QTest types Latin letters only
    press(kiosk, K.Key_Return, K.Key_Return)
    kiosk.wait_for(Step.THANKS)
    assert QApplication.focusWidget() is None  # nothing to act on: no ring anywhere
    rating, reasons, comment = kiosk.records()
    assert (rating.service_id, rating.score) == ("free-canteen", 4)
    assert reasons.reasons == ("good-food",)
    assert comment.comment == "kargi"
    assert kiosk.speech.said == []  # nothing is said without Listen
    kiosk.idle(5)
    assert kiosk.flow.step is Step.WELCOME
    assert not kiosk.window.guide.ring().isVisible()  # the next citizen may only touch


def test_the_comment_screen_reads_in_order_in_landscape_too(make_kiosk):
    kiosk = make_kiosk(size=(1280, 800), listen=False)
    kiosk.flow.start()
    kiosk.clock.advance(1)
    kiosk.flow.choose("free-canteen")
    kiosk.clock.advance(1)
    kiosk.flow.rate(3)
    kiosk.wait_for(Step.REASONS)
    kiosk.clock.advance(1)
    kiosk.flow.skip()
    kiosk.wait_for(Step.COMMENT)
    reached = tab_through(kiosk)
    assert_visual_order(kiosk, reached)
    names = [w.accessibleName() for w in reached]
    assert names.index("თქვენი კომენტარი") + 1 == names.index("გამოტოვება")
    assert names.index("გამოტოვება") + 1 == names.index("გაგზავნა")
    assert names.index("გაგზავნა") + 1 == names.index("ქ")  # then the keys, row by row
