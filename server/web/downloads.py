"""Tables as CSV or XLSX downloads, streamed: a million ratings never sit in memory at once.

CSV is UTF-8 with a byte-order mark (so spreadsheets read Georgian right), CR LF line ends, and
every text cell that a spreadsheet would run as a formula gets a leading ``'`` (the rule of
``kiosk-server export``). XLSX is written by XlsxWriter in constant-memory mode to a temporary
file, with every string written as a string (never a formula, URL or number), then streamed.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, StreamingResponse

from server.export import formula_safe

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FLUSH_BYTES = 64 * 1024


@dataclass(frozen=True)
class Table:
    """A named table to download: its header and its rows (an iterator is fine)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as CSV bytes, in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([formula_safe(cell) for cell in table.header])
    for row in table.rows:
        writer.writerow([formula_safe(cell) for cell in row])
        if buffer.tell() >= FLUSH_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _disposition(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(table: Table, filename: str) -> StreamingResponse:
    return StreamingResponse(csv_chunks(table), media_type=CSV_TYPE, headers=_disposition(filename))


def write_xlsx(path: str, tables: Sequence[Table]) -> None:
    """Write ``tables`` as sheets of one workbook at ``path``, row by row (constant memory)."""
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        bold = workbook.add_format({"bold": True})
        for table in tables:
            sheet = workbook.add_worksheet(table.name[:31])
            for column, title in enumerate(table.header):
                sheet.write_string(0, column, title, bold)
            for row_number, row in enumerate(table.rows, start=1):
                for column, cell in enumerate(row):
                    if cell is None:
                        continue
                    if isinstance(cell, bool) or not isinstance(cell, int | float):
                        sheet.write_string(row_number, column, str(cell))
                    else:
                        sheet.write_number(row_number, column, cell)
    finally:
        workbook.close()


def xlsx_response(tables: Sequence[Table], filename: str) -> FileResponse:
    """The workbook written to a temporary file, sent, then removed."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="ukukavshiri-")
    os.close(handle)
    try:
        write_xlsx(path, tables)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        path,
        media_type=XLSX_TYPE,
        filename=filename,
        background=BackgroundTask(os.unlink, path),
    )
