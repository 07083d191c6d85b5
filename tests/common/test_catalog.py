from __future__ import annotations

import json

import pytest

from common.catalog import CatalogError, demo_catalog_bytes, load_catalog, loads_catalog


def _demo() -> dict:
    return json.loads(demo_catalog_bytes())


def test_demo_catalog_is_complete_in_both_languages(catalog):
    assert catalog.version
    assert len(catalog.services) >= 10
    for service in catalog.services:
        assert service.name.ka != service.name.en
        assert any("\u10d0" <= ch <= "\u10ff" for ch in service.name.ka)
        assert all(ord(ch) < 0x250 for ch in service.name.en)
    for reason in catalog.reasons.values():
        assert any("\u10d0" <= ch <= "\u10ff" for ch in reason.text.ka)


def test_reasons_differ_for_low_and_high_scores(catalog):
    service = catalog.service("vulnerable-families")
    low = {r.id for r in catalog.reasons_for(service, 1)}
    high = {r.id for r in catalog.reasons_for(service, 5)}
    assert low and high and not low & high
    assert catalog.reasons_for(catalog.service("homeless-shelter"), 1) == ()


def test_question_names_the_service(catalog):
    service = catalog.service("free-canteen")
    assert catalog.question_for(service, "en") == "How satisfied are you with: Free canteen?"
    assert "უფასო სასადილო" in catalog.question_for(service, "ka")


@pytest.mark.parametrize(
    ("mutate", "field", "problem"),
    [
        (lambda d: d.pop("version"), "version", "is missing"),
        (lambda d: d.update(format=7), "format", "must be 1"),
        (lambda d: d["services"][2]["name"].pop("ka"), "services[2].name.ka", "is missing"),
        (
            lambda d: d["services"][0].update(category="parks"),
            "services[0].category",
            "not one of the categories",
        ),
        (lambda d: d["services"][1].update(id="Bad Id"), "services[1].id", "not a valid id"),
        (lambda d: d["services"].append(dict(d["services"][0])), "services[13].id", "used twice"),
        (
            lambda d: d["services"][0]["reasons"]["low"].append("nope"),
            "services[0].reasons.low",
            "'nope' is not a known reason",
        ),
        (lambda d: d["services"][0].update(icon="smiley"), "services[0].icon", "not an icon name"),
        (lambda d: d["question"].update(en="How was it?"), "question", "{service}"),
        (lambda d: d["scale"].update(low_max=9), "scale.low_max", "from 1 to 4"),
        (lambda d: d.update(services=[]), "services", "at least one"),
        (lambda d: d["reasons"][0].update(text="wait"), "reasons[0].text", "must be an object"),
    ],
)
def test_a_bad_catalog_names_file_field_and_problem(tmp_path, mutate, field, problem):
    data = _demo()
    mutate(data)
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    error = caught.value
    assert error.source == str(path)
    assert error.field == field
    assert problem in error.problem
    assert str(path) in str(error) and field in str(error)


def test_unreadable_and_invalid_json_files(tmp_path):
    with pytest.raises(CatalogError, match="cannot be read"):
        load_catalog(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 1,', encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(broken)
    with pytest.raises(CatalogError, match="must be an object"):
        loads_catalog("[1, 2]")
