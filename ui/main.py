"""Start the kiosk: read settings and catalog, open storage, show the window."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from common import __version__
from common.catalog import Catalog, CatalogError, demo_catalog, load_catalog
from common.heap import freeze_startup
from kiosk.database import DB_FILE, Opening
from kiosk.errors import StorageError
from kiosk.logs import setup_logging
from kiosk.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from ui.self_test import SelfTest

log = logging.getLogger("ui.main")

CATALOG_FILE = "catalog.json"
DEMO_FOLDER = "demo"
"""``kiosk --demo`` keeps its data in this folder inside the data folder, apart from a real
kiosk's ratings, and marks its database so that nothing in it is ever synced or exported."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Ukukavshiri citizens feedback kiosk."
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=(
            f"use the embedded demo catalog; nothing to configure; ratings are kept apart in "
            f"DATA_DIR/{DEMO_FOLDER} and never synced or exported"
        ),
    )
    parser.add_argument(
        "--windowed",
        action="store_true",
        help="run in a normal window (development); default is fullscreen",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help=(
            "where the database, settings and catalog live (default: the user's data folder, "
            "such as ~/.local/share/ukukavshiri)"
        ),
    )
    parser.add_argument("--catalog", type=Path, help="use this catalog file")
    parser.add_argument(
        "--theme", help="theme name (demo, seaside) or theme file; default: the one in the settings"
    )
    parser.add_argument(
        "--self-test",
        nargs="?",
        const="",
        metavar="DIR",
        help=(
            "start offscreen as the demo kiosk in DIR (new or empty; default: a temporary "
            "folder, removed afterwards), record one rating, read it back and exit: status 0 "
            "when all is well"
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_args(argv)


def data_folder(args: argparse.Namespace) -> Path:
    """Where this run keeps its files: the demo kiosk's own folder with ``--demo``."""
    folder: Path = args.data_dir if args.data_dir is not None else user_data_folder()
    return folder / DEMO_FOLDER if args.demo else folder


def user_data_folder() -> Path:
    """The user's data folder, when no ``--data-dir`` is given (a tablet set up as in
    docs/deploy.md gives one, and so starts without importing platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("ukukavshiri"))


def choose_catalog(args: argparse.Namespace) -> Catalog:
    if args.catalog:
        return load_catalog(args.catalog)
    saved = args.data_dir / CATALOG_FILE
    if not args.demo and saved.exists():
        return load_catalog(saved)
    if not args.demo:
        log.warning("no catalog in %s; showing the embedded demo catalog", args.data_dir)
    return demo_catalog()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    self_test: SelfTest | None = None
    if args.self_test is not None:
        from ui.self_test import SelfTest, SelfTestError

        try:
            self_test = SelfTest.prepare(args)
        except SelfTestError as exc:
            print(f"kiosk: {exc}", file=sys.stderr)
            return 2
    args.data_dir = data_folder(args)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(args.data_dir)
    from common.theme import ThemeError, load_theme
    from ui.lockdown import ScreensaverInhibitor

    try:
        catalog = choose_catalog(args)
        settings = load_settings(args.data_dir)
        theme = load_theme(args.theme or (settings or Settings()).theme)
    except (CatalogError, SettingsError, ThemeError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2

    # Checked and opened on a thread of its own while Qt and the screens load.
    opening = Opening(args.data_dir / DB_FILE, demo=args.demo)
    from PySide6.QtWidgets import QApplication

    from ui.app import show_kiosk
    from ui.fonts import FAMILIES, load_fonts
    from ui.kiosk_app import KioskApp

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Ukukavshiri")
    load_fonts()
    font = app.font()
    font.setFamilies(FAMILIES)
    app.setFont(font)
    try:
        kiosk = KioskApp(
            args.data_dir,
            catalog,
            settings,
            demo=args.demo,
            database=opening.result,
            after_start=freeze_startup,
        )
    except StorageError as exc:  # a damaged file is salvaged; this is what salvage cannot mend
        log.error("the kiosk cannot start: %s", exc)
        return 3
    log.info("kiosk %s started with data in %s", __version__, args.data_dir)
    if args.theme:
        kiosk.window.set_theme(theme)
    if kiosk.first_run and not args.demo:
        kiosk.show_wizard()
    inhibitor = ScreensaverInhibitor()
    kiosk.fullscreen = not args.windowed

    def after_first_frame() -> None:
        """Hiding the pointer (its shape is a Qt enum value, whose first use sets up Qt's
        namespace) and asking the desktop to keep the screen on (a D-Bus round trip)."""
        kiosk.apply_cursor()
        inhibitor.inhibit()

    watch_first_frame(app, kiosk.window, then=None if args.windowed else after_first_frame)
    show_kiosk(kiosk.window, args.windowed)
    code = self_test.run(kiosk) if self_test else app.exec()
    inhibitor.release()
    kiosk.close()
    return self_test.report(code) if self_test else code


def watch_first_frame(
    app: QApplication, window: QWidget, then: Callable[[], object] | None = None
) -> None:
    """Log how long the start took, once the window has shown something, then call ``then``
    (or exit there when a benchmark asks, ``UKUK_EXIT_AT_FIRST_FRAME``)."""
    from ui.first_frame import FirstFrame, exit_at_first_frame, process_age_s

    def shown(_at: float) -> None:
        age = process_age_s()
        if age is not None:
            log.info("first frame %.3f s after the process started", age)
        if exit_at_first_frame():
            print(f"first-frame {age if age is not None else -1:.4f}", flush=True)
            app.exit(0)  # quit() would ask the window, which a kiosk refuses to close
        elif then is not None:
            then()

    FirstFrame(window, shown)
