"""``kiosk-server demo-data``, then ``kiosk-server audit-export``, then ``python verify.py``: the
demo database passes its own audit, also after a run that was interrupted halfway."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import server.demo_data
from server.audit_export import write_audit_export
from server.cli import main
from server.db import kiosk_keys, make_engine
from server.demo_data import seed_demo
from tests.audit.conftest import run, verifier

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


def test_the_commands_one_after_the_other(
    tmp_path: Path,
    alone: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["demo-data", "--db", url, "--ratings", "300", "--seed", "11"]) == 0
    made = re.search(r"(\d) kiosks", capsys.readouterr().out)
    assert made is not None
    kiosks = int(made[1])
    archive = alone / "audit.zip"
    assert main(["audit-export", "--db", url, "--output", str(archive)]) == 0
    exported = capsys.readouterr().out
    assert f"{kiosks} devices" in exported and " 0 signed heads" not in exported

    result = run(archive, "--lang", "en", cwd=alone)
    assert result.returncode == 0, result.stdout
    assert result.stdout.rstrip().endswith("Result: no problem found.")
    assert "[warning]" not in result.stdout
    assert result.stdout.count("and every record lies under one") == kiosks


class Interrupted(Exception):
    """The injected fault: the run stops as if the process were killed."""


def test_a_run_interrupted_halfway_is_signed_when_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run stores the chunks of two kiosks, then stops; their keys are gone with it.
    The second run (a day later) enrolls the other kiosks again for new keys and signs their
    chunks; the audit finds no problem and no warning."""
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    real = server.demo_data.receive_records
    calls = 0

    def failing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 2:
            raise Interrupted
        return real(*args, **kwargs)

    try:
        main(["init-db", "--db", str(engine.url)])
        monkeypatch.setattr(server.demo_data, "receive_records", failing)
        with pytest.raises(Interrupted):
            seed_demo(engine, ratings=300, seed=5, year=2025, now=NOW)
        monkeypatch.setattr(server.demo_data, "receive_records", real)
        later = NOW + timedelta(days=1)
        summary = seed_demo(engine, ratings=300, seed=5, year=2025, now=later)
        assert summary.stored > 0 and summary.duplicate > 0 and summary.rejected == 0
        with engine.connect() as conn:
            reasons = conn.execute(
                select(kiosk_keys.c.reason, func.count()).group_by(kiosk_keys.c.reason)
            ).all()
        kiosks = len(summary.plan.kiosks)
        assert dict(reasons) == {"enrollment": kiosks, "reenrollment": kiosks - 2}
        path = tmp_path / "audit.zip"
        write_audit_export(engine, path)
    finally:
        engine.dispose()
    report = verifier().verify(path)
    assert report.exit_status == 0, verifier().render(report, "en")
    assert not [f for f in report.findings() if f.level == "warning"]
