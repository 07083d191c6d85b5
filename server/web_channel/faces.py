"""The five faces as inline SVG: the kiosk's drawing (``ui/widgets/smiley.py``) in a 100×100
box, so the web tiles show the same face, colour and words."""

from __future__ import annotations

from markupsafe import Markup

from server.web_channel.words import INK, SCALE

LINE = 5.5
_MOUTHS = {
    1: (29, 71, 76, 50),
    2: (32, 68, 73, 59),
    3: (32, 68, 68, 68),
    4: (30, 70, 62, 80),
}
"""Quadratic mouths: left x, right x, chord y, control y (as the kiosk draws them)."""


def face_svg(score: int) -> Markup:
    """The face for ``score`` (1..5), decorative (its words are next to it)."""
    color = SCALE[score - 1].color
    eye_y = 38 if score < 5 else 36
    parts = [
        f'<circle cx="50" cy="50" r="{50 - LINE / 2}" fill="{color}" stroke="{INK}" '
        f'stroke-width="{LINE}"/>',
        *(f'<ellipse cx="{x}" cy="{eye_y}" rx="5.5" ry="7.5" fill="{INK}"/>' for x in (35, 65)),
    ]
    stroke = f'fill="none" stroke="{INK}" stroke-width="{LINE}" stroke-linecap="round"'
    if score == 1:
        parts.append(f'<path d="M24 22L43 29M76 22L57 29" {stroke}/>')
    if score == 5:
        parts.append(f'<path d="M27 58H73C72 86 28 86 27 58Z" fill="{INK}"/>')
    else:
        left, right, chord, control = _MOUTHS[score]
        parts.append(f'<path d="M{left} {chord}Q50 {control} {right} {chord}" {stroke}/>')
    return Markup(
        '<svg class="face" viewBox="0 0 100 100" width="56" height="56" aria-hidden="true" '
        'focusable="false">' + "".join(parts) + "</svg>"
    )
