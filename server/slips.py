"""Printable PDFs for the web channel: slips with one-time codes, and a poster per center.

Why this shape:
- Slips are handed to citizens, who may read Georgian or English, so every slip carries both
  languages whatever the language of the admin page that made it.
- A QR code is drawn as vector rectangles (one per run of dark modules), with its quiet zone
  kept free: it prints sharp at any printer resolution and keeps a thousand slips small.
- The plaintext codes exist only in the PDF this module returns; it stores nothing.
- The fonts are the ones the kiosk ships (Noto Sans for Latin, Noto Sans Georgian for
  Mkhedruli). They are read as files from the installed ``ui`` folder, located without
  importing it: the server never loads Qt.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import cast

import segno
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue

from common.catalog import Text
from server.web_channel.codes import code_path

PAGE_W, PAGE_H = 210.0, 297.0
"""A4 in millimetres."""
MARGIN = 8.0
"""Kept free at the page edge: most printers cannot print there."""
COLUMNS, ROWS = 2, 4
SLIPS_PER_PAGE = COLUMNS * ROWS
PADDING = 5.0
"""Inside each slip, so that a cut a little off the line takes no text."""
QUIET_ZONE = 4
"""Modules of white around a QR code, as the QR standard asks."""
FAMILY = "noto"
GEORGIAN = "notogeorgian"
INK = (0, 0, 0)
MUTED = (70, 70, 70)
CUT = (120, 120, 120)

SLIP_CODE = Text("თქვენი ერთჯერადი კოდი", "Your one-time code")
SLIP_VALID = Text("ძალაშია {date}-ის ჩათვლით", "Valid until {date}")
SLIP_HOW = Text(
    "დაასკანერეთ QR კოდი ტელეფონით და შეაფასეთ მომსახურება.",
    "Scan the QR code with your phone to rate the service.",
)
POSTER_TITLE = Text("შეაფასეთ ჩვენი მომსახურება", "Rate our service")
POSTER_HOW = Text(
    "დაასკანერეთ QR კოდი ტელეფონის კამერით ან გახსენით მისამართი:",
    "Scan the QR code with your phone's camera, or open:",
)
POSTER_ANONYMOUS = Text(
    "ანონიმურია: არც რეგისტრაცია, არც პირადი მონაცემები.",
    "Anonymous: no sign-in, no personal data.",
)
POSTER_RESULTS = Text("შედეგები", "Results")


class FontsMissing(RuntimeError):
    """The bundled fonts are not where the installation should have put them."""


@cache
def font_dir() -> Path:
    """The ``ui/fonts`` folder of this installation (found without importing ``ui``)."""
    spec = importlib.util.find_spec("ui")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        folder = Path(location) / "fonts"
        if (folder / "NotoSansGeorgian-Regular.ttf").is_file():
            return folder
    raise FontsMissing("the bundled fonts (ui/fonts/NotoSans*.ttf) are not installed")


@dataclass(frozen=True)
class SlipBatch:
    """What the slips of one batch say besides their codes."""

    municipality: Text | None
    program: Text
    center: Text
    valid_until: date
    """The last day the codes work (printed as is)."""


def slip_url(base_url: str, code: str) -> str:
    """The absolute address a slip's QR code opens."""
    return base_url.rstrip("/") + code_path(code)


def slips_pdf(batch: SlipBatch, codes: Sequence[str], base_url: str) -> bytes:
    """A4 pages of slips, ``SLIPS_PER_PAGE`` to a page, with dashed lines to cut along.

    The words are the same on every slip, so they are laid out once (line breaks, sizes,
    fonts) and then stamped on each slip; only the code and its QR code differ.
    """
    width = (PAGE_W - 2 * MARGIN) / COLUMNS
    height = (PAGE_H - 2 * MARGIN) / ROWS
    layout: _SlipLayout | None = None
    with _document(_both(batch.program)) as pdf:
        for index, code in enumerate(codes):
            if index % SLIPS_PER_PAGE == 0:
                pdf.add_page()
                _cut_lines(pdf, width, height)
            if layout is None:  # measuring text needs a page
                layout = _SlipLayout.of(pdf, batch, width)
            column, row = index % COLUMNS, (index % SLIPS_PER_PAGE) // COLUMNS
            x, y = MARGIN + column * width, MARGIN + row * height
            layout.draw(pdf, code, slip_url(base_url, code), x, y)
        return bytes(pdf.output())


