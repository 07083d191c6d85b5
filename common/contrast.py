"""WCAG 2.x contrast ratio, so colour choices in the UI can be checked by tests, not by eye.

Colours are accepted as ``"#rgb"`` / ``"#rrggbb"`` strings, ``(r, g, b)`` tuples of 0..255
integers, or any object with ``red()``, ``green()`` and ``blue()`` methods (e.g. ``QColor``),
so this module needs no Qt import.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["AA_NORMAL_TEXT", "ColorLike", "contrast_ratio", "relative_luminance", "to_rgb"]

AA_NORMAL_TEXT = 4.5
"""WCAG 2.x level AA minimum contrast for normal-size text."""


@runtime_checkable
class _RgbColor(Protocol):
    def red(self) -> int: ...
    def green(self) -> int: ...
    def blue(self) -> int: ...


ColorLike = str | tuple[int, int, int] | _RgbColor


def to_rgb(color: ColorLike) -> tuple[int, int, int]:
    """Return ``color`` as an ``(r, g, b)`` tuple of 0..255 ints; ``ValueError`` if malformed."""
    if isinstance(color, str):
        text = color.strip().removeprefix("#")
        if len(text) == 3:
            text = "".join(ch * 2 for ch in text)
        if len(text) != 6:
            raise ValueError(f"expected a colour like '#rrggbb' or '#rgb', got {color!r}")
        try:
            value = int(text, 16)
        except ValueError:
            raise ValueError(f"colour {color!r} is not hexadecimal") from None
        return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF
    if isinstance(color, tuple):
        if len(color) != 3 or not all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in color
        ):
            raise ValueError(
                f"expected an (r, g, b) colour tuple of 0..255 integers, got {color!r}"
            )
        return color
    if isinstance(color, _RgbColor):
        return int(color.red()), int(color.green()), int(color.blue())
    raise ValueError(f"cannot read a colour from {color!r}")


def _linear(channel: int) -> float:
    c = channel / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: ColorLike) -> float:
    """WCAG 2.x relative luminance, 0.0 (black) to 1.0 (white)."""
    r, g, b = to_rgb(color)
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast_ratio(first: ColorLike, second: ColorLike) -> float:
    """WCAG 2.x contrast ratio between two colours, from 1.0 (same) to 21.0 (black/white)."""
    a = relative_luminance(first)
    b = relative_luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)
