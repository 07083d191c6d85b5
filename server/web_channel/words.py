"""The words the kiosk and the web pages share, read from the kiosk's own translation catalog.

One translation source: the citizen's questions, buttons and the five scale words are the
kiosk's (``ui/locale/ka/LC_MESSAGES/ukukavshiri.mo``), read here as data with the standard
library's gettext. The ``ui`` package is located, never imported (it needs Qt; the server must
not). Words only the web pages have are in the server's own catalog (``server.po``). Messages
here are marked ``K_`` (not ``_``/``N_``) so the server's extraction does not copy them into
``server.po``.
"""

from __future__ import annotations

import gettext
import importlib.util
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

log = logging.getLogger("server.web_channel.words")

KIOSK_DOMAIN = "ukukavshiri"


def K_(message: str) -> str:
    """Marks a kiosk word: translated with :func:`kiosk_words`, where it is shown."""
    return message


@dataclass(frozen=True)
class ScaleStep:
    score: int
    color: str
    """The kiosk's tile colour (``ui/widgets/smiley.py``; a test holds them equal)."""
    label: str
    """English msgid of the kiosk's catalog."""


SCALE: tuple[ScaleStep, ...] = (
    ScaleStep(1, "#EF5350", K_("Very dissatisfied")),
    ScaleStep(2, "#FF8A3D", K_("Dissatisfied")),
    ScaleStep(3, "#FFCA28", K_("Neutral")),
    ScaleStep(4, "#9CCC65", K_("Satisfied")),
    ScaleStep(5, "#4CAF50", K_("Very satisfied")),
)
INK = "#141414"
"""The faces' lines and the words on the tiles (at least 4.5:1 on every tile colour)."""


def kiosk_locale_dir() -> Path | None:
    """``ui/locale`` of the installed distribution, found without importing ``ui``."""
    spec = importlib.util.find_spec("ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "locale"


@cache
def kiosk_words(language: str) -> gettext.NullTranslations:
    """The kiosk's translations into ``language`` (English is the source)."""
    if language == "en":
        return gettext.NullTranslations()
    folder = kiosk_locale_dir()
    if folder is None:
        log.error("the kiosk's translations (ui/locale) are not installed; words stay English")
        return gettext.NullTranslations()
    return gettext.translation(KIOSK_DOMAIN, folder, languages=[language], fallback=True)


def kiosk_word(language: str, message: str) -> str:
    """One kiosk word in ``language`` (a plain function name, so the server's extraction,
    which knows ``gettext``, leaves it to the kiosk's catalog)."""
    return kiosk_words(language).gettext(message)
