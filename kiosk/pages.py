"""Table rows read straight from the pages of an SQLite file, without SQLite.

When a database is damaged above its leaves (an interior page of a table, the schema on page
1), SQLite cannot reach rows that are still intact on disk. Salvage then reads every page that
looks like a table leaf, in the database file and in its write-ahead log, and decodes its cells
(https://sqlite.org/fileformat2.html). Nothing read here is trusted: a page may be stale (a
freed page, an older copy in the log) or damaged, so callers check every row they take (a
record checks its own hash).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger("kiosk.pages")

MAGIC = b"SQLite format 3\x00"
FILE_HEADER = 100
TABLE_LEAF = 0x0D
WAL_HEADER = 32
WAL_FRAME_HEADER = 24
WAL_MAGICS = (0x377F0682, 0x377F0683)
DEFAULT_PAGE_SIZE = 4096

Value = int | float | str | bytes | None


@dataclass(frozen=True)
class Cell:
    """One row of some table: its rowid and its column values in table order."""

    rowid: int
    values: tuple[Value, ...]


def valid_page_size(size: int) -> bool:
    return 512 <= size <= 65536 and size & (size - 1) == 0


def header_page_size(header: bytes) -> int | None:
    """The page size a database header gives, or None when that field is damaged."""
    if len(header) < 18:
        return None
    raw = struct.unpack(">H", header[16:18])[0]
    size = 65536 if raw == 1 else raw
    return size if valid_page_size(size) else None


def wal_page_size(wal: Path) -> int | None:
    """The page size a write-ahead log's header gives, or None."""
    try:
        with wal.open("rb") as handle:
            header = handle.read(WAL_HEADER)
    except OSError:
        return None
    if len(header) < WAL_HEADER:
        return None
    magic, _version, size = struct.unpack(">III", header[:12])
    return size if magic in WAL_MAGICS and valid_page_size(size) else None


def varint(data: bytes, offset: int) -> tuple[int, int]:
    """SQLite's big-endian variable-length integer at ``offset``: (value, next offset)."""
    value = 0
    for index in range(9):
        if offset + index >= len(data):
            raise ValueError("varint runs past the end")
        byte = data[offset + index]
        if index == 8:
            value = (value << 8) | byte
            break
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    if value >= 1 << 63:
        value -= 1 << 64
    return value, offset + index + 1


def _serial_size(serial: int) -> int:
    sizes = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}
    if serial in sizes:
        return sizes[serial]
    if serial >= 12:
        return (serial - 12) // 2 if serial % 2 == 0 else (serial - 13) // 2
    raise ValueError(f"reserved serial type {serial}")


def record_values(payload: bytes) -> tuple[Value, ...]:
    """The column values of one record (SQLite's record format)."""
    header_size, offset = varint(payload, 0)
    if not 0 < header_size <= len(payload):
        raise ValueError("bad record header size")
    serials = []
    while offset < header_size:
        serial, offset = varint(payload, offset)
        serials.append(serial)
    values: list[Value] = []
    body = header_size
    for serial in serials:
        size = _serial_size(serial)
        chunk = payload[body : body + size]
        if len(chunk) != size:
            raise ValueError("record runs past its payload")
        body += size
        if serial == 0:
            values.append(None)
        elif 1 <= serial <= 6:
            values.append(int.from_bytes(chunk, "big", signed=True))
        elif serial == 7:
            values.append(struct.unpack(">d", chunk)[0])
        elif serial in (8, 9):
            values.append(serial - 8)
        elif serial % 2 == 0:
            values.append(bytes(chunk))
        else:
            values.append(chunk.decode("utf-8"))
    return tuple(values)


