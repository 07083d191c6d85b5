"""Printable slips and posters: real PDFs, read back with pypdf, with the QR codes' payloads."""

from __future__ import annotations

import io
from datetime import date

import pytest
import segno
from pypdf import PdfReader

from common.catalog import Text
from server import slips
from server.slips import SLIPS_PER_PAGE, FontsMissing, SlipBatch, poster_pdf, slips_pdf

BASE = "https://feedback.example.gov.ge/"
BATCH = SlipBatch(
    municipality=Text("სადემონსტრაციო მუნიციპალიტეტი", "Demo Municipality"),
    program=Text("სოციალური დახმარება", "Social assistance"),
    center=Text("ცენტრალური დარბაზი", "Central hall"),
    valid_until=date(2026, 12, 31),
)
CODES = [f"ABCD-EFGH-{suffix}" for suffix in ("JKMN", "PQRS", "TUVW", "XYZ2", "3456", "789A")]
A4_POINTS = (595.28, 841.89)


@pytest.fixture
def qr_payloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every payload a QR code is made of, in drawing order."""
    made: list[str] = []
    real = segno.make

    def recording(content: str, **kwargs: object) -> segno.QRCode:
        made.append(content)
        return real(content, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(slips.segno, "make", recording)
    return made


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(pdf))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_slips_fill_a4_pages_eight_to_a_page(qr_payloads: list[str]) -> None:
    codes = CODES * 2  # 12 slips: one full page and a half
    reader = read(slips_pdf(BATCH, codes, BASE))
    assert SLIPS_PER_PAGE == 8
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            A4_POINTS, abs=0.1
        )
    assert qr_payloads == [f"https://feedback.example.gov.ge/v/{code}" for code in codes]


def test_each_slip_says_what_it_is_for_in_both_languages(qr_payloads: list[str]) -> None:
    reader = read(slips_pdf(BATCH, CODES, BASE))
    text = text_of(reader)
    for code in CODES:
        assert text.count(code) == 1
    for words in ("სოციალური დახმარება", "Social assistance", "ცენტრალური დარბაზი",
                  "Central hall", "სადემონსტრაციო მუნიციპალიტეტი", "Demo Municipality",
                  "2026-12-31", "Scan the QR code"):  # fmt: skip
        assert text.count(words) >= len(CODES), words
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]  # pypdf: PdfObject
    }
    assert any("NotoSansGeorgian" in name for name in fonts), fonts


def test_a_long_program_name_is_shrunk_and_wrapped_not_cut(qr_payloads: list[str]) -> None:
    long_name = Text(
        "სოციალური დახმარების მიზნობრივი პროგრამა მრავალშვილიანი ოჯახებისა და "
        "შეზღუდული შესაძლებლობის მქონე პირებისთვის",
        "Targeted social assistance for large families and persons with disabilities",
    )
    batch = SlipBatch(None, long_name, BATCH.center, BATCH.valid_until)
    text = text_of(read(slips_pdf(batch, CODES[:1], BASE)))
    flat = " ".join(text.split())
    assert "პირებისთვის" in flat
    assert "persons with disabilities" in flat


def test_the_poster_opens_the_centers_open_link(qr_payloads: list[str]) -> None:
    reader = read(poster_pdf(BATCH.municipality, BATCH.center, BASE, "/r/abcdefgh"))
    assert len(reader.pages) == 1
    assert qr_payloads == ["https://feedback.example.gov.ge/r/abcdefgh"]
    text = " ".join(text_of(reader).split())
    for words in ("https://feedback.example.gov.ge/r/abcdefgh", "ცენტრალური დარბაზი",
                  "Central hall", "Rate our service", "შეაფასეთ ჩვენი მომსახურება"):  # fmt: skip
        assert words in text, words


def test_slips_refuse_what_is_not_a_code() -> None:
    with pytest.raises(ValueError, match="not a code"):
        slips_pdf(BATCH, ["not-a-code"], BASE)


def test_missing_fonts_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slips.importlib.util, "find_spec", lambda _name: None)
    slips.font_dir.cache_clear()
    try:
        with pytest.raises(FontsMissing, match="ui/fonts"):
            slips.font_dir()
    finally:
        slips.font_dir.cache_clear()
