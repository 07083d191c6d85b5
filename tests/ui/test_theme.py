"""Theme files: the shipped ones load, unreadable ones are refused in plain words."""

from __future__ import annotations

import json
import shutil

import pytest

from common.contrast import contrast_ratio
from common.theme import THEMES_DIR, ThemeError, load_theme
from kiosk.flow import Step


def _copy_theme(tmp_path, name="demo"):
    target = tmp_path / name
    shutil.copytree(THEMES_DIR / name, target)
    return target


def _edit(folder, change):
    path = folder / "theme.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("name", ["demo", "seaside"])
def test_shipped_themes_load_and_are_readable(name):
    theme = load_theme(name)
    assert theme.logo is not None
    assert theme.logo.is_file()
    assert theme.municipality is not None
    assert theme.municipality.ka
    assert contrast_ratio(theme.text, theme.background) >= 4.5
    assert contrast_ratio(theme.on_primary, theme.primary) >= 4.5


def test_the_two_example_themes_look_different():
    demo, seaside = load_theme("demo"), load_theme("seaside")
    assert demo.primary != seaside.primary
    assert demo.background != seaside.background
    assert demo.radius != seaside.radius


def test_low_contrast_text_is_refused(tmp_path):
    folder = _copy_theme(tmp_path)
    _edit(folder, lambda d: d["colors"].update(text="#B0B0B0", background="#FFFFFF"))
    with pytest.raises(ThemeError) as caught:
        load_theme(folder)
    message = str(caught.value)
    assert str(folder / "theme.json") in message
    assert "text on background has contrast" in message
    assert "4.5:1" in message


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["colors"].update(primary="blue"), "expected a colour like"),
        (lambda d: d["colors"].update(primary="#12345G"), "not hexadecimal"),
        (lambda d: d["colors"].pop("text"), "'text' is missing"),
        (lambda d: d.update(logo="missing.png"), "does not exist"),
        (lambda d: d.update(logo="theme.json"), "PNG or SVG"),
    ],
)
def test_broken_theme_files_are_refused(tmp_path, change, problem):
    folder = _copy_theme(tmp_path)
    _edit(folder, change)
    with pytest.raises(ThemeError, match=problem):
        load_theme(folder)


def test_unreadable_theme_file(tmp_path):
    with pytest.raises(ThemeError, match="cannot be read"):
        load_theme(tmp_path / "nothing")


def test_the_kiosk_shows_the_theme(make_kiosk, artifacts_dir):
    kiosk = make_kiosk(size=(1920, 1080), theme=load_theme("seaside"))
    assert kiosk.visible_widget("English")
    welcome = kiosk.window.current_screen()
    assert welcome.municipality.text() == "ზღვისპირა მუნიციპალიტეტი"
    assert "#00695C" in kiosk.window.styleSheet()
    kiosk.window.grab().save(str(artifacts_dir("screenshots") / "theme-seaside-welcome.png"))
    kiosk.tap("დაწყება")
    kiosk.wait_for(Step.CHOOSE)
    kiosk.window.grab().save(str(artifacts_dir("screenshots") / "theme-seaside-choose.png"))
