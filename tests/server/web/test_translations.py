"""Every string of the server's pages is translated into Georgian, the compiled catalog matches
its source, and no translation loses or invents a placeholder.

The messages are extracted as ``pybabel extract -F server/babel.cfg -k _ -k N_ -k ngettext:1,2
... server`` does (README, "Translations"): Python files and Jinja2 templates, with Babel's
default keywords plus ours. Template strings are always %-formatted (newstyle gettext), so a
literal percent sign there is ``%%`` in the msgid and in its translation.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from server.demo_data import seed_demo
from server.results import rollups
from server.web.templating import DOMAIN, LOCALE_DIR, translations

SERVER_DIR = Path(__file__).resolve().parents[3] / "server"
MAPPING = SERVER_DIR / "babel.cfg"
PO_PATH = LOCALE_DIR / "ka" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_PATH = PO_PATH.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "N_": None, "ngettext": (1, 2)}

BRACE = re.compile(r"\{[^{}]*\}")
PERCENT = re.compile(r"%%|%\(\w+\)[a-zA-Z]")


@cache
def _source_messages() -> dict[str | tuple[str, str], frozenset[str]]:
    """Each message of the server's pages (a plural one as (singular, plural)) and the kinds
    of file it was found in ("py", "html")."""
    with MAPPING.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(MAPPING))
    found: dict[str | tuple[str, str], set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(SERVER_DIR), method_map, options_map, keywords=KEYWORDS, comment_tags=()
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, set()).add(Path(filename).suffix.lstrip("."))
    return {key: frozenset(kinds) for key, kinds in found.items()}


def _po() -> Catalog:
    with PO_PATH.open("rb") as handle:
        return read_po(handle, locale="ka")


def _singular(key: str | tuple[str, str]) -> str:
    return key if isinstance(key, str) else key[0]


def _placeholders(text: str) -> Counter[str]:
    """``{name}`` and ``%(name)d``-style placeholders and ``%%``, as a multiset."""
    return Counter(BRACE.findall(text)) + Counter(PERCENT.findall(text))


def _key(message_id: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return message_id if isinstance(message_id, str) else tuple(message_id)


def _pairs(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """(msgid, translation) for every form of every message (form i against msgid i, the
    last forms against the plural msgid)."""
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert isinstance(message.string, str), message.id  # read_po: one msgstr
            yield message.id, message.string
        else:
            assert isinstance(message.string, (tuple, list)), message.id  # read_po: msgstr[n]
            for index, string in enumerate(message.string):
                yield message.id[min(index, 1)], string


def test_extraction_finds_python_and_template_messages():
    messages = _source_messages()
    assert len(messages) > 200
    kinds = frozenset().union(*messages.values())
    assert kinds == {"py", "html"}
    assert "Share of dissatisfied users, with {level} intervals" in messages  # page._("…")
    assert "Waiting for enrollment" in messages  # N_("…")
    assert ("Try again in %(num)d minute.", "Try again in %(num)d minutes.") in messages


def test_every_message_of_the_pages_has_a_georgian_translation():
    catalog = _po()
    missing = []
    for key in _source_messages():
        message = catalog.get(_singular(key))
        strings = () if message is None else message.string
        assert strings is not None, key  # read_po gives every message a msgstr
        strings = (strings,) if isinstance(strings, str) else tuple(strings)
        if (
            message is None
            or message.fuzzy
            or not strings
            or not all(strings)
            or _key(message.id) != key
        ):
            missing.append(key)
    assert missing == [], (
        "untranslated or fuzzy: extract, update and translate (README, 'Translations')"
    )


def test_plural_messages_have_the_catalogs_number_of_forms():
    catalog = _po()
    assert catalog.plural_forms == "nplurals=1; plural=0;"  # as the kiosk's catalog
    for message in catalog:
        if message.id and message.pluralizable:
            assert message.string is not None, message.id
            assert len(message.string) == catalog.num_plurals, message.id


def test_translations_keep_their_placeholders():
    wrong = [
        (msgid, string)
        for msgid, string in _pairs(_po())
        if string and _placeholders(msgid) != _placeholders(string)
    ]
    assert wrong == []


def test_template_translations_survive_percent_formatting():
    """Jinja2 %-formats every template string: a lone % in a translation would break."""
    catalog = _po()
    broken = []
    for key, kinds in _source_messages().items():
        message = catalog.get(_singular(key))
        if "html" not in kinds or message is None:
            continue
        strings = (message.string,) if isinstance(message.string, str) else message.string
        assert strings is not None, key  # read_po gives every message a msgstr
        for string in strings:
            names = dict.fromkeys(re.findall(r"%\((\w+)\)", _singular(key)), 1)
            try:
                string % names
            except (ValueError, TypeError, KeyError) as exc:
                broken.append((string, str(exc)))
    assert broken == []


def test_compiled_catalog_matches_its_source():
    fresh_catalog = _po()
    with MO_PATH.open("rb") as handle:
        shipped = read_mo(handle)

    def table(catalog: Catalog) -> dict[object, object]:
        def plain(value: str | Iterable[str]) -> object:
            return value if isinstance(value, str) else tuple(value)

        return {plain(m.id): plain(m.string) for m in catalog if m.id and m.string}

    buffer = io.BytesIO()
    write_mo(buffer, fresh_catalog)
    buffer.seek(0)
    fresh = read_mo(buffer)
    assert table(shipped) == table(fresh), (
        f"{DOMAIN}.mo is stale: run `pybabel compile -d server/locale -D server`"
    )
    assert shipped.plural_forms == fresh.plural_forms


def test_the_pages_read_the_compiled_catalog():
    assert translations("ka").gettext("Results") == "შედეგები"
    assert translations("ka").ngettext("%(num)d comment", "%(num)d comments", 3) == (
        "%(num)d კომენტარი"
    )
    assert translations("en").gettext("Results") == "Results"


LEFTOVER = re.compile(r"%%|%\(\w+\)|\{\w*\}")


def test_every_page_renders_in_georgian(engine, anonymous, analyst, admin, check_page):
    """The catalog in use: no English fallback for the main texts, no placeholder left."""
    seed_demo(engine, ratings=1500, seed=3, year=2025, now=datetime(2026, 3, 20, tzinfo=UTC))
    rollups.refresh(engine)
    pages = [
        (anonymous, "/results", "95%-იანი ინტერვალით"),
        (anonymous, "/login", "მერიის თანამშრომლებისთვის"),
        (analyst, "/staff/results", "შეფასებების რაოდენობაა"),
        (analyst, "/staff/priorities", "95%-იანი ინტერვალი"),
        (analyst, "/staff/trends", "კმაყოფილი მოსარგებლეები თვეების მიხედვით"),
        (analyst, "/staff/comments", "კომენტარი"),
        (admin, "/admin", "ბოლო მოქმედებები"),
        (admin, "/admin/kiosks", "კიოსკის დამატება"),
        (admin, "/admin/users", "მომხმარებლის დამატება"),
        (admin, "/admin/catalogs", "კატალოგის ჩატვირთვა"),
    ]
    for client, path, expected in pages:
        response = client.get(path, params={"period": "2025", "lang": "ka"})
        assert response.status_code == 200, path
        check_page(response)
        assert '<html lang="ka">' in response.text, path
        assert expected in response.text, path
        assert LEFTOVER.findall(response.text) == [], path


@pytest.mark.parametrize(
    ("msgid", "string"),
    [
        ("fewer than {n} responses", "ნაკლები შეფასება"),
        ("Kiosk %(name)s was revoked.", "კიოსკი %(nam)s დაიბლოკა."),
        ("95%% interval", "95%-იანი ინტერვალი"),
    ],
)
def test_placeholder_check_can_fail(msgid, string):
    assert _placeholders(msgid) != _placeholders(string)
