"""What staff are told after the kiosk salvaged a damaged database at start: the file kept
aside, how many records were kept and which could not be read, in plain, true words."""

from __future__ import annotations

from kiosk.salvage import SalvageReport
from ui.i18n import _
from ui.staff.local_format import local_time


def seq_ranges(report: SalvageReport, most: int = 8) -> str:
    """The unreadable record numbers, e.g. "76–84, 120"; the first few ranges, then "…"."""
    shown = [f"{low}–{high}" if low != high else str(low) for low, high in report.lost[:most]]
    return ", ".join(shown) + (", …" if len(report.lost) > most else "")


def notice_text(report: SalvageReport) -> str:
    damaged = next((name for name in report.kept_aside if name.endswith(".db")), "")
    lines = [
        _(
            "On {at} the kiosk found its ratings database damaged. It kept the damaged file "
            "as {file} and made a new database from it."
        ).format(at=local_time(report.at), file=damaged),
        _("Records kept: {n}.").format(n=report.records),
    ]
    if report.lost:
        lines.append(
            _(
                "Records that could not be read: {n} (numbers {ranges}). Those already sent "
                "to the server are safe there; the others are lost."
            ).format(n=report.lost_count, ranges=seq_ranges(report))
        )
    if not report.head_known:
        lines.append(_("Newer records may have been lost as well."))
    if not report.device_id_found:
        lines.append(
            _("The kiosk's identity could not be read; it has a new one. Run setup again.")
        )
    lines.append(_("Keep the damaged file for support; do not delete it."))
    return "\n".join(lines)
