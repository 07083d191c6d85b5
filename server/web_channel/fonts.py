"""Web fonts for the rating pages: the kiosk's Noto Sans and Noto Sans Georgian, subset to the
characters the pages can show.

The pages' words come from the catalog (loaded by staff, so known only at run time), the
centers' names and two translation catalogs, so the subset is made by the server (fontTools)
and kept in memory, named by a digest of its characters: a new catalog gives new font URLs,
and browsers may cache each set for a year. The full fonts are about 1.1 MB; the subsets a
few tens of KB, and a page in English never fetches the Georgian one (``unicode-range``).
WOFF (zlib) rather than WOFF2 (Brotli) keeps to one dependency. The fonts are read from the
kiosk's ``ui/fonts`` as data (the ``ui`` package is located, never imported).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset

log = logging.getLogger("server.web_channel.fonts")

FAMILY = "Ukukavshiri Sans"
GEORGIAN_RANGE = "U+10A0-10FF, U+1C90-1CBF, U+2D00-2D2F"
ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "–—‘’“”„…·•«»₾№×"
"""Printable ASCII and the punctuation the pages use, whatever the catalog holds."""


@dataclass(frozen=True)
class Face:
    name: str
    file: str
    weight: int
    georgian: bool


FACES = (
    Face("latin-400", "NotoSans-Regular.ttf", 400, False),
    Face("latin-700", "NotoSans-Bold.ttf", 700, False),
    Face("georgian-400", "NotoSansGeorgian-Regular.ttf", 400, True),
    Face("georgian-700", "NotoSansGeorgian-Bold.ttf", 700, True),
)


def fonts_dir() -> Path | None:
    """``ui/fonts`` of the installed distribution, found without importing ``ui``."""
    spec = importlib.util.find_spec("ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return folder if all((folder / face.file).is_file() for face in FACES) else None


@dataclass(frozen=True)
class FontSet:
    digest: str
    css: str
    files: dict[str, bytes]


def subset_woff(path: Path, text: str) -> bytes:
    """``path`` cut down to the glyphs of ``text`` (and what shaping them needs), as WOFF."""
    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = ["*"]  # keep the copyright and licence records (SIL OFL 1.1)
    font = subset.load_font(io.BytesIO(path.read_bytes()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


_SETS: dict[tuple[Path, str], FontSet] = {}
"""Font sets made in this process, shared by every app (and test) that asks again."""
_LOCK = threading.Lock()


class WebFonts:
    """The font set for a text, made once per process per distinct set of characters."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder if folder is not None else fonts_dir()

    @staticmethod
    def digest_of(text: str) -> str:
        chars = "".join(sorted(set(text + ALWAYS)))
        return hashlib.sha256(chars.encode()).hexdigest()[:16]

    def for_text(self, text: str) -> FontSet | None:
        """The subset fonts and their stylesheet for ``text``; None without the font files."""
        if self.folder is None:
            return None
        digest = self.digest_of(text)
        with _LOCK:
            found = _SETS.get((self.folder, digest))
            if found is None:
                found = self._make(digest, "".join(sorted(set(text + ALWAYS))))
                if len(_SETS) > 8:
                    _SETS.pop(next(iter(_SETS)))
                _SETS[(self.folder, digest)] = found
        return found

    def get(self, digest: str) -> FontSet | None:
        if self.folder is None:
            return None
        with _LOCK:
            return _SETS.get((self.folder, digest))

    def _make(self, digest: str, chars: str) -> FontSet:
        assert self.folder is not None
        files = {f.name: subset_woff(self.folder / f.file, chars) for f in FACES}
        rules = []
        for face in FACES:
            unicode_range = f"\n  unicode-range: {GEORGIAN_RANGE};" if face.georgian else ""
            rules.append(
                "@font-face {\n"
                f'  font-family: "{FAMILY}";\n'
                f'  src: url("/static/fonts/{digest}/{face.name}.woff") format("woff");\n'
                f"  font-weight: {face.weight};\n"
                "  font-style: normal;\n"
                f"  font-display: swap;{unicode_range}\n"
                "}\n"
            )
        log.info("web fonts subset to %d characters (%s)", len(chars), digest)
        return FontSet(digest, "".join(rules), files)
