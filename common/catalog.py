"""The catalog: what a kiosk asks about — the municipality, its programs and services, the
question, the scale and the follow-up reasons. It has a version that every rating records.

Catalogs come from staff or from the municipal server, so they are validated field by field on
load and a bad one raises :class:`CatalogError` naming the file, the field and the problem.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

LANGUAGES = ("ka", "en")
FORMAT = 1
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
ICON_PATTERN = re.compile(r"^(mdi6|fa6s|fa6r|ph)\.[a-z0-9-]+$")
DEMO_CATALOG = "demo_catalog.json"


class CatalogError(ValueError):
    """A catalog that cannot be used, with where and why in plain words."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        super().__init__(f"{source}: {field}: {problem}")


class Text(NamedTuple):
    """A text in every UI language."""

    ka: str
    en: str

    def get(self, language: str) -> str:
        return self.ka if language == "ka" else self.en


class Reason(NamedTuple):
    id: str
    text: Text


class Category(NamedTuple):
    id: str
    name: Text


class Service(NamedTuple):
    id: str
    name: Text
    category: str
    icon: str
    reasons_low: tuple[str, ...]
    reasons_high: tuple[str, ...]


class Center(NamedTuple):
    id: str
    name: Text


class Catalog(NamedTuple):
    version: str
    municipality_id: str
    municipality: Text
    question: Text
    """Contains ``{service}``, replaced by the service's name."""
    low_max: int
    """Scores up to this are "low" and get the low reasons; higher ones the high reasons."""
    centers: tuple[Center, ...]
    categories: tuple[Category, ...]
    services: tuple[Service, ...]
    reasons: dict[str, Reason]

    def service(self, service_id: str) -> Service:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def reasons_for(self, service: Service, score: int) -> tuple[Reason, ...]:
        ids = service.reasons_low if score <= self.low_max else service.reasons_high
        return tuple(self.reasons[reason_id] for reason_id in ids)

    def question_for(self, service: Service, language: str) -> str:
        return self.question.get(language).replace("{service}", service.name.get(language))

    def texts(self) -> list[str]:
        """Every citizen-visible text, for font-coverage checks."""
        texts = [
            self.municipality,
            self.question,
            *(center.name for center in self.centers),
            *(category.name for category in self.categories),
            *(service.name for service in self.services),
            *(reason.text for reason in self.reasons.values()),
        ]
        return [value for text in texts for value in (text.ka, text.en)]


