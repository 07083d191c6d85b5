"""The kiosk starts on a damaged database: citizens rate at once, the chain goes on, and staff
find in the panel what happened and which file was kept."""

from __future__ import annotations

from kiosk.settings import Settings
from tests.kiosk.damage import build, flip_page, records_leaves
from ui.i18n import _


def test_a_damaged_database_is_healed_at_start_and_staff_are_told(make_app, tmp_path, clock):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    built = build(data_dir / "kiosk.db", clock)  # with the staff PIN the tests type
    flip_page(built.path, records_leaves(built.path)[10])

    kiosk = make_app(Settings(default_language="en"), pin=False)
    report = kiosk.app.store.salvaged
    assert report is not None and report.lost_count > 0

    kiosk.rate_and_leave("homeless-shelter", 4)  # citizens go on rating
    newest = kiosk.app.store.records()[-1]
    assert (newest.seq, newest.prev_hash, newest.score) == (built.head[0] + 1, built.head[1], 4)

    kiosk.enter_admin()
    admin = kiosk.window.admin
    shown = admin.notice_text.text()
    low, high = report.lost[0]
    assert "kiosk-damaged-20260314T103640Z.db" in shown
    assert f"Records kept: {report.records}." in shown
    assert f"Records that could not be read: {high - low + 1} (numbers {low}–{high})." in shown
    assert "Newer records" not in shown  # the chain head survived
    assert admin.notice_text.property("error") is True
    kiosk.tap(_("Noted"))
    assert not admin.notice_card.isVisible()
    assert ("salvage", "notice acknowledged by staff") in [
        entry[1:] for entry in kiosk.app.store.audit_log()
    ]

    kiosk.tap(_("Back to the kiosk"))
    kiosk.enter_admin()
    assert kiosk.window.admin.notice_card is None  # told once, until the next salvage


def test_the_notice_is_in_the_staff_language(make_app, tmp_path, clock):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "kiosk.db").write_bytes(b"garbage" * 1000)

    kiosk = make_app(Settings())  # Georgian; nothing could be read, so the PIN is set anew
    kiosk.enter_admin()
    shown = kiosk.window.admin.notice_text.text()
    assert "დაზიანებული ფაილი შეინახა სახელით kiosk-damaged-20260314T093000Z.db" in shown
    assert "შენახული ჩანაწერები: 0." in shown
    assert "შესაძლოა უფრო ახალი ჩანაწერებიც დაიკარგა." in shown
    assert "კიოსკის იდენტიფიკატორის წაკითხვა ვერ მოხერხდა" in shown
    assert "Records" not in shown and "kiosk found" not in shown  # every line is translated
