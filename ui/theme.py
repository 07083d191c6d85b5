"""Colours and shapes, applied through one Qt style sheet built from a :class:`Theme`.

Widgets only carry object names (``primary``, ``tile``, ``chip`` …); every colour and size lives
here, so a municipality's look, the "Aa" large/high-contrast look and the DPI-derived sizes all
come from one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from common.catalog import Text
from ui.contrast import AA_NORMAL_TEXT, contrast_ratio, to_rgb
from ui.metrics import Metrics

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


DEMO_THEME = load_theme("demo")

HIGH_CONTRAST = Theme(
    name="high-contrast",
    primary="#FFD400",
    on_primary="#000000",
    background="#000000",
    surface="#111111",
    text="#FFFFFF",
    muted_text="#FFFFFF",
    border="#FFFFFF",
)


def high_contrast(theme: Theme) -> Theme:
    """The look for a citizen who asked for it: black, white and yellow, same shapes."""
    return replace(
        HIGH_CONTRAST, radius=theme.radius, municipality=theme.municipality, logo=theme.logo
    )


def style_sheet(theme: Theme, m: Metrics) -> str:
    t = theme
    return f"""
    QWidget {{ color: {t.text}; font-size: {m.body}px; }}
    QMainWindow, QWidget#screen, QScrollArea, QWidget#scrollBody {{ background: {t.background}; }}
    QWidget#header {{ background: {t.primary}; }}
    QLabel#headerTitle {{ color: {t.on_primary}; font-size: {m.small}px; font-weight: bold; }}
    QLabel#title {{ font-size: {m.title}px; font-weight: bold; }}
    QLabel#subtitle {{ font-size: {m.body}px; color: {t.muted_text}; }}
    QLabel#categoryTitle {{ font-size: {m.body}px; font-weight: bold; color: {t.muted_text};
        padding-top: {m.body // 2}px; }}
    QLabel#counter {{ font-size: {m.small}px; color: {t.muted_text}; }}
    QPushButton {{
        min-height: {m.target}px; min-width: {m.target}px; border-radius: {t.radius}px;
        padding: 4px {m.body // 2}px; font-size: {m.body}px;
        background: {t.surface}; color: {t.text}; border: 2px solid {t.border};
    }}
    QPushButton:pressed {{ background: {t.border}; }}
    QPushButton#primary {{ background: {t.primary}; color: {t.on_primary};
        border: 2px solid {t.primary}; font-weight: bold; min-height: {m.button}px; }}
    QPushButton#secondary {{ min-height: {m.button}px; border: 2px solid {t.primary}; }}
    QPushButton#headerButton {{ background: transparent; color: {t.on_primary};
        border: 2px solid {t.on_primary}; font-size: {m.small}px; }}
    QPushButton#headerButton:checked {{ background: {t.on_primary}; color: {t.primary}; }}
    QPushButton#tile {{ text-align: left; padding: {m.body // 2}px {m.body}px;
        min-height: {round(m.button * 1.2)}px; border: 2px solid {t.border}; }}
    QPushButton#chip {{ min-height: {m.button}px; text-align: left; padding: 4px {m.body}px; }}
    QPushButton#chip:checked {{ background: {t.primary}; color: {t.on_primary};
        border: 2px solid {t.primary}; font-weight: bold; }}
    QPushButton#primary QLabel {{ color: {t.on_primary}; font-weight: bold; }}
    QPushButton#secondary:checked {{ background: {t.primary}; border: 2px solid {t.primary}; }}
    QLabel[checked="true"] {{ color: {t.on_primary}; font-weight: bold; }}
    QPushButton#keyboardKey, QPushButton#keyboardSpecialKey {{
        min-height: {round(m.target * 0.8)}px; min-width: 0px; padding: 0px;
        border-radius: {max(4, t.radius // 2)}px; }}
    QPushButton#keyboardSpecialKey {{ background: {t.background}; }}
    QLineEdit {{ background: {t.surface}; color: {t.text}; border: 2px solid {t.primary};
        border-radius: {t.radius // 2}px; padding: 6px; font-size: {m.body}px;
        min-height: {m.target}px; }}
    QPlainTextEdit {{ background: {t.surface}; color: {t.text}; border: 2px solid {t.primary};
        border-radius: {t.radius}px; padding: 8px; font-size: {m.body}px; }}
    QWidget#overlay {{ background: rgba(0, 0, 0, 170); }}
    QFrame#card {{ background: {t.surface}; border: 3px solid {t.primary};
        border-radius: {t.radius}px; }}
    QScrollBar:vertical {{ width: {m.target // 3}px; background: {t.background}; }}
    QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; }}
    QScrollBar::handle:vertical {{ background: {t.border}; border-radius: {m.target // 6}px;
        min-height: {m.target}px; }}
    """
