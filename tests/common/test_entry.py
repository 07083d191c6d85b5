"""A command whose role was not installed says what to install, not a traceback."""

from __future__ import annotations

import sys

import pytest

from server import entry as server_entry
from sync import entry as sync_entry
from ui import entry as kiosk_entry


@pytest.mark.parametrize(
    ("entry", "module", "extra"),
    [
        (server_entry, "server.cli", "server"),
        (sync_entry, "sync.cli", "kiosk"),
        (kiosk_entry, "ui.main", "kiosk"),
    ],
)
def test_missing_dependencies_name_the_extra(monkeypatch, capsys, entry, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # as if its imports were missing
    assert entry.main() == 2
    assert f"pip install 'ukukavshiri[{extra}]'" in capsys.readouterr().err


def test_a_built_program_missing_a_package_blames_the_build(monkeypatch, capsys):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setitem(sys.modules, "ui.main", None)
    assert kiosk_entry.main() == 2
    err = capsys.readouterr().err
    assert "kiosk.spec" in err
    assert "pip install" not in err


def test_a_package_imported_late_is_looked_for_first(monkeypatch, capsys):
    """The kiosk imports Qt after reading its arguments: even ``--help`` names the extra."""
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "PySide6" else found(name, *a)
    )
    assert kiosk_entry.main() == 2
    assert "pip install 'ukukavshiri[kiosk]'" in capsys.readouterr().err
