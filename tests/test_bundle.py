"""The tablet build (``kiosk.spec``) and the app from source both pass ``--self-test``.

``.ci/run`` starts the PyInstaller build in the background before the other checks and exports
where it writes (``UKUK_BUNDLE_BUILD``: ``build.log``, ``build.status`` once done, ``dist/``);
the tests here wait for it. Without that variable (pytest run by hand) the build is made here,
once per session, or the bundle's tests are skipped when PyInstaller is not installed, unless
``UKUK_BUNDLE_REQUIRED`` (or ``CI``) is set: then they fail, so CI cannot pass without them.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common import __version__
from common.records import GENESIS_HASH, Kind, verify_chain
from kiosk.storage import Store

ROOT = Path(__file__).resolve().parent.parent
BUILD_ENV = "UKUK_BUNDLE_BUILD"
REQUIRED_ENV = "UKUK_BUNDLE_REQUIRED"
BUILD_TIMEOUT_S = 1200
RUN_TIMEOUT_S = 120
PROGRAM = Path(f"ukukavshiri-{__version__}") / (
    "ukukavshiri.exe" if sys.platform == "win32" else "ukukavshiri"
)
"""The program inside PyInstaller's ``dist`` folder (COLLECT's name in ``kiosk.spec``)."""


def required() -> bool:
    flags = (os.environ.get(REQUIRED_ENV, ""), os.environ.get("CI", ""))
    return any(flag.strip().lower() not in ("", "0", "false", "no") for flag in flags)


def log_tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def wait_for_build(folder: Path) -> Path:
    """The program built by ``.ci/run``'s background job, once it has finished."""
    status, log = folder / "build.status", folder / "build.log"
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    while not status.exists():
        if time.monotonic() > deadline:
            pytest.fail(
                f"the bundle build did not finish within {BUILD_TIMEOUT_S} s:\n{log_tail(log)}",
                pytrace=False,
            )
        time.sleep(1)  # another process's job: no event loop here to wait on
    code = status.read_text().strip()
    if code != "0":
        pytest.fail(f"the bundle build failed (status {code}):\n{log_tail(log)}", pytrace=False)
    return folder / "dist" / PROGRAM


def build_here(folder: Path) -> Path:
    """Build the bundle as ``.ci/run`` does, for a developer running pytest by hand."""
    log = folder / "build.log"
    command = [
        *(sys.executable, "-m", "PyInstaller", "--noconfirm"),
        *("--distpath", str(folder / "dist"), "--workpath", str(folder / "work")),
        str(ROOT / "kiosk.spec"),
    ]
    with log.open("w") as out:
        result = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, timeout=BUILD_TIMEOUT_S
        )
    if result.returncode != 0:
        pytest.fail(f"the bundle build failed:\n{log_tail(log)}", pytrace=False)
    return folder / "dist" / PROGRAM


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built tablet program."""
    if os.environ.get(BUILD_ENV):
        program = wait_for_build(Path(os.environ[BUILD_ENV]))
    elif importlib.util.find_spec("PyInstaller") is None:
        if required():
            pytest.fail(f"PyInstaller is not installed and {REQUIRED_ENV} or CI is set")
        pytest.skip("PyInstaller is not installed (pip install -e '.[build]')")
    else:
        program = build_here(tmp_path_factory.mktemp("bundle"))
    assert program.is_file(), f"the build made no {program}"
    return program


@pytest.fixture(params=["source", "bundle"])
def kiosk_command(request: pytest.FixtureRequest) -> list[str]:
    """The ``kiosk`` command as installed from source, and as the frozen tablet program."""
    if request.param == "source":
        return [sys.executable, "-m", "kiosk"]
    return [str(request.getfixturevalue("bundle"))]


def run(
    command: list[str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env
    )


def without_qt_platform() -> dict[str, str]:
    """The environment minus ``QT_QPA_PLATFORM``: the self-test must choose offscreen itself."""
    return {name: value for name, value in os.environ.items() if name != "QT_QPA_PLATFORM"}


@pytest.mark.slow
def test_the_version_is_the_package_version(kiosk_command: list[str]) -> None:
    result = run(kiosk_command, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["kiosk", __version__]


@pytest.mark.slow
def test_the_self_test_records_a_chained_rating_in_its_folder(
    kiosk_command: list[str], tmp_path: Path
) -> None:
    folder = tmp_path / "check"
    result = run(kiosk_command, "--self-test", str(folder), env=without_qt_platform())
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    database = folder / "demo" / "kiosk.db"
    assert line.startswith(f"kiosk {__version__} self-test passed: first frame ")
    assert f"saved as record 1 in {database}, chain intact; folder kept" in line
    with Store(database, read_only=True) as store:
        (rating,) = store.records()
        assert store.is_demo()  # never synced or exported
        assert store.head() == (1, rating.hash)
    assert (rating.kind, rating.score, rating.prev_hash) == (Kind.RATING, 5, GENESIS_HASH)
    assert verify_chain([rating.to_wire()]) is None
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_self_test_removes_its_temporary_folder(
    kiosk_command: list[str], tmp_path: Path
) -> None:
    env = {**without_qt_platform(), "TMPDIR": str(tmp_path), "TEMP": str(tmp_path)}
    result = run(kiosk_command, "--self-test", env=env)
    assert result.returncode == 0, result.stderr
    assert "folder removed" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_build_carries_its_licences(bundle: Path) -> None:
    """The program's own (GPL-3.0-or-later) and the fonts' (SIL OFL) travel with it."""
    folder = bundle.parent
    licence = next(folder.rglob("LICENSE"), None)
    assert licence is not None and "GNU GENERAL PUBLIC LICENSE" in licence.read_text()
    assert next(folder.rglob("OFL.txt"), None) is not None


def test_the_start_bench_times_the_build_beside_the_source(bundle: Path) -> None:
    """``bench/tablet_start.py`` keeps working (one round; its figures are not judged here)."""
    bench = Path(__file__).resolve().parents[1] / "bench" / "tablet_start.py"
    result = run([sys.executable, str(bench)], str(bundle), "--rounds", "1")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "bundle/source, medians:" in result.stdout
    assert "target: bundle first frame ≤" in result.stdout
