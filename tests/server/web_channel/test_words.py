"""One translation source and one look: the web pages' kiosk words come from the kiosk's own
catalog (read, not imported: no Qt), and the faces keep the kiosk's colours."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from common.contrast import AA_NORMAL_TEXT, contrast_ratio
from server.web_channel.faces import face_svg
from server.web_channel.words import INK, SCALE, kiosk_locale_dir, kiosk_word

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "server" / "web" / "templates" / "rate"
KIOSK_CALL = re.compile(r"""\bk\(\s*(["'])(.+?)\1\s*\)""")
PYTHON_CALL = re.compile(r"""kiosk_word\(\s*[\w.]+,\s*(["'])(.+?)\1""")


def kiosk_scale() -> list[tuple[object, object, object]]:
    """(score, colour, words) of ``ui/widgets/smiley.py``'s SCALE, read from its source."""
    tree = ast.parse((REPO / "ui" / "widgets" / "smiley.py").read_text(encoding="utf-8"))
    steps: list[tuple[object, object, object]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ScaleStep":
            score, color, label = node.args
            assert isinstance(score, ast.Constant) and isinstance(color, ast.Constant)
            assert isinstance(label, ast.Call) and isinstance(label.args[0], ast.Constant)
            steps.append((score.value, color.value, label.args[0].value))
    return steps


def used_kiosk_words() -> set[str]:
    words = {step.label for step in SCALE}
    for template in TEMPLATES.glob("*.html"):
        words |= {m.group(2) for m in KIOSK_CALL.finditer(template.read_text(encoding="utf-8"))}
    source = (REPO / "server" / "web" / "rate.py").read_text(encoding="utf-8")
    words |= {m.group(2) for m in PYTHON_CALL.finditer(source)}
    words |= {"What was the main reason?", "What did you like most?"}  # chosen by score
    return words


def test_the_faces_have_the_kiosks_colours_and_words() -> None:
    assert [(s.score, s.color, s.label) for s in SCALE] == kiosk_scale()
    css = (REPO / "server" / "web" / "static" / "rate.css").read_text(encoding="utf-8")
    for step in SCALE:
        assert f"--face-{step.score}: {step.color};" in css
        assert contrast_ratio(INK, step.color) >= AA_NORMAL_TEXT
    assert f"--face-ink: {INK};" in css


def test_every_kiosk_word_of_the_pages_is_in_the_kiosks_catalog_in_georgian() -> None:
    words = used_kiosk_words()
    assert len(words) >= 15
    untranslated = [w for w in sorted(words) if kiosk_word("ka", w) == w]
    assert untranslated == []
    assert kiosk_word("en", "Very satisfied") == "Very satisfied"
    assert kiosk_word("ka", "Very satisfied") == "ძალიან კმაყოფილი"


def test_the_kiosk_catalog_is_found_without_importing_ui() -> None:
    probe = (
        "import sys; from server.web_channel.words import kiosk_locale_dir, kiosk_word;"
        "print(kiosk_locale_dir()); print(kiosk_word('ka', 'Skip'));"
        "print('ui' in sys.modules, 'PySide6' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.split("\n")
    assert out[0] == str(kiosk_locale_dir())
    assert out[1] == kiosk_word("ka", "Skip") != "Skip"
    assert out[2] == "False False"


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_faces_are_decorative_svg_in_their_colour(score: int) -> None:
    svg = str(face_svg(score))
    assert svg.startswith('<svg class="face" viewBox="0 0 100 100"')
    assert 'aria-hidden="true"' in svg and 'focusable="false"' in svg
    assert f'fill="{SCALE[score - 1].color}"' in svg
    assert ("M24 22L43 29" in svg) == (score == 1)  # the brows of the unhappiest face
