"""Times and numbers as staff read them: the tablet's local time and the UI language's
conventions, never the UTC ISO strings the records and the sync status keep."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime

from ui import i18n

LOCALES = {
    "ka": (QLocale.Language.Georgian, QLocale.Country.Georgia),
    "en": (QLocale.Language.English, QLocale.Country.UnitedKingdom),
}
"""English as written in Europe: day before month, 24-hour clock, as Georgian is."""

TIME_FORMAT = "d MMMM yyyy, HH:mm"


def ui_locale() -> QLocale:
    language, territory = LOCALES.get(i18n.language(), LOCALES["en"])
    return QLocale(language, territory)


def parse_utc(value: str) -> datetime | None:
    """A stored UTC time (``2026-03-14T09:30:00.000Z``), or None when it is not one."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def local_time(value: str | datetime) -> str:
    """``value`` (UTC) as a local date and time in the UI language, e.g. "14 March 2026, 13:30";
    text that is no time is shown as it is rather than hidden."""
    moment = parse_utc(value) if isinstance(value, str) else value
    if moment is None:
        return str(value)
    local = moment.astimezone()
    shown = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    return ui_locale().toString(shown, TIME_FORMAT)


def decimal(value: float, places: int = 2) -> str:
    """``value`` with the UI language's decimal mark (a comma in Georgian)."""
    return ui_locale().toString(value, "f", places)
