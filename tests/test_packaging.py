"""A municipal server installs the server side only: no Qt, and its command works."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with ``pip install '.[server]'`` of this checkout."""
    target = tmp_path_factory.mktemp("server-venv")
    venv.create(target, with_pip=True)
    subprocess.run(
        [target / "bin" / "python", "-m", "pip", "install", "-q", f"{ROOT}[server]"],
        check=True,
        timeout=600,
    )
    return target


def _run(*command: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_a_server_install_has_no_qt(server_venv: Path) -> None:
    python = server_venv / "bin" / "python"
    no_qt = _run(python, "-c", "import PySide6")
    assert no_qt.returncode != 0
    assert "No module named 'PySide6'" in no_qt.stderr
    installed = _run(python, "-m", "pip", "list", "--format=freeze").stdout.lower()
    assert "pyside6" not in installed
    assert "qtawesome" not in installed
    assert "fastapi" in installed


@pytest.mark.slow
def test_the_server_command_works_and_the_kiosk_command_names_its_extra(
    server_venv: Path,
) -> None:
    server = _run(server_venv / "bin" / "kiosk-server", "--help")
    assert server.returncode == 0, server.stderr
    assert "init-db" in server.stdout
    kiosk = _run(server_venv / "bin" / "kiosk", "--help")
    assert kiosk.returncode == 2
    assert "pip install 'ukukavshiri[kiosk]'" in kiosk.stderr


@pytest.mark.slow
def test_the_version_comes_from_one_place(server_venv: Path) -> None:
    from common import __version__

    shown = _run(server_venv / "bin" / "kiosk-server", "--version")
    assert shown.stdout.split() == ["kiosk-server", __version__]
    metadata = _run(
        server_venv / "bin" / "python",
        "-c",
        "import importlib.metadata as m; print(m.version('ukukavshiri'))",
    )
    assert metadata.stdout.strip() == __version__
    assert sys.version_info >= (3, 11)
