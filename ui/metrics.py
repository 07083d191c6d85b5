"""Sizes derived from the physical screen, so touch targets are big enough on any tablet."""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4
TOUCH_TARGET_MM = 15.0
TOUCH_TARGET_FLOOR_PX = 56
"""Used when a screen reports a nonsense DPI (some report 0 or 1)."""


def mm_to_px(mm: float, dpi: float) -> int:
    return round(mm / MM_PER_INCH * dpi)


def touch_target_px(physical_dpi: float) -> int:
    """At least 15 mm at the screen's physical DPI, never below a sane pixel floor."""
    if not 50 <= physical_dpi <= 1000:
        return TOUCH_TARGET_FLOOR_PX
    return max(TOUCH_TARGET_FLOOR_PX, mm_to_px(TOUCH_TARGET_MM, physical_dpi))


@dataclass(frozen=True)
class Metrics:
    """Pixel sizes for one window size; recomputed when the window changes size a lot."""

    target: int
    """Smallest side of any touch target."""
    body: int
    """Body text pixel size."""
    scale: float = 1.0
    """1.0 normally; larger for the citizen who tapped "Aa"."""

    @classmethod
    def for_window(cls, width: int, height: int, physical_dpi: float, large: bool) -> Metrics:
        scale = 1.3 if large else 1.0
        short_side = max(1, min(width, height))
        body = max(22, min(34, short_side // 30))
        return cls(target=touch_target_px(physical_dpi), body=round(body * scale), scale=scale)

    @property
    def title(self) -> int:
        return round(self.body * 1.6)

    @property
    def small(self) -> int:
        return max(18, round(self.body * 0.8))

    @property
    def button(self) -> int:
        return max(self.target, round(self.body * 2.6))
