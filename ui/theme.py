"""Colours and shapes, applied through one Qt style sheet built from a :class:`Theme`.

Widgets only carry object names (``primary``, ``tile``, ``chip`` …); every colour and size lives
here, so a municipality's look, the "Aa" large/high-contrast look and the DPI-derived sizes all
come from one place.
"""

from __future__ import annotations

from dataclasses import replace

from common.theme import Theme, load_theme
from ui.metrics import Metrics

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
    QWidget#kiosk, QWidget#screen, QScrollArea, QWidget#scrollBody {{ background: {t.background}; }}
    QWidget#header {{ background: {t.primary}; }}
    QLabel#headerTitle {{ color: {t.on_primary}; font-size: {m.small}px; font-weight: bold; }}
    QLabel#title {{ font-size: {m.title}px; font-weight: bold; }}
    QLabel#subtitle {{ font-size: {m.body}px; color: {t.muted_text}; }}
    QLabel#categoryTitle {{ font-size: {m.body}px; font-weight: bold; color: {t.muted_text};
        padding-top: {m.body // 2}px; }}
    QLabel#counter {{ font-size: {m.small}px; color: {t.muted_text}; }}
    QAbstractButton#smileyButton {{ font-size: {m.face_label}px; }}
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
    QPushButton#tile {{ text-align: left; padding: 0px;
        min-height: {round(m.button * 1.2)}px; border: 2px solid {t.border}; }}
    QPushButton#chip {{ min-height: {m.button}px; text-align: left; padding: 0px; }}
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
    /* Staff screens (ui/staff) and disabled buttons everywhere: a disabled button is flat,
       dashed and muted, so nobody taps it expecting something; an error message stands out
       by a bar, its colours and weight, not by colour alone. */
    QPushButton:disabled, QPushButton#primary:disabled, QPushButton#secondary:disabled {{
        background: {t.background}; color: {t.muted_text}; border: 2px dashed {t.muted_text};
        font-weight: normal; }}
    QPushButton QLabel:disabled, QPushButton#primary QLabel:disabled {{
        color: {t.muted_text}; font-weight: normal; }}
    QLabel[error="true"], QLabel#subtitle[error="true"] {{ color: #8C1D18;
        background: #FDECEA; border-left: 6px solid #B3261E; padding: 6px 10px;
        font-weight: bold; }}
    QLabel#fieldLabel {{ font-weight: bold; }}
    QLabel#pinDisplay {{ font-size: {m.title}px; font-weight: bold; background: {t.surface};
        border: 2px solid {t.primary}; border-radius: {t.radius // 2}px; padding: 4px;
        min-height: {m.button}px; }}
    """
