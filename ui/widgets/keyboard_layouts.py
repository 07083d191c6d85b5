"""Key layouts of the on-screen keyboard, as plain data so they can be read and tested apart.

Georgian has no letter case, so the Georgian page shows all 33 modern Mkhedruli letters at
once. They keep their places on the standard Georgian keyboard (which follows the QWERTY
keys), and the seven letters that sit on Shift there (ჭ ღ თ შ ჟ ძ ჩ) stand right after the
letter that shares their key, so typists find them where they expect and nobody needs Shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ENGLISH_LETTERS",
    "GEORGIAN_LETTERS",
    "LAYOUTS",
    "LAYOUT_NAMES",
    "LETTER_LAYOUTS",
    "Key",
    "KeyRole",
    "Row",
    "layout_units",
]

KeyRole = Literal["char", "backspace", "space", "shift", "language", "digits", "letters"]

GEORGIAN_LETTERS = "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ"
"""The 33 letters of the modern Georgian (Mkhedruli) alphabet, in alphabetical order."""

ENGLISH_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Key:
    """One key: what it does (``role``), the character it types, and its width in key units."""

    role: KeyRole
    char: str = ""
    width: float = 1.0


Row = tuple[Key, ...]


def _chars(text: str) -> Row:
    return tuple(Key("char", ch) for ch in text)


_BACKSPACE = Key("backspace")
_COMMA = Key("char", ",")
_PERIOD = Key("char", ".")

LAYOUTS: dict[str, tuple[Row, ...]] = {
    "ka": (
        _chars("ქწჭერღტთყუიოპ"),
        _chars("ასშდფგჰჯჟკლ"),
        (*_chars("ზძხცჩვბნმ"), Key("backspace", width=2)),
        (
            Key("digits", width=2),
            Key("language", width=2),
            _COMMA,
            Key("space", " ", width=7),
            _PERIOD,
        ),
    ),
    "en": (
        _chars("qwertyuiop"),
        _chars("asdfghjkl"),
        (Key("shift", width=1.5), *_chars("zxcvbnm"), Key("backspace", width=1.5)),
        (
            Key("digits", width=1.5),
            Key("language", width=1.5),
            _COMMA,
            Key("space", " ", width=5),
            _PERIOD,
        ),
    ),
    "digits": (
        _chars("1234567890"),
        _chars('-/:;()₾&@"'),
        (*_chars(".,?!'%+="), Key("backspace", width=2)),
        (Key("letters", width=2.5), Key("space", " ", width=7.5)),
    ),
}

LAYOUT_NAMES: tuple[str, ...] = tuple(LAYOUTS)
LETTER_LAYOUTS: tuple[str, ...] = ("ka", "en")


def layout_units(name: str) -> float:
    """Width of the widest row of layout ``name``, in key units."""
    return max(sum(key.width for key in row) for row in LAYOUTS[name])
