"""UI translations with gettext: English source strings, Georgian in ``ui/locale/ka``.

The language can change on any screen, so ``_`` looks up the *current* language each time it
is called; screens re-read their texts in ``retranslate()``. Module-level constants are marked
with ``N_`` and translated where they are shown. Catalog texts (service names, reasons) come
from the catalog itself, in both languages, not from here.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

DOMAIN = "ukukavshiri"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES: tuple[str, ...] = ("ka", "en")
DEFAULT_LANGUAGE = "ka"

_current = DEFAULT_LANGUAGE


@cache
def _translations(language: str) -> gettext.NullTranslations:
    """The language's catalog, read from its one known place: ``gettext.translation`` would
    search for it by the process's locale (importing ``locale``), a few milliseconds of the
    kiosk's start for nothing."""
    if language == "en":
        return gettext.NullTranslations()
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as catalog:
        return gettext.GNUTranslations(catalog)


def set_language(language: str) -> None:
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
    _current = language


def language() -> str:
    return _current


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _translations(_current).gettext(message)


def translate(message: str, language: str) -> str:
    """``message`` in ``language`` whatever the current one is: a language button speaks in
    its own language, as it is labelled in it."""
    return _translations(language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(_current).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message
