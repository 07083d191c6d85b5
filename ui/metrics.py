"""Sizes derived from the physical screen and the window, so touch targets are big enough on
any tablet and every screen still fits on the smallest one."""

from __future__ import annotations

from typing import NamedTuple

MM_PER_INCH = 25.4
TOUCH_TARGET_MM = 15.0
TOUCH_TARGET_FLOOR_PX = 56
"""Used when a screen reports a nonsense DPI (some report 0 or 1)."""
TARGET_SHARE_OF_SHORT_SIDE = 10
"""A touch target is never more than a tenth of the window's short side: on a dense 7" screen
15 mm would be a sixth of its height, and the header, the buttons and a four-row keyboard
would no longer fit."""
LARGE_SCALE = 1.3
"""How much "Aa" enlarges text and controls (at least 1.25×, so the change is obvious)."""


def mm_to_px(mm: float, dpi: float) -> int:
    return round(mm / MM_PER_INCH * dpi)


def touch_target_px(physical_dpi: float) -> int:
    """At least 15 mm at the screen's physical DPI, never below a sane pixel floor."""
    if not 50 <= physical_dpi <= 1000:
        return TOUCH_TARGET_FLOOR_PX
    return max(TOUCH_TARGET_FLOOR_PX, mm_to_px(TOUCH_TARGET_MM, physical_dpi))


class Metrics(NamedTuple):
    """Pixel sizes for one window size; recomputed when the window changes size a lot."""

    target: int
    """Smallest side of any touch target."""
    body: int
    """Body text pixel size."""
    scale: float = 1.0
    """1.0 normally; :data:`LARGE_SCALE` for the citizen who tapped "Aa"."""
    portrait: bool = False
    """A portrait window has height to spare for taller keyboard keys."""
    margin: int = 20
    """Space between the screen's edges and its content. The same with and without "Aa":
    the larger look gives the controls the room, not the edges."""

    @classmethod
    def for_window(cls, width: int, height: int, physical_dpi: float, large: bool) -> Metrics:
        scale = LARGE_SCALE if large else 1.0
        short_side = max(1, min(width, height))
        body = max(22, min(34, short_side // 30))
        target = min(
            touch_target_px(physical_dpi),
            max(TOUCH_TARGET_FLOOR_PX, short_side // TARGET_SHARE_OF_SHORT_SIDE),
        )
        return cls(
            target=round(target * scale),
            body=round(body * scale),
            scale=scale,
            portrait=height > width,
            margin=max(12, round(body * 0.9)),
        )

    @property
    def large(self) -> bool:
        return self.scale > 1.0

    @property
    def title(self) -> int:
        return round(self.body * 1.5)

    @property
    def small(self) -> int:
        return max(18, round(self.body * 0.8))

    @property
    def button(self) -> int:
        return max(self.target, round(self.body * 2.4))

    @property
    def face_label(self) -> int:
        """The words under the rating faces: a little smaller than body text, so the longest
        Georgian word still fits five abreast, and with "Aa" never below 24 px."""
        return max(24 if self.large else 16, round(self.body * 0.85))

    @property
    def pad(self) -> int:
        """Room between a control's edge and its text: never less than 12 px."""
        return max(12, round(self.body * 0.6))

    @property
    def gap(self) -> int:
        """Space between neighbouring controls."""
        return max(8, round(self.body * 0.45))

    @property
    def key(self) -> int:
        """Preferred height of an on-screen keyboard key: larger than a plain target, and
        larger still on a portrait screen, where the comment box can give up the height."""
        return round(self.target * (1.5 if self.portrait else 1.35))

    @property
    def key_letter(self) -> int:
        """Pixel size of the letters on the keys."""
        return max(24, round(self.key * 0.4))
