"""The systemd units in ``deploy/`` cannot rot silently: keys that keep a kiosk up are checked,
and every ``ExecStart`` must name an installed command with options its real parser accepts."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.server.live import REPO

DEPLOY = REPO / "deploy"
HOME = "/home/kiosk"
"""What systemd puts for ``%h`` in a user unit of the kiosk account."""


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    text = (DEPLOY / name).read_text(encoding="utf-8")
    parser.read_string(text, source=name)
    return parser


def command(parser: configparser.ConfigParser) -> list[str]:
    """ExecStart split like systemd does, with ``%h`` filled in."""
    return shlex.split(parser["Service"]["ExecStart"].replace("%h", HOME))


def scripts() -> dict[str, str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"]["scripts"]


def test_kiosk_unit_restarts_the_fullscreen_app_with_the_session() -> None:
    kiosk = unit("ukukavshiri-kiosk.service")
    service = kiosk["Service"]
    assert service["Restart"] == "always"
    assert service["RestartSec"] == "3"
    assert kiosk["Unit"]["StartLimitIntervalSec"] == "0"  # never stop restarting
    assert kiosk["Install"]["WantedBy"] == "graphical-session.target"
    assert "graphical-session.target" in kiosk["Unit"]["PartOf"]
    assert "DISPLAY" in kiosk["Unit"]["ConditionEnvironment"]  # never without a screen
    argv = command(kiosk)
    assert Path(argv[0]).name == "kiosk"
    assert "kiosk" in scripts()

    from ui.main import parse_args

    args = parse_args(argv[1:])
    assert not args.windowed  # fullscreen
    assert not args.demo
    assert args.data_dir == Path(HOME, ".local/share/ukukavshiri")


def test_sync_unit_and_timer_run_one_sync_on_the_same_data() -> None:
    sync = unit("ukukavshiri-sync.service")
    service = sync["Service"]
    assert service["Type"] == "oneshot"
    argv = command(sync)
    assert Path(argv[0]).name == "kiosk-sync"
    assert "kiosk-sync" in scripts()

    from sync.cli import EXIT_TEMPORARY, build_parser

    args = build_parser().parse_args(argv[1:])
    assert args.once
    kiosk_args = command(unit("ukukavshiri-kiosk.service"))
    assert args.data_dir == Path(kiosk_args[kiosk_args.index("--data-dir") + 1])
    assert service["SuccessExitStatus"].split() == [str(EXIT_TEMPORARY)]

    timer = unit("ukukavshiri-sync.timer")
    assert timer["Timer"]["Unit"] == "ukukavshiri-sync.service"
    assert (DEPLOY / timer["Timer"]["Unit"]).exists()
    assert timer["Timer"]["OnUnitActiveSec"]
    assert timer["Timer"]["OnBootSec"]
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_server_unit_serves_on_loopback_for_the_reverse_proxy() -> None:
    server = unit("ukukavshiri-server.service")
    service = server["Service"]
    assert service["User"] and service["User"] != "root"
    assert service["Restart"] in ("always", "on-failure")
    assert server["Install"]["WantedBy"] == "multi-user.target"
    argv = command(server)
    assert Path(argv[0]).name == "kiosk-server"
    assert "kiosk-server" in scripts()

    from server.cli import build_parser

    args = build_parser().parse_args(argv[1:])
    assert (args.command, args.host) == ("serve", "127.0.0.1")
    environment = dict(item.split("=", 1) for item in shlex.split(service["Environment"]))
    assert environment["UKUK_SERVER_DB"].startswith("sqlite:////var/lib/ukukavshiri/")
    assert service["StateDirectory"] == "ukukavshiri"


def test_docs_name_every_deploy_file() -> None:
    text = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    for path in DEPLOY.iterdir():
        assert f"deploy/{path.name}" in text, path.name
    for needle in ("systemctl --user enable --now", "loginctl enable-linger", "pg_dump"):
        assert needle in text


PROBLEM = re.compile(r"Unknown (key|section|lvalue)|Failed to parse|[Ii]nvalid|[Mm]issing '='")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_every_key(tmp_path: Path) -> None:
    """``systemd-analyze verify`` on copies whose commands exist here (only syntax matters)."""
    for path in DEPLOY.iterdir():
        text = re.sub(r"/opt/ukukavshiri/venv/bin/\S+", "/bin/true", path.read_text("utf-8"))
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    user_units = [str(tmp_path / p.name) for p in DEPLOY.iterdir() if "server" not in p.name]
    runs = [
        ["systemd-analyze", "--user", "verify", "--man=no", *sorted(user_units)],
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "ukukavshiri-server.service")],
    ]
    for argv in runs:
        result = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=60, check=False
        )
        problems = [line for line in result.stderr.splitlines() if PROBLEM.search(line)]
        assert problems == [], result.stderr
