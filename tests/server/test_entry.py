"""``kiosk-server`` on a machine without the server extra says what to install."""

from __future__ import annotations

import sys

from server import entry


def test_missing_server_dependencies_are_named_not_a_traceback(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "server.cli", None)  # as if its imports were missing
    assert entry.main() == 2
    assert "pip install 'ukukavshiri[server]'" in capsys.readouterr().err
