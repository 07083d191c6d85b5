"""Only one sync per data directory, across threads and processes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sync.lock import DirLock, SyncBusy
from tests.sync.helpers import REPO_ROOT, dead_url, fake_enrollment, job, subprocess_env, sync_cli


def test_a_second_lock_on_the_same_directory_is_refused_until_released(data_dir):
    first = DirLock(data_dir)
    first.acquire()
    with pytest.raises(SyncBusy, match="another sync is running"):
        DirLock(data_dir).acquire()
    first.release()
    with DirLock(data_dir) as again:
        assert again.held
    assert not again.held


def test_locks_on_different_directories_do_not_interfere(tmp_path):
    with DirLock(tmp_path / "a"), DirLock(tmp_path / "b") as other:
        assert other.held


def test_run_once_refuses_while_another_sync_holds_the_lock(data_dir):
    fake_enrollment(data_dir, dead_url())
    with DirLock(data_dir), pytest.raises(SyncBusy):
        job(data_dir).run_once()


def test_a_second_sync_process_reports_and_exits_cleanly(data_dir):
    with DirLock(data_dir):
        busy = subprocess.run(
            sync_cli("--data-dir", str(data_dir), "--once"),
            cwd=REPO_ROOT,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert busy.returncode == 0, busy.stderr
    assert "Another sync is running" in busy.stdout
    assert "Traceback" not in busy.stderr
    # Without the lock the same command gets as far as noticing it is not enrolled.
    free = subprocess.run(
        sync_cli("--data-dir", str(data_dir), "--once"),
        cwd=REPO_ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert free.returncode == 3, free.stderr
    assert "not enrolled" in free.stderr


def test_a_killed_holder_leaves_no_stale_lock(data_dir):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from sync.lock import DirLock\n"
            "DirLock(sys.argv[1]).acquire()\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n",
            str(data_dir),
        ],
        cwd=REPO_ROOT,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(SyncBusy):
            DirLock(data_dir).acquire()
    finally:
        holder.kill()
        holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()
    with DirLock(data_dir) as lock:
        assert lock.held
