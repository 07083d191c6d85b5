"""``audit/verify.py`` on its own: it imports only the standard library and ``cryptography``,
rebuilds the canonical bytes, keys and head messages exactly as the project does, runs from a
checkout without installing anything of the project, and answers with the documented exit
status, in Georgian or English."""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.protocol import ED25519_P, head_message, is_safe_ed25519_public_key
from common.records import GENESIS_HASH, canonical_bytes, record_hash
from tests.audit.conftest import ROOT, VERIFY_PY, Exported, run, verifier

DOCS = ROOT / "docs"


def test_it_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(VERIFY_PY.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative import"
            imported.add(str(node.module).split(".")[0])
    outside = {name for name in imported if name not in sys.stdlib_module_names}
    assert outside == {"cryptography"}
    assert not (ROOT / "audit" / "__init__.py").exists()  # a script, not a package


def test_packaging_leaves_the_verifier_out() -> None:
    """The distribution ships the roles' packages; the verifier is read and run from a
    checkout."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not any(pattern.startswith("audit") for pattern in included)


texts = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ['"\\/', "\x00\x01\x1f\x7f", "\b\t\n\f\r", "ქართული ✓ \u2028 😀", ""]
)
records = st.fixed_dictionaries(
    {
        "uuid": texts, "seq": st.integers(1, 2**63 - 1), "kind": texts, "rating_uuid": texts,
        "device_id": texts, "center_id": texts, "service_id": texts, "catalog_version": texts,
        "score": st.none() | st.integers(-(2**70), 2**70), "reasons": st.lists(texts, max_size=4),
        "comment": st.none() | texts, "language": texts, "created_at": texts,
        "utc_offset_min": st.integers(-1440, 1440), "flags": st.lists(texts, max_size=3),
        "prev_hash": texts, "hash": texts,
    }
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(records)
def test_canonical_bytes_are_the_projects(record: dict[str, object]) -> None:
    assert verifier().canonical_bytes(record) == canonical_bytes(record)


def test_the_documented_record_hashes_as_documented() -> None:
    """The first record of the batch example in docs/protocol.md, hashed from the rules."""
    text = (DOCS / "protocol.md").read_text(encoding="utf-8")
    block = re.search(r"```json example=batch-request\n(.*?)```", text, re.S)
    assert block is not None
    for record in json.loads(block.group(1))["records"]:
        assert verifier().record_hash(record) == record["hash"] == record_hash(record)


def test_a_text_that_is_not_unicode_has_no_canonical_bytes() -> None:
    v = verifier()
    record = dict.fromkeys(v.HASHED_FIELDS, "x") | {"comment": "\ud800", "reasons": [], "flags": []}
    with pytest.raises(v.NotCanonical):
        v.canonical_bytes(record)
    with pytest.raises(v.NotCanonical):
        v.canonical_bytes(record | {"comment": None, "seq": True})


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_unsafe_keys_are_the_projects(raw: bytes) -> None:
    assert verifier().is_safe_public_key(raw) == is_safe_ed25519_public_key(raw)


@pytest.mark.parametrize(
    "raw",
    [
        bytes(32),
        b"\x01" + bytes(31),
        (ED25519_P - 1).to_bytes(32, "little"),
        (ED25519_P + 1).to_bytes(32, "little"),  # y = 1, not canonical
        bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
        bytes(31),
    ],
)
def test_keys_anyone_could_sign_for_are_refused(raw: bytes) -> None:
    assert not verifier().is_safe_public_key(raw)
    assert not is_safe_ed25519_public_key(raw)


def test_the_head_message_is_the_protocols() -> None:
    device = "5f0c2a8e-3b1d-4c6e-9a7f-2d8b1e4c6a90"
    assert verifier().head_message(device, 0, GENESIS_HASH) == head_message(device, 0, GENESIS_HASH)
    assert verifier().head_message(device, 12, "ab" * 32) == head_message(device, 12, "ab" * 32)


@pytest.mark.parametrize(
    ("created_at", "offset", "month"),
    [
        ("2026-01-31T19:59:59.999999Z", 240, "2026-01"),
        ("2026-01-31T20:00:00.000000Z", 240, "2026-02"),
        ("2026-03-01T01:00:00+04:00", 0, "2026-02"),
        ("2026-01-01T00:30:00.000000Z", -60, "2025-12"),
        ("not a time", 240, None),
    ],
)
def test_local_month(created_at: str, offset: int, month: str | None) -> None:
    assert verifier().local_month(created_at, offset) == month


def test_wilson_lower_bound_as_documented() -> None:
    """docs/results.md: centre ± half-width, with z = 1.959964."""
    z, k, n = 1.959964, 7, 20
    centre = (k + z * z / 2) / (n + z * z)
    half = z * ((k * (n - k) / n + z * z / 4) ** 0.5) / (n + z * z)
    assert verifier().wilson_low(k, n) == pytest.approx(centre - half, abs=1e-6)
    assert verifier().wilson_low(0, 5) == 0.0


def test_every_message_has_both_languages_with_the_same_values() -> None:
    for key, (english, georgian) in verifier().MESSAGES.items():
        assert english and georgian, key
        fields = set(re.findall(r"{(\w*)}", english))
        assert fields == set(re.findall(r"{(\w*)}", georgian)), key


# -- the command ----------------------------------------------------------------------------


def test_the_command_reports_in_georgian_by_default(q1_export: Exported, alone: Path) -> None:
    result = run(q1_export.path, cwd=alone)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "უკუკავშირი: გამოქვეყნებული შედეგების აუდიტი" in result.stdout
    assert "შედეგი: პრობლემა არ აღმოჩნდა." in result.stdout
    english = run(q1_export.path, "--lang", "en", cwd=alone)
    assert english.returncode == 0
    assert english.stdout.rstrip().splitlines()[-1] == "Result: no problem found."
    assert "[warning]" not in english.stdout
    # The key history of kiosk c, in both languages: its first key until it was replaced.
    assert "; it came with a new enrollment of the kiosk" in english.stdout
    assert "კიოსკის ხელახალი რეგისტრაციისას მიღებული" in result.stdout


def test_the_command_exits_1_on_a_problem(q1_export: Exported, alone: Path) -> None:
    tampered = alone / "tampered.zip"
    with zipfile.ZipFile(q1_export.path) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "snapshots/2026-Q1/snapshot.json":
                data = data.replace(b'"burst_left_out":1', b'"burst_left_out":0')
            target.writestr(name, data)
    result = run(tampered, "--lang", "en", cwd=alone)
    assert result.returncode == 1, result.stdout
    assert (
        "[PROBLEM] snapshots/2026-Q1/snapshot.json differs from what the manifest says"
        in result.stdout
    )
    assert "Result: problems found: " in result.stdout


@pytest.mark.parametrize("content", [b"not a zip at all", None])
def test_the_command_exits_2_on_what_is_no_audit_export(alone: Path, content: bytes | None) -> None:
    path = alone / "file.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("manifest.json", json.dumps({"format": "something-else"}))
    else:
        path.write_bytes(content)
    result = run(path, "--lang", "en", cwd=alone)
    assert result.returncode == 2, result.stdout
    assert "Result: the file could not be checked." in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("version", [1, 3])
def test_another_format_version_is_refused_whole(alone: Path, version: int) -> None:
    """Version 1 had no key history (its heads cannot be checked by these rules); a newer one
    is unknown."""
    path = alone / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        manifest = {"format": "ukukavshiri-audit", "version": version}
        archive.writestr("manifest.json", json.dumps(manifest))
    result = run(path, "--lang", "en", cwd=alone)
    assert result.returncode == 2
    assert f"version {version}; this verifier reads version 2" in result.stdout


def test_the_example_report_in_the_docs_is_what_the_verifier_says() -> None:
    """Every line of the example in docs/audit.md is one of the verifier's English messages
    (values and the parts shortened with "…" aside)."""
    text = (DOCS / "audit.md").read_text(encoding="utf-8")
    block = re.search(
        r"A good report looks like this \(shortened\):\n\n```text\n(.*?)```", text, re.S
    )
    assert block is not None
    v = verifier()
    templates = []
    for english, _georgian in v.MESSAGES.values():
        pieces = re.split(r"\{\w*\}", english)
        templates.append(re.compile(".*".join(re.escape(p) for p in pieces)))
    marks = "|".join(
        re.escape(v.MESSAGES[level][0]) for level in ("ok", "problem", "warning", "note")
    )
    for line in filter(None, block.group(1).splitlines()):
        line = re.sub(rf"^  ({marks}) ", "", line).replace("…", "")
        assert any(t.fullmatch(line) or t.fullmatch(line.rstrip()) for t in templates), line
