"""``kiosk-server``: set up the database, run the API, and manage centers, kiosks and catalogs.

Every command takes ``--db URL`` (default: ``$UKUK_SERVER_DB`` or
``sqlite:///ukukavshiri-server.db``). Mistakes print one plain ``error:`` line and exit 1;
``import`` exits 2 for a file that cannot be read or is damaged.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from common import __version__
from common.heap import freeze_startup
from server.db import (
    DEFAULT_DB_URL,
    ENV_DB_URL,
    DatabaseError,
    check_schema,
    make_engine,
    migrate,
)
from server.enrollment import (
    DEFAULT_CODE_LIFETIME,
    FAILURE_WINDOW,
    MAX_FAILURES,
    AdminError,
    IssuedCode,
    RateLimit,
)
from server.migrations.legacy import BASELINE

if TYPE_CHECKING:
    from fastapi import FastAPI

    from server.results.periods import Period
    from server.web.site import Site

log = logging.getLogger("server.cli")


class CliError(Exception):
    """A user mistake or an unusable environment, reported without a traceback."""


def _positive_port(text: str) -> int:
    value = int(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError("a port is 1-65535")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _seconds(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("seconds must not be negative")
    return value


def _moment(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "use an ISO 8601 time, e.g. 2025-03-01T12:00:00Z"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _period(text: str) -> Period:
    from server.results.periods import Period

    try:
        return Period.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=os.environ.get(ENV_DB_URL) or DEFAULT_DB_URL,
        metavar="URL",
        help=f"database URL (default: ${ENV_DB_URL} or {DEFAULT_DB_URL}); "
        "PostgreSQL as postgresql+psycopg://user:password@host/dbname",
    )
    parser = argparse.ArgumentParser(
        prog="kiosk-server", description="Ukukavshiri reference municipal server."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "init-db", parents=[common], help="create the database schema or migrate it"
    )

    serve = commands.add_parser("serve", parents=[common], help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_positive_port, default=8080, help="port to listen on")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--workers", type=_positive_int, default=1, metavar="N",
        help="server processes sharing the port (default 1); see docs/deploy.md",
    )  # fmt: skip
    serve.add_argument(
        "--enroll-max-failures", type=_positive_int, default=MAX_FAILURES, metavar="N",
        help=f"wrong enrollment codes allowed per address in the window (default {MAX_FAILURES})",
    )  # fmt: skip
    serve.add_argument(
        "--enroll-window", type=_positive_int, default=int(FAILURE_WINDOW.total_seconds()),
        metavar="SECONDS", help="the window for --enroll-max-failures (default 600)",
    )  # fmt: skip
    serve.add_argument(
        "--theme", default="demo", metavar="NAME|PATH",
        help="the kiosks' theme file the web pages wear (default: demo)",
    )  # fmt: skip
    serve.add_argument(
        "--staff-min-n", type=_positive_int, default=5, metavar="N",
        help="staff pages show no percentages for fewer ratings than this (default 5)",
    )  # fmt: skip
    serve.add_argument(
        "--public-min-n", type=_positive_int, default=10, metavar="N",
        help="the public page publishes no cell with fewer ratings than this (default 10)",
    )  # fmt: skip
    serve.add_argument(
        "--publish-after-days", type=_non_negative_int, default=14, metavar="DAYS",
        help="publish a closed year or quarter this many days after it ends (default 14)",
    )  # fmt: skip
    serve.add_argument(
        "--insecure-cookies", action="store_true",
        help="session cookies without Secure, for trying the pages over plain HTTP locally",
    )  # fmt: skip

    center = commands.add_parser("add-center", parents=[common], help="add a service center")
    center.add_argument("id", metavar="ID", help="short id, e.g. tbilisi-vake")
    center.add_argument("--name-ka", required=True, help="name in Georgian")
    center.add_argument("--name-en", required=True, help="name in English")

    lifetime = int(DEFAULT_CODE_LIFETIME.total_seconds())
    add = commands.add_parser(
        "add-kiosk", parents=[common], help="add kiosks and print their one-time enrollment codes"
    )
    add.add_argument("names", metavar="NAME", nargs="+", help="one or more kiosk names")
    add.add_argument("--center", required=True, metavar="ID")
    add.add_argument(
        "--expires-in", type=_seconds, default=lifetime, metavar="SECONDS",
        help=f"how long the code stays valid (default {lifetime})",
    )  # fmt: skip

    reenroll = commands.add_parser(
        "reenroll-kiosk", parents=[common],
        help="new enrollment code for an existing kiosk (its key is replaced on use)",
    )  # fmt: skip
    reenroll.add_argument("name", metavar="NAME")
    reenroll.add_argument("--expires-in", type=_seconds, default=lifetime, metavar="SECONDS")

    revoke = commands.add_parser(
        "revoke-kiosk", parents=[common], help="refuse all further requests of a kiosk"
    )
    revoke.add_argument("name", metavar="NAME")

    forget = commands.add_parser(
        "forget-offline-key", parents=[common],
        help="let the device of an offline entry enroll with a new key (its tablet was reset)",
    )  # fmt: skip
    forget.add_argument("name", metavar="NAME")

    add_user = commands.add_parser(
        "add-user", parents=[common], help="add a staff account for the web pages"
    )
    add_user.add_argument("name", metavar="NAME", help="what they type to sign in")
    add_user.add_argument("--role", required=True, choices=["analyst", "admin"])
    add_user.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of stdin instead of asking twice",
    )  # fmt: skip
    set_pw = commands.add_parser(
        "set-password", parents=[common],
        help="give a staff account a new password (its sessions end)",
    )  # fmt: skip
    set_pw.add_argument("name", metavar="NAME")
    set_pw.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of stdin instead of asking twice",
    )  # fmt: skip
    disable = commands.add_parser(
        "disable-user", parents=[common],
        help="refuse further sign-ins of a staff account and end its sessions",
    )  # fmt: skip
    disable.add_argument("name", metavar="NAME")

    catalog = commands.add_parser(
        "load-catalog", parents=[common], help="store a catalog JSON for a center or as default"
    )
    catalog.add_argument("file", metavar="FILE", type=Path)
    catalog.add_argument(
        "--center", metavar="ID", help="the center it is for (default: every center without one)"
    )

    listing = commands.add_parser(
        "kiosks", parents=[common], help="list kiosks with their state and warning flags"
    )
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.add_argument(
        "--as-of", type=_moment, metavar="TIME", help="judge the flags as of this time (UTC)"
    )

    imp = commands.add_parser(
        "import", parents=[common],
        help="store the records of export files carried from kiosks without network",
    )  # fmt: skip
    imp.add_argument("files", metavar="FILE", nargs="+", type=Path, help="ukukavshiri-*.json")
    imp.add_argument(
        "--center", metavar="ID",
        help="center for a device this server does not know yet (default: the file's center)",
    )  # fmt: skip

    export = commands.add_parser("export", parents=[common], help="export all ratings as CSV")
    export.add_argument(
        "--output", type=Path, metavar="FILE", help="write here (UTF-8 with BOM) instead of stdout"
    )

    audit = commands.add_parser(
        "audit-export", parents=[common],
        help="a ZIP with which anyone can check the records and published results (docs/audit.md)",
    )  # fmt: skip
    audit.add_argument("--output", type=Path, metavar="FILE", required=True)
    audit.add_argument(
        "--period", type=_period, metavar="PERIOD",
        help="YYYY, YYYY-Qn or YYYY-MM, by the ratings' local month (default: every period)",
    )  # fmt: skip

    demo = commands.add_parser(
        "demo-data", parents=[common],
        help="fill the database with a realistic demo year of ratings, to try the pages",
    )  # fmt: skip
    demo.add_argument(
        "--ratings", type=_positive_int, default=20000, metavar="N",
        help="about how many ratings to make (default 20000)",
    )  # fmt: skip
    demo.add_argument(
        "--seed", type=int, default=7, metavar="N",
        help="the same seed makes the same kiosks and records (default 7)",
    )  # fmt: skip
    demo.add_argument(
        "--year", type=int, metavar="YYYY",
        help="the year to fill, then the months after it up to yesterday "
        "(default: the previous calendar year, so its periods are closed)",
    )  # fmt: skip
    return parser


_ENGINES: list[Engine] = []


def _engine(url: str, *, migrated: bool = True) -> Engine:
    engine = make_engine(url)
    _ENGINES.append(engine)
    if migrated:
        check_schema(engine)
    return engine


def _print_code(issued: IssuedCode, action: str) -> None:
    print(f"Kiosk {issued.kiosk_name!r} {action} (center {issued.center_id}).")
    print(f"Enrollment code: {issued.code}")
    print(
        f"Valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC, once. Type it on the kiosk's "
        "enrollment screen."
    )


def _cmd_init_db(args: argparse.Namespace) -> None:
    done = migrate(_engine(args.db, migrated=False))
    if done.adopted_from is not None:
        print(
            f"Database from before Alembic (old schema version {done.adopted_from}) adopted at "
            f"revision {BASELINE}."
        )
    if done.applied:
        print(f"Database ready at schema revision {done.head} (applied {', '.join(done.applied)}).")
    else:
        print(f"Database already at schema revision {done.head}.")


SERVE_ENV = "UKUK_SERVE_OPTIONS"
"""How ``serve`` hands its options to the app factory in every worker process (JSON)."""
APP_FACTORY = "server.cli:app_from_environment"


def _serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """What a worker needs to build the same app as the command line asked for."""
    return {
        "db": args.db,
        "log_level": args.log_level,
        "theme": args.theme,
        "enroll_max_failures": args.enroll_max_failures,
        "enroll_window": args.enroll_window,
        "staff_min_n": args.staff_min_n,
        "public_min_n": args.public_min_n,
        "publish_after_days": args.publish_after_days,
        "secure_cookies": not args.insecure_cookies,
    }


def _make_site(engine: Engine, options: dict[str, Any]) -> Site:
    from common.theme import ThemeError
    from server.web.site import ResultsSettings, Site

    settings = ResultsSettings(
        staff_min_n=options["staff_min_n"],
        public_min_n=options["public_min_n"],
        publish_after_days=options["publish_after_days"],
        secure_cookies=options["secure_cookies"],
    )
    try:
        return Site.make(engine, options["theme"], settings)
    except ThemeError as exc:
        raise CliError(str(exc)) from None


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def app_from_environment() -> FastAPI:
    """The app of one server process, from the options ``serve`` left in ``$UKUK_SERVE_OPTIONS``.

    uvicorn starts each worker as a new process that imports the app by name, so the options
    travel in the environment (which the workers inherit) rather than as Python objects.
    """
    from server.app import create_app

    options = json.loads(os.environ[SERVE_ENV])
    _configure_logging(options["log_level"])
    engine = make_engine(options["db"])
    limit = RateLimit(options["enroll_max_failures"], timedelta(seconds=options["enroll_window"]))
    app = create_app(engine, limit, _make_site(engine, options))
    freeze_startup()  # the app stays for the process's life: no collection walks it again
    return app


def _cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    options = _serve_options(args)
    # Refuse a bad database or theme here, with one error line, before any worker starts.
    checked = _engine(args.db)
    _make_site(checked, options)
    checked.dispose()
    _configure_logging(args.log_level)
    os.environ[SERVE_ENV] = json.dumps(options)
    settings: dict[str, Any] = {
        "factory": True, "host": args.host, "port": args.port, "workers": args.workers,
        "log_level": args.log_level,
    }  # fmt: skip
    if args.workers > 1:
        from server.listening import run_workers

        run_workers(APP_FACTORY, **settings)
    else:
        uvicorn.run(APP_FACTORY, **settings)


def _cmd_add_center(args: argparse.Namespace) -> None:
    from server.enrollment import add_center

    add_center(_engine(args.db), args.id, args.name_ka, args.name_en)
    print(f"Center {args.id!r} added.")


def _cmd_add_kiosk(args: argparse.Namespace) -> None:
    from server.enrollment import add_kiosks

    lifetime = timedelta(seconds=args.expires_in)
    for issued in add_kiosks(_engine(args.db), args.names, args.center, lifetime):
        _print_code(issued, "added")


def _cmd_reenroll(args: argparse.Namespace) -> None:
    from server.enrollment import reenroll_kiosk

    issued = reenroll_kiosk(_engine(args.db), args.name, timedelta(seconds=args.expires_in))
    _print_code(issued, "can be enrolled again")


def _cmd_revoke(args: argparse.Namespace) -> None:
    from server.enrollment import revoke_kiosk

    revoke_kiosk(_engine(args.db), args.name)
    print(f"Kiosk {args.name!r} revoked; its requests are refused from now on.")


def _cmd_forget_offline_key(args: argparse.Namespace) -> None:
    from server.enrollment import forget_offline_key

    forget_offline_key(_engine(args.db), args.name)
    print(
        f"Offline kiosk {args.name!r} no longer holds its export key: its device may enroll "
        "with a new key, and its next export file sets the key again."
    )


def _read_password(from_stdin: bool) -> str:
    """The new password: stdin's first line (for scripts), or typed twice without echo."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("no password on stdin")
        return password
    import getpass

    try:
        password = getpass.getpass("Password (at least 12 characters): ")
        again = getpass.getpass("The same password again: ")
    except EOFError:
        raise CliError("no password given; use --password-stdin in scripts") from None
    if password != again:
        raise CliError("the two passwords are not the same")
    return password


