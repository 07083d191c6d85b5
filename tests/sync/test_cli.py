"""``kiosk-sync`` as a technician meets it: help with exit codes, status, usage mistakes."""

from __future__ import annotations

import json
import subprocess

import pytest

from kiosk.storage import Store
from sync.cli import EXIT_AUTH, EXIT_LOCAL, EXIT_TEMPORARY, EXIT_USAGE, main
from sync.keys import KioskFiles
from tests.sync.helpers import (
    REPO_ROOT,
    dead_url,
    draft,
    enroll_new_kiosk,
    fake_enrollment,
    subprocess_env,
    sync_cli,
    tap,
)


def test_help_documents_every_exit_code():
    result = subprocess.run(
        sync_cli("--help"),
        cwd=REPO_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for code in range(8):
        assert f"\n  {code}  " in result.stdout
    for option in ("--data-dir", "--once", "--status", "--enroll", "--ca-bundle"):
        assert option in result.stdout


def test_status_of_a_new_kiosk_says_it_is_not_enrolled(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "--status"]) == 0
    assert "not enrolled" in capsys.readouterr().out


def test_status_as_json_counts_what_waits(data_dir, capsys):
    fake_enrollment(data_dir, dead_url())
    (rating,) = tap(data_dir, 1)
    tap(data_dir, 3)
    with Store(KioskFiles(data_dir).db_path) as store:
        store.append(draft(score=None, kind="comment", rating_uuid=rating, comment="ok"))
    assert main(["--data-dir", str(data_dir), "--status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["pending_count"] == 5
    assert status["pending_ratings"] == 4  # the comment belongs to a rating already counted
    assert status["state"] == "never"


def test_the_demo_kiosk_is_never_synced(data_dir, capsys):
    fake_enrollment(data_dir, dead_url())
    with Store(KioskFiles(data_dir).db_path) as store:
        store.mark_demo()
    assert main(["--data-dir", str(data_dir), "--once"]) == EXIT_LOCAL
    assert "demo" in capsys.readouterr().err
    assert main(["--data-dir", str(data_dir), "--status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "demo"


@pytest.mark.parametrize(
    "args",
    [
        ["--ca-bundle", "ca.pem"],
        ["--json"],
        ["--once", "--status"],
        ["--enroll", "only-url"],
    ],
)
def test_usage_mistakes_exit_2(data_dir, args, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--data-dir", str(data_dir), *args])
    assert caught.value.code == EXIT_USAGE
    assert "usage" in capsys.readouterr().err


def test_a_bad_server_address_is_a_usage_error(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "--enroll", "sync.example.ge", "AAAA-AAAA"]) == 2
    assert "bad server address" in capsys.readouterr().err


def test_unreachable_server_exits_temporary_and_keeps_everything(data_dir, capsys):
    fake_enrollment(data_dir, dead_url())
    tap(data_dir, 2)
    assert main(["--data-dir", str(data_dir), "--once"]) == EXIT_TEMPORARY
    assert "could not be reached" in capsys.readouterr().err
    main(["--data-dir", str(data_dir), "--status", "--json"])
    status = json.loads(capsys.readouterr().out)
    assert (status["state"], status["pending_count"]) == ("retrying", 2)


def test_revoked_kiosk_exits_with_the_auth_code(live_sqlite, data_dir, capsys):
    live, db = live_sqlite
    name, code = db.issue_code()
    assert main(["--data-dir", str(data_dir), "--enroll", live.url, code]) == 0
    live.cli("revoke-kiosk", name)
    assert main(["--data-dir", str(data_dir), "--once"]) == EXIT_AUTH
    assert "Enroll it again" in capsys.readouterr().err


def test_once_prints_what_it_did(live_sqlite, data_dir, capsys):
    live, db = live_sqlite
    enroll_new_kiosk(db, data_dir, live.url)
    tap(data_dir, 3)
    assert main(["--data-dir", str(data_dir), "--once"]) == 0
    out = capsys.readouterr().out
    assert "3 stored" in out
    assert "Waiting to be sent: 0" in out
