"""``hggt-desktop``: the annotator app's entry point (annotate, demo, review, smoke test).

hggt-desktop                                   start screen (folder + annotator id)
hggt-desktop annotate PATH [--annotator ID]    label an images folder or a work package
hggt-desktop --demo                            label a copy of the bundled demo set
hggt-desktop review PATH                       the curator's app
hggt-desktop --smoke [--screenshot FILE]       open the demo at 1:1, save a screenshot, exit
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from hggt_desktop.version import __version__

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hggt-desktop",
        description="Offline HGGT annotation and curation. Without a command: the start screen, "
        "which opens a folder or the demo.",
    )
    parser.add_argument("--version", action="version", version=f"hggt-desktop {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="label a copy of the bundled demo set (default: off)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="open the demo at 1:1, save a screenshot, exit 0 (a check of the install; default: off)",
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        help="where --smoke saves its screenshot, a PNG (default: hggt-smoke.png in the temp folder)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    text = "label an images folder, released split or work package"
    annotate = commands.add_parser(
        "annotate",
        help=text,
        description=f"The annotator's app: {text}, one set at a time, blind and shuffled; every "
        "label is saved as it is given. Keys and flow: docs/annotator.md.",
    )
    annotate.add_argument("path", type=Path, help="images folder, released split, or work package folder")
    annotate.add_argument("--annotator", help="your annotator id (default: the work package's annotator)")
    annotate.add_argument(
        "--no-instructions", action="store_true", help="skip the instructions page (default: shown)"
    )
    annotate.add_argument(
        "--break-minutes",
        type=float,
        default=30.0,
        help="minutes of work between break reminders, 0 for none (default: 30)",
    )
    text = "the curator's app: agreement, disagreements, export"
    review = commands.add_parser(
        "review",
        help=text,
        description="The curator's app for a labelled dataset: agreement between annotators, a "
        "queue of disagreements to adjudicate, reports and exports. Guide: docs/curator.md.",
    )
    review.add_argument("path", type=Path, help="dataset folder (images and labels)")
    return parser


def install_network_guard() -> None:
    """Make any network access a loud error, where this build has the guard."""
    try:
        from hggt_desktop.offline import install_network_guard as install
    except ImportError:
        return
    install()


def run_review(path: Path) -> int:
    try:
        from hggt_desktop.gui.curator.window import run_review as run
    except ImportError as exc:
        print(
            f"hggt-desktop review: the curator app is not available in this installation ({exc}).",
            file=sys.stderr,
        )
        return 2
    return int(run(path))


def _interactive() -> bool:
    return os.environ.get("QT_QPA_PLATFORM", "") not in ("offscreen", "minimal")


def run_annotator(args: argparse.Namespace) -> int:
    """Open the window on the start screen, the demo, or the given path."""
    from PySide6.QtWidgets import QMessageBox

    from hggt_desktop.gui.application import close_on_signals, make_application
    from hggt_desktop.gui.main_window import OPEN_ERRORS, MainWindow

    app = make_application()
    window = MainWindow(break_interval_min=getattr(args, "break_minutes", 30.0))
    close_on_signals(window)  # before the labels are locked: a signal always saves and unlocks
    try:
        if args.command == "annotate":
            window.open_work(args.path, args.annotator, instructions=False if args.no_instructions else None)
        elif args.demo:
            window.open_demo_work()
    except OPEN_ERRORS as exc:
        print(f"hggt-desktop: {exc}", file=sys.stderr)
        if args.command == "annotate" and _interactive():
            QMessageBox.critical(None, "HGGT annotator", str(exc))
        return 2
    window.place_on_screen()
    return int(app.exec())


def main(argv: list[str] | None = None) -> int:
    """Console entry point."""
    install_network_guard()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from hggt_desktop.core.closed_pipe import run_until_pipe_closes

    # Only the help can meet a closed pipe ('hggt-desktop --help | head'); the app writes no output.
    args = None

    def parse() -> int:
        nonlocal args
        args = build_parser().parse_args(argv)
        return 0

    run_until_pipe_closes(parse)
    if args is None:
        return 0
    if args.command == "review":
        return run_review(args.path)
    if args.smoke:
        from hggt_desktop.gui.smoke import run_smoke

        default = Path(tempfile.gettempdir()) / "hggt-smoke.png"
        return run_smoke(args.screenshot or default)
    return run_annotator(args)


if __name__ == "__main__":
    sys.exit(main())