def _cmd_add_user(args: argparse.Namespace) -> None:
    from server.web.auth import add_user, check_name, check_password

    check_name(args.name)
    engine = _engine(args.db)  # before the prompt: a wrong --db fails at once
    password = _read_password(args.password_stdin)
    check_password(password)
    add_user(engine, args.name, args.role, password)
    print(f"User {args.name!r} added as {args.role}.")


def _cmd_set_password(args: argparse.Namespace) -> None:
    from server.web.auth import check_password, set_password

    engine = _engine(args.db)
    password = _read_password(args.password_stdin)
    check_password(password)
    set_password(engine, args.name, password)
    print(f"Password of {args.name!r} set; their sessions ended.")


def _cmd_disable_user(args: argparse.Namespace) -> None:
    from server.web.auth import disable_user

    disable_user(_engine(args.db), args.name)
    print(f"User {args.name!r} disabled; their sessions ended.")


def _cmd_load_catalog(args: argparse.Namespace) -> None:
    from server.catalogs import store_catalog

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    catalog = store_catalog(_engine(args.db), data, args.center)
    scope = f"center {args.center!r}" if args.center else "every center without its own"
    print(f"Catalog version {catalog.version or '(none)'} loaded for {scope}.")


def _format_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"


def _cmd_kiosks(args: argparse.Namespace) -> None:
    from server.kiosks import list_kiosks

    rows = list_kiosks(_engine(args.db), args.as_of)
    if args.json:
        print(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
        return
    table = [["NAME", "CENTER", "DEVICE ID", "STATUS", "LAST SEEN (UTC)", "PENDING", "FLAGS"]]
    for row in rows:
        table.append(
            [
                row.name,
                row.center_id,
                row.device_id or "-",
                row.status,
                _format_time(row.last_seen_at),
                "-" if row.pending_count is None else str(row.pending_count),
                ",".join(row.flags) or "-",
            ]
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    if not rows:
        print("(no kiosks yet; add one with add-kiosk)")


def _cmd_import(args: argparse.Namespace) -> int:
    """One summary line per file; 2 when a file was unreadable, damaged, unsigned or not signed
    with its device's key, 1 when the server could not take one (e.g. unknown center), else 0,
    even when records were rejected."""
    from common.export_format import ExportError
    from server.imports import import_file

    engine = _engine(args.db)
    status = 0
    for path in args.files:
        try:
            print(import_file(engine, path, args.center).line(), flush=True)
        except ExportError as exc:
            print(f"error: {exc}; nothing was stored from it", file=sys.stderr, flush=True)
            status = 2
        except AdminError as exc:
            print(f"error: {path}: {exc}", file=sys.stderr, flush=True)
            status = max(status, 1)
    return status


def _cmd_export(args: argparse.Namespace) -> None:
    from server.export import write_csv

    engine = _engine(args.db)
    if args.output is None:
        write_csv(engine, sys.stdout)
        return
    try:
        with args.output.open("w", encoding="utf-8-sig", newline="") as out:
            count = write_csv(engine, out)
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"{count} ratings written to {args.output}.", file=sys.stderr)


def _cmd_audit_export(args: argparse.Namespace) -> None:
    from server.audit_export import AuditExportError, write_audit_export

    try:
        print(write_audit_export(_engine(args.db), args.output, args.period).line())
    except AuditExportError as exc:
        raise CliError(str(exc)) from None


def _cmd_demo_data(args: argparse.Namespace) -> None:
    """Migrates the database first, so one command gives a newcomer something to look at."""
    from server.demo_data import seed_demo

    engine = _engine(args.db, migrated=False)
    migrate(engine)
    print(seed_demo(engine, ratings=args.ratings, seed=args.seed, year=args.year).line())


COMMANDS: dict[str, Callable[[argparse.Namespace], int | None]] = {
    "init-db": _cmd_init_db,
    "serve": _cmd_serve,
    "add-center": _cmd_add_center,
    "add-kiosk": _cmd_add_kiosk,
    "reenroll-kiosk": _cmd_reenroll,
    "revoke-kiosk": _cmd_revoke,
    "forget-offline-key": _cmd_forget_offline_key,
    "add-user": _cmd_add_user,
    "set-password": _cmd_set_password,
    "disable-user": _cmd_disable_user,
    "load-catalog": _cmd_load_catalog,
    "kiosks": _cmd_kiosks,
    "import": _cmd_import,
    "export": _cmd_export,
    "audit-export": _cmd_audit_export,
    "demo-data": _cmd_demo_data,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = COMMANDS[args.command](args)
    except (CliError, AdminError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        original = getattr(exc, "orig", None) or exc
        print(f"error: database failure: {str(original).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        for engine in _ENGINES:
            engine.dispose()
        _ENGINES.clear()
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
