"""``kiosk-sync``: enroll a kiosk, sync it once or continuously, and show the sync status.

Meant for technicians and schedulers on the tablet itself; the app runs the same job in a
background thread. Messages are plain sentences; exit codes are listed in ``--help``.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from types import FrameType

import platformdirs

from common import __version__
from kiosk.keys import CredentialsError
from kiosk.storage import StorageError
from sync.client import AuthError, PermanentError, SyncError, TransientError
from sync.demo import DEMO_MESSAGE, DemoData
from sync.enrollment import enroll
from sync.job import NotEnrolled, SyncJob
from sync.lock import SyncBusy
from sync.status import read_status

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_NOT_ENROLLED = 3
EXIT_AUTH = 4
EXIT_TEMPORARY = 5
EXIT_REFUSED = 6
EXIT_LOCAL = 7

EXIT_CODES_HELP = f"""\
exit codes:
  {EXIT_OK}  done (also when another sync was already running: it does the work)
  {EXIT_INTERNAL}  unexpected internal error (see the log)
  {EXIT_USAGE}  wrong command-line usage
  {EXIT_NOT_ENROLLED}  not enrolled yet, or the enrollment code was refused
  {EXIT_AUTH}  the server refuses this kiosk (revoked or unknown): enroll it again
  {EXIT_TEMPORARY}  temporary problem (network, server busy or down): ratings are kept; retry
  {EXIT_REFUSED}  the server refused the request itself
  {EXIT_LOCAL}  local problem: database or key files unreadable, disk full, or the data of
     the demo kiosk (kiosk --demo), which is never synced

No rating is ever deleted because of a failed sync; pending ratings stay on the tablet.
"""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("ukukavshiri"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-sync",
        description="Send this kiosk's ratings to the municipal server and fetch its catalog.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="the kiosk's data directory (default: %(default)s)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="sync once and exit")
    mode.add_argument("--status", action="store_true", help="show the sync status and exit")
    mode.add_argument(
        "--enroll",
        nargs=2,
        metavar=("URL", "CODE"),
        help="enroll this kiosk with the server at URL using a one-time CODE",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="PATH",
        help="with --enroll: trust the server certificate issued by the CA(s) in PATH",
    )
    parser.add_argument(
        "--json", action="store_true", help="with --status: print the status as JSON"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, NotEnrolled):
        return EXIT_NOT_ENROLLED
    if isinstance(exc, DemoData):
        return EXIT_LOCAL
    if isinstance(exc, AuthError):
        return EXIT_AUTH
    if isinstance(exc, TransientError):
        return EXIT_TEMPORARY
    if isinstance(exc, PermanentError):
        if exc.code == "ca_bundle":
            return EXIT_USAGE
        return EXIT_NOT_ENROLLED if exc.code in _ENROLL_CODES else EXIT_REFUSED
    if isinstance(exc, StorageError | CredentialsError):
        return EXIT_LOCAL
    if isinstance(exc, SyncError):
        return EXIT_REFUSED
    return EXIT_INTERNAL


_ENROLL_CODES = {"code_invalid", "code_expired", "device_conflict", "malformed"}


def _say(text: str) -> None:
    print(f"kiosk-sync: {text}", file=sys.stderr)


def cmd_status(data_dir: Path, as_json: bool) -> int:
    status = read_status(data_dir)
    if as_json:
        print(json.dumps(asdict(status), indent=2, ensure_ascii=False))
    else:
        print(status.describe())
    return EXIT_OK


def cmd_enroll(data_dir: Path, url: str, code: str, ca_bundle: str | None) -> int:
    try:
        enrollment = enroll(data_dir, url, code, ca_bundle=ca_bundle)
    except ValueError as exc:
        _say(f"bad server address: {exc}")
        return EXIT_USAGE
    print(
        f"Enrolled as {enrollment.kiosk_name!r} (center {enrollment.center_id}) "
        f"at {enrollment.server_url}."
    )
    return EXIT_OK


def cmd_once(data_dir: Path) -> int:
    job = SyncJob(data_dir)
    try:
        report = job.run_once()
    finally:
        job.close()
    print(
        f"Synced: {report.stored} stored, {report.duplicates} already on the server, "
        f"{report.rejected} refused and set aside, in {report.batches} batches."
    )
    status = read_status(data_dir)
    print(f"Waiting to be sent: {status.pending_ratings} ratings ({status.pending_count} records)")
    return EXIT_OK


def cmd_forever(data_dir: Path) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    job = SyncJob(data_dir)
    ended = job.run_forever(stop)
    if ended == "demo":
        _say(DEMO_MESSAGE)
        return EXIT_LOCAL
    if ended == "auth":
        _say(read_status(data_dir).last_error or "the server refuses this kiosk")
        return EXIT_AUTH
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.ca_bundle and not args.enroll:
        parser.error("--ca-bundle goes with --enroll")
    if args.json and not args.status:
        parser.error("--json goes with --status")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    data_dir: Path = args.data_dir
    try:
        if args.status:
            return cmd_status(data_dir, args.json)
        if args.enroll:
            url, code = args.enroll
            return cmd_enroll(data_dir, url, code, args.ca_bundle)
        if args.once:
            return cmd_once(data_dir)
        return cmd_forever(data_dir)
    except SyncBusy:
        print("Another sync is running for this kiosk; nothing to do.")
        return EXIT_OK
    except (SyncError, StorageError, CredentialsError) as exc:
        _say(str(exc))
        return exit_code_for(exc)
    except KeyboardInterrupt:
        return EXIT_TEMPORARY


if __name__ == "__main__":
    sys.exit(main())
