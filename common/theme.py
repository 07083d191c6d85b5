"""The municipality's look: a theme file gives its name, logo, colours and corner radius.

Kiosks, the results pages and the citizens' web pages all read the same file, so a
municipality's feedback looks like its own website everywhere. A theme whose text would have
less than 4.5:1 contrast (WCAG 2.x AA) is refused with a message naming the colours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from common.catalog import Text
from common.contrast import AA_NORMAL_TEXT, contrast_ratio, to_rgb

THEMES_DIR = Path(__file__).with_name("themes")
THEME_FILE = "theme.json"


class ThemeError(ValueError):
    """A theme that cannot be used, with the file and the reason in plain words."""


@dataclass(frozen=True)
class Theme:
    name: str
    primary: str
    on_primary: str
    background: str
    surface: str
    text: str
    muted_text: str
    border: str
    radius: int = 16
    municipality: Text | None = None
    """Shown instead of the catalog's municipality name when set."""
    logo: Path | None = None


def _better_ink(background: str) -> str:
    """White or black, whichever reads better on ``background``."""
    white, black = contrast_ratio("#FFFFFF", background), contrast_ratio("#000000", background)
    return "#FFFFFF" if white >= black else "#000000"


def load_theme(name_or_path: str | Path) -> Theme:
    """A shipped theme by name (``demo``, ``seaside``) or a theme file / folder by path.

    Refused with :class:`ThemeError` when a colour is malformed or a text colour has less than
    4.5:1 contrast against what it is drawn on (WCAG 2.x AA).
    """
    path = Path(name_or_path)
    if not path.exists() and "/" not in str(name_or_path):
        path = THEMES_DIR / str(name_or_path)
    if path.is_dir():
        path = path / THEME_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemeError(f"{path}: cannot be read ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise ThemeError(f"{path}: not valid JSON ({exc})") from exc
    try:
        colors = data["colors"]
        for key in ("primary", "secondary", "background", "text"):
            to_rgb(colors[key])
        background = colors["background"]
        surface = colors.get("surface", background)
        muted = colors.get("muted_text", colors["text"])
        municipality = data.get("municipality")
        logo = data.get("logo")
        radius = int(data.get("radius", 16))
        theme = Theme(
            name=str(data.get("name", path.parent.name)),
            primary=colors["primary"],
            on_primary=colors.get("on_primary", _better_ink(colors["primary"])),
            background=background,
            surface=surface,
            text=colors["text"],
            muted_text=muted,
            border=colors["secondary"],
            radius=max(0, min(40, radius)),
            municipality=Text(municipality["ka"], municipality["en"]) if municipality else None,
            logo=(path.parent / logo) if logo else None,
        )
    except KeyError as exc:
        raise ThemeError(f"{path}: {exc.args[0]!r} is missing") from exc
    except (TypeError, ValueError) as exc:
        raise ThemeError(f"{path}: {exc}") from exc
    for fore, back, what in (
        (theme.text, theme.background, "text on background"),
        (theme.text, theme.surface, "text on surface"),
        (theme.muted_text, theme.background, "muted_text on background"),
        (theme.on_primary, theme.primary, "on_primary on primary"),
    ):
        ratio = contrast_ratio(fore, back)
        if ratio < AA_NORMAL_TEXT:
            raise ThemeError(
                f"{path}: {what} has contrast {ratio:.2f}:1, below the "
                f"{AA_NORMAL_TEXT}:1 that text needs to be readable"
            )
    if theme.logo is not None and not theme.logo.is_file():
        raise ThemeError(f"{path}: logo {theme.logo} does not exist")
    if theme.logo is not None and theme.logo.suffix.lower() not in (".png", ".svg"):
        raise ThemeError(f"{path}: the logo must be a PNG or SVG file")
    return theme