def poster_pdf(municipality: Text | None, center: Text, base_url: str, open_path: str) -> bytes:
    """One A4 page for the service center's wall: the open rating page's QR code, large."""
    url = base_url.rstrip("/") + open_path
    results = base_url.rstrip("/") + "/results"
    with _document(_both(center)) as pdf:
        pdf.add_page()
        text = _Writer(pdf, x=20.0, width=PAGE_W - 40.0, align=Align.C)
        top = 22.0
        if municipality is not None:
            top = text.block(top, _both(municipality), 12, color=MUTED) + 6
        top = text.block(top, POSTER_TITLE.ka, 30, style="B")
        top = text.block(top + 1, POSTER_TITLE.en, 22) + 5
        top = text.block(top, center.ka, 15, style="B", max_lines=2)
        if center.en != center.ka:
            top = text.block(top + 0.5, center.en, 13, max_lines=2)
        qr_size = 120.0
        _qr(pdf, url, (PAGE_W - qr_size) / 2, top + 4, qr_size)
        top += qr_size + 6
        top = text.block(top, POSTER_HOW.ka, 12, max_lines=2)
        top = text.block(top, POSTER_HOW.en, 11, max_lines=2) + 1
        top = text.block(top, url, 14, style="B", max_lines=2) + 4
        top = text.block(top, POSTER_ANONYMOUS.ka, 10, color=MUTED, max_lines=2)
        top = text.block(top, POSTER_ANONYMOUS.en, 10, color=MUTED, max_lines=2) + 1
        text.block(top, f"{_both(POSTER_RESULTS, ' / ')}: {results}", 10, color=MUTED)
        text.draw(0, 0)
        return bytes(pdf.output())


# -- drawing ------------------------------------------------------------------------------------


@contextmanager
def _document(title: str) -> Iterator[FPDF]:
    """A new A4 document with the fonts; the font files fpdf2 keeps open are closed when the
    document is done (or drawing it failed), not whenever the garbage collector gets to them."""
    pdf = _new_document(title)
    try:
        yield pdf
    finally:
        for font in pdf.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()