class PageFile:
    """The pages of a database file and of its write-ahead log (every copy of each page)."""

    def __init__(self, db: Path, wal: Path | None, page_size: int) -> None:
        self.page_size = page_size
        self.db_pages = db.stat().st_size // page_size
        self.db: BinaryIO = db.open("rb")
        self.wal: BinaryIO | None = None
        self.frames: dict[int, list[int]] = {}
        """Page number → offsets in the log of its copies, oldest first."""
        if wal is not None and wal.exists():
            self.wal = wal.open("rb")
            self._index_wal(wal.stat().st_size)

    def close(self) -> None:
        self.db.close()
        if self.wal is not None:
            self.wal.close()

    def _index_wal(self, size: int) -> None:
        assert self.wal is not None
        frame = WAL_FRAME_HEADER + self.page_size
        header = self.wal.read(WAL_HEADER)
        if len(header) < WAL_HEADER:
            return
        salts = header[16:24]
        offset = WAL_HEADER
        while offset + frame <= size:
            self.wal.seek(offset)
            head = self.wal.read(WAL_FRAME_HEADER)
            number = struct.unpack(">I", head[:4])[0]
            if head[8:16] == salts and number > 0:  # frames of the log's current round
                self.frames.setdefault(number, []).append(offset + WAL_FRAME_HEADER)
            offset += frame

    def newest(self, number: int) -> bytes | None:
        """The newest copy of page ``number`` (for following overflow chains)."""
        if number in self.frames:
            return self._read(self.wal, self.frames[number][-1])
        if 1 <= number <= self.db_pages:
            return self._read(self.db, (number - 1) * self.page_size)
        return None

    def copies(self) -> Iterator[tuple[int, bytes]]:
        """Every copy of every page: the file's, then the log's."""
        for number in range(1, self.db_pages + 1):
            data = self._read(self.db, (number - 1) * self.page_size)
            if data is not None:
                yield number, data
        for number, offsets in sorted(self.frames.items()):
            for offset in offsets:
                data = self._read(self.wal, offset)
                if data is not None:
                    yield number, data

    def _read(self, handle: BinaryIO | None, offset: int) -> bytes | None:
        if handle is None:
            return None
        handle.seek(offset)
        data = handle.read(self.page_size)
        return data if len(data) == self.page_size else None


def leaf_cells(
    pages: PageFile,
    number: int,
    page: bytes,
    usable: int,
    wanted: Callable[[int], bool] = lambda _rowid: True,
) -> Iterator[Cell]:
    """The cells of one table-leaf page whose rowid is ``wanted`` (the others are not even
    decoded); a page of any other kind yields nothing, a cell that cannot be decoded is
    skipped."""
    start = FILE_HEADER if number == 1 else 0
    if len(page) < start + 8 or page[start] != TABLE_LEAF:
        return
    count = struct.unpack(">H", page[start + 3 : start + 5])[0]
    pointers = start + 8
    if pointers + 2 * count > usable:
        return
    for index in range(count):
        at = struct.unpack(">H", page[pointers + 2 * index : pointers + 2 * index + 2])[0]
        if not pointers + 2 * count <= at < usable:
            continue
        try:
            cell = _cell(pages, page, at, usable, wanted)
        except (ValueError, UnicodeDecodeError, struct.error):
            continue
        if cell is not None:
            yield cell


def _cell(
    pages: PageFile, page: bytes, at: int, usable: int, wanted: Callable[[int], bool]
) -> Cell | None:
    size, offset = varint(page, at)
    rowid, offset = varint(page, offset)
    if not wanted(rowid):
        return None
    if size < 0:
        raise ValueError("negative payload size")
    most = usable - 35
    if size <= most:
        local = size
    else:
        least = (usable - 12) * 32 // 255 - 23
        local = least + (size - least) % (usable - 4)
        if local > most:
            local = least
    payload = bytearray(page[offset : offset + local])
    if len(payload) != local:
        raise ValueError("cell runs past its page")
    if local < size:
        next_page = struct.unpack(">I", page[offset + local : offset + local + 4])[0]
        hops = 0
        while len(payload) < size:
            hops += 1
            overflow = pages.newest(next_page) if next_page else None
            if overflow is None or hops > size // (usable - 4) + 2:
                raise ValueError("broken overflow chain")
            next_page = struct.unpack(">I", overflow[:4])[0]
            payload += overflow[4 : min(usable, 4 + size - len(payload))]
    return Cell(rowid, record_values(bytes(payload)))


def scan_cells(
    db: Path,
    wal: Path | None = None,
    page_size: int | None = None,
    wanted: Callable[[int], bool] = lambda _rowid: True,
) -> Iterator[Cell]:
    """Every decodable cell with a ``wanted`` rowid on every table-leaf page of ``db`` and its
    log ``wal``; the page size comes from the file's header, else the log's, else SQLite's
    default."""
    if page_size is None:
        with db.open("rb") as handle:
            header = handle.read(FILE_HEADER)
        page_size = (
            header_page_size(header)
            or (wal_page_size(wal) if wal is not None else None)
            or DEFAULT_PAGE_SIZE
        )
        reserved = header[20] if len(header) > 20 and header[:16] == MAGIC else 0
    else:
        reserved = 0
    pages = PageFile(db, wal, page_size)
    usable = page_size - reserved
    try:
        for number, page in pages.copies():
            yield from leaf_cells(pages, number, page, usable, wanted)
    finally:
        pages.close()