class _Reader:
    """Walks the raw JSON, turning every problem into a CatalogError with its field path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: str) -> CatalogError:
        return CatalogError(self.source, field, problem)

    def obj(self, data: Any, field: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(field, "must be an object")
        return data

    def get(self, data: dict[str, Any], key: str, field: str) -> Any:
        if key not in data:
            raise self.fail(f"{field}.{key}" if field else key, "is missing")
        return data[key]

    def string(self, data: dict[str, Any], key: str, field: str, max_len: int = 200) -> str:
        path = f"{field}.{key}" if field else key
        value = self.get(data, key, field)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "must be a non-empty text")
        if len(value) > max_len:
            raise self.fail(path, f"is longer than {max_len} characters")
        return value

    def ident(self, data: dict[str, Any], key: str, field: str) -> str:
        value = self.string(data, key, field)
        if not ID_PATTERN.match(value):
            raise self.fail(
                f"{field}.{key}",
                f"{value!r} is not a valid id (lowercase letters, digits and '-', at most 64)",
            )
        return value

    def text(self, data: dict[str, Any], key: str, field: str) -> Text:
        path = f"{field}.{key}" if field else key
        value = self.obj(self.get(data, key, field), path)
        return Text(**{lang: self.string(value, lang, path) for lang in LANGUAGES})

    def items(self, data: dict[str, Any], key: str, field: str = "") -> list[dict[str, Any]]:
        path = f"{field}.{key}" if field else key
        value = self.get(data, key, field)
        if not isinstance(value, list):
            raise self.fail(path, "must be a list")
        return [self.obj(item, f"{path}[{i}]") for i, item in enumerate(value)]

    def unique(self, items: list[Any], path: str) -> None:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.id in seen:
                raise self.fail(f"{path}[{index}].id", f"{item.id!r} is used twice")
            seen.add(item.id)


def parse_catalog(data: Any, source: str = "<catalog>") -> Catalog:
    r = _Reader(source)
    root = r.obj(data, "(top level)")
    fmt = r.get(root, "format", "")
    if fmt != FORMAT:
        raise r.fail("format", f"must be {FORMAT}, not {fmt!r}")
    version = r.string(root, "version", "", max_len=40)
    municipality = r.obj(r.get(root, "municipality", ""), "municipality")
    scale = r.obj(r.get(root, "scale", ""), "scale")
    low_max = r.get(scale, "low_max", "scale")
    if not isinstance(low_max, int) or isinstance(low_max, bool) or not 1 <= low_max <= 4:
        raise r.fail("scale.low_max", "must be a whole number from 1 to 4")
    question = r.text(root, "question", "")
    if "{service}" not in question.ka or "{service}" not in question.en:
        raise r.fail("question", "each language must contain {service}")

    centers = tuple(
        Center(r.ident(c, "id", f"centers[{i}]"), r.text(c, "name", f"centers[{i}]"))
        for i, c in enumerate(r.items(root, "centers"))
    )
    r.unique(list(centers), "centers")
    categories = tuple(
        Category(r.ident(c, "id", f"categories[{i}]"), r.text(c, "name", f"categories[{i}]"))
        for i, c in enumerate(r.items(root, "categories"))
    )
    r.unique(list(categories), "categories")
    reason_list = [
        Reason(r.ident(c, "id", f"reasons[{i}]"), r.text(c, "text", f"reasons[{i}]"))
        for i, c in enumerate(r.items(root, "reasons"))
    ]
    r.unique(reason_list, "reasons")
    reasons = {reason.id: reason for reason in reason_list}
    category_ids = {c.id for c in categories}

    services = []
    for i, raw in enumerate(r.items(root, "services")):
        path = f"services[{i}]"
        category = r.ident(raw, "category", path)
        if category not in category_ids:
            raise r.fail(f"{path}.category", f"{category!r} is not one of the categories")
        icon = r.string(raw, "icon", path)
        if not ICON_PATTERN.match(icon):
            raise r.fail(f"{path}.icon", f"{icon!r} is not an icon name like 'mdi6.home-heart'")
        followup = r.obj(raw.get("reasons", {}), f"{path}.reasons")
        picked: dict[str, tuple[str, ...]] = {}
        for band in ("low", "high"):
            ids = followup.get(band, [])
            if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
                raise r.fail(f"{path}.reasons.{band}", "must be a list of reason ids")
            for reason_id in ids:
                if reason_id not in reasons:
                    raise r.fail(f"{path}.reasons.{band}", f"{reason_id!r} is not a known reason")
            picked[band] = tuple(ids)
        services.append(
            Service(
                id=r.ident(raw, "id", path),
                name=r.text(raw, "name", path),
                category=category,
                icon=icon,
                reasons_low=picked["low"],
                reasons_high=picked["high"],
            )
        )
    if not services:
        raise r.fail("services", "must list at least one program or service")
    r.unique(services, "services")
    return Catalog(
        version=version,
        municipality_id=r.ident(municipality, "id", "municipality"),
        municipality=r.text(municipality, "name", "municipality"),
        question=question,
        low_max=low_max,
        centers=centers,
        categories=categories,
        services=tuple(services),
        reasons=reasons,
    )


def load_catalog(path: Path | str) -> Catalog:
    """Read and validate a catalog file; every problem is a :class:`CatalogError`."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise CatalogError(source, "(file)", f"cannot be read: {exc.strerror}") from exc
    return loads_catalog(raw, source)


def loads_catalog(raw: bytes | str, source: str = "<catalog>") -> Catalog:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(source, "(file)", f"is not valid JSON: {exc}") from exc
    return parse_catalog(data, source)


def demo_catalog_bytes() -> bytes:
    """Read beside this module (as a PyInstaller bundle keeps it too): ``importlib.resources``
    would cost the kiosk's start a few milliseconds of imports for one file."""
    return (Path(__file__).with_name("data") / DEMO_CATALOG).read_bytes()


def demo_catalog() -> Catalog:
    """The catalog embedded in the app, so the kiosk runs with nothing configured."""
    return loads_catalog(demo_catalog_bytes(), f"(embedded) {DEMO_CATALOG}")