def _new_document(title: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(title)
    pdf.set_lang("ka")
    pdf.set_creator("Ukukavshiri")
    folder = font_dir()
    pdf.add_font(FAMILY, "", folder / "NotoSans-Regular.ttf")
    pdf.add_font(FAMILY, "B", folder / "NotoSans-Bold.ttf")
    pdf.add_font(GEORGIAN, "", folder / "NotoSansGeorgian-Regular.ttf")
    pdf.add_font(GEORGIAN, "B", folder / "NotoSansGeorgian-Bold.ttf")
    # For measuring and breaking lines only; text is drawn run by run (see _runs).
    pdf.set_fallback_fonts([GEORGIAN])
    return pdf


def _both(text: Text, separator: str = " · ") -> str:
    return text.ka if text.ka == text.en else f"{text.ka}{separator}{text.en}"


def _cut_lines(pdf: FPDF, width: float, height: float) -> None:
    pdf.set_draw_color(*CUT)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    right, bottom = MARGIN + COLUMNS * width, MARGIN + ROWS * height
    for column in range(COLUMNS + 1):
        x = MARGIN + column * width
        pdf.line(x, MARGIN, x, bottom)
    for row in range(ROWS + 1):
        y = MARGIN + row * height
        pdf.line(MARGIN, y, right, y)
    pdf.set_dash_pattern()


def _qr(pdf: FPDF, payload: str, x: float, y: float, size: float) -> None:
    """The QR code of ``payload`` in a ``size`` square at (x, y), quiet zone included."""
    matrix = segno.make(payload, error="m", micro=False).matrix
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    left, top = x + QUIET_ZONE * module, y + QUIET_ZONE * module
    pdf.set_fill_color(*INK)
    for row, line in enumerate(matrix):
        start = None
        for column, dark in enumerate((*line, 0)):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                width = (column - start) * module
                pdf.rect(left + start * module, top + row * module, width, module, style="F")
                start = None


def _is_georgian(char: str) -> bool:
    return (
        "\u10a0" <= char <= "\u10ff" or "\u1c90" <= char <= "\u1cbf" or "\u2d00" <= char <= "\u2d2f"
    )


@dataclass(frozen=True)
class _Run:
    """A piece of one line in one font, ``dx`` millimetres from the line's start."""

    family: str
    dx: float
    text: str


@dataclass(frozen=True)
class _Line:
    """One laid-out line of text, placed relative to its block's origin."""

    x: float
    baseline: float
    size: float
    style: str
    color: tuple[int, int, int]
    runs: tuple[_Run, ...]

    def draw(self, pdf: FPDF, x: float, y: float) -> None:
        pdf.set_text_color(*self.color)
        for run in self.runs:
            pdf.set_font(run.family, self.style, self.size)
            pdf.text(x + self.x + run.dx, y + self.baseline, run.text)


def _runs(pdf: FPDF, line: str, size: float, style: str) -> tuple[tuple[_Run, ...], float]:
    """``line`` split where the script changes, each piece in the font that has its letters,
    and the line's width. (fpdf2 draws a wrapped line of mixed scripts in the wrong font when
    it falls back by itself, so the fallback is done here.)"""
    runs: list[_Run] = []
    dx = 0.0
    start = 0
    for end in range(1, len(line) + 1):
        if end < len(line) and _is_georgian(line[end]) == _is_georgian(line[start]):
            continue
        piece = line[start:end]
        family = GEORGIAN if _is_georgian(line[start]) else FAMILY
        pdf.set_font(family, style, size)
        runs.append(_Run(family, dx, piece))
        dx += pdf.get_string_width(piece)
        start = end
    return tuple(runs), dx


LINE_HEIGHT = 0.45
"""Millimetres of line per point of font size (about 1.28 times the size)."""
PT = 25.4 / 72
"""Millimetres per point."""
SMALLEST = 6.0
"""Points: text is not shrunk below this to fit; it wraps onto more lines instead."""


class _Writer:
    """Lays out blocks of text in a column (shrinking each to fit its lines), then draws them
    wherever asked, as often as asked."""

    def __init__(self, pdf: FPDF, *, x: float, width: float, align: Align = Align.L) -> None:
        self.pdf = pdf
        self.x = x
        self.width = width
        self.align = align
        self.lines: list[_Line] = []

    def fitted(self, text: str, size: float, style: str, max_lines: int) -> tuple[float, list[str]]:
        """The largest size up to ``size`` at which ``text`` takes at most ``max_lines`` lines,
        and those lines."""
        while True:
            self.pdf.set_font(FAMILY, style, size)
            lines = cast(
                list[str],
                self.pdf.multi_cell(
                    self.width, size * LINE_HEIGHT, text, dry_run=True,
                    output=MethodReturnValue.LINES,
                ),
            )  # fmt: skip
            if len(lines) <= max_lines or size <= SMALLEST:
                return size, lines
            size -= 0.5

    def block(
        self,
        top: float,
        text: str,
        size: float,
        *,
        style: str = "",
        max_lines: int = 1,
        color: tuple[int, int, int] = INK,
    ) -> float:
        """Lay out ``text`` from ``top``; returns the y below it."""
        size, lines = self.fitted(text, size, style, max_lines)
        height = size * LINE_HEIGHT
        for number, line in enumerate(lines):
            runs, width = _runs(self.pdf, line, size, style)
            offset = (self.width - width) / 2 if self.align == Align.C else 0.0
            baseline = top + number * height + height / 2 + 0.3 * size * PT
            self.lines.append(_Line(self.x + offset, baseline, size, style, color, runs))
        return top + len(lines) * height

    def draw(self, x: float, y: float) -> None:
        for line in self.lines:
            line.draw(self.pdf, x, y)


@dataclass
class _SlipLayout:
    """Where everything goes on a slip of one batch, worked out once."""

    words: _Writer
    qr: tuple[float, float, float]
    """(x, y, size) of the QR code."""
    code: tuple[float, float, float]
    """(x, baseline, size) of the code."""

    @classmethod
    def of(cls, pdf: FPDF, batch: SlipBatch, width: float) -> _SlipLayout:
        head = _Writer(pdf, x=PADDING, width=width - 2 * PADDING)
        top = PADDING
        if batch.municipality is not None:
            top = head.block(top, _both(batch.municipality), 7, color=MUTED) + 0.8
        top = head.block(top, batch.program.ka, 10, style="B", max_lines=2)
        if batch.program.en != batch.program.ka:
            top = head.block(top, batch.program.en, 8)
        top = head.block(top + 0.8, _both(batch.center), 7.5, color=MUTED)
        qr_size = 32.0
        qr_top = max(top + 1.5, 31.0)
        side = _Writer(pdf, x=PADDING + qr_size - 1, width=width - 2 * PADDING - qr_size + 1)
        line = side.block(qr_top + 2.5, _both(SLIP_CODE, " / "), 6.5, color=MUTED)
        code_size, _lines = side.fitted("WWWW-WWWW-WWWW", 15, "B", 1)
        code_height = code_size * LINE_HEIGHT
        code = (side.x, line + 0.5 + code_height / 2 + 0.3 * code_size * PT, code_size)
        line += 0.5 + code_height
        valid = batch.valid_until.isoformat()
        valid_text = SLIP_VALID.ka.format(date=valid) + " / " + SLIP_VALID.en.format(date=valid)
        line = side.block(line + 1, valid_text, 7, max_lines=2)
        line = side.block(line + 1, SLIP_HOW.ka, 6.5, max_lines=2)
        side.block(line, SLIP_HOW.en, 6.5, max_lines=2)
        head.lines += side.lines
        return cls(head, (PADDING - 2.5, qr_top, qr_size), code)

    def draw(self, pdf: FPDF, code: str, url: str, x: float, y: float) -> None:
        self.words.draw(x, y)
        code_x, code_baseline, code_size = self.code
        pdf.set_text_color(*INK)
        pdf.set_font(FAMILY, "B", code_size)
        pdf.text(x + code_x, y + code_baseline, code)
        qr_x, qr_y, qr_size = self.qr
        _qr(pdf, url, x + qr_x, y + qr_y, qr_size)
