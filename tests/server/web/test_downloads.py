"""Downloads stream, are safe to open in a spreadsheet, and read back as written."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from server.web.downloads import Table, csv_chunks, write_xlsx


def test_csv_has_a_bom_crlf_and_no_formulas() -> None:
    table = Table("t", ["center", "score"], [['=HYPERLINK("x")', 3], ["ვაკე", -4]])
    text = b"".join(csv_chunks(table)).decode("utf-8")
    assert text.startswith("\ufeffcenter,score\r\n")
    assert "'=HYPERLINK" in text
    assert "ვაკე,-4\r\n" in text  # numbers stay numbers


def test_csv_streams_without_reading_every_row_first() -> None:
    consumed = 0

    def rows() -> Iterator[list[object]]:
        nonlocal consumed
        for number in range(200_000):
            consumed += 1
            yield [number, "რეიტინგი"]

    chunks = csv_chunks(Table("t", ["n", "text"], rows()))
    next(chunks)
    assert consumed < 10_000
    assert sum(1 for _ in chunks) > 10


def test_xlsx_writes_strings_as_strings(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows: list[list[object]] = [["=1+1", 5], ["http://example.org", 2.5], ["0123", None]]
    write_xlsx(str(path), [Table("ratings", ["text", "value"], rows)])
    with zipfile.ZipFile(path) as workbook:
        xml = "".join(
            workbook.read(name).decode("utf-8")
            for name in workbook.namelist()
            if name.startswith("xl/") and name.endswith(".xml")
        )
    assert "<f>" not in xml
    assert "hyperlink" not in xml.lower()
    for text in ("=1+1", "http://example.org", "0123", "text", "value"):
        assert text in xml
    assert re.search(r"<v>5</v>", xml)
