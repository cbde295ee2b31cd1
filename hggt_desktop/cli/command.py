"""The ``main`` every command-line tool shares: parser with ``-v``, logging, Ctrl-C as exit 130.

``hggt-data`` and ``hggt-train`` build their subcommands on :func:`command_parser` and hand the
parser and a dispatch function to :func:`run_command`. Standard library only: it is imported
to print the help.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class HelpFormatter(argparse.HelpFormatter):
    """Help that shows every option's default: "(default: X)" is added to an option's help
    unless the help already says it; a trailing "(X)" naming the default becomes "(default: X)"."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings
            or default in (None, False, argparse.SUPPRESS, [], ())
            or "default" in text.lower()
            or "%(default)" in text
        ):
            return text
        shown = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else str(default)
        if text.endswith(f"({shown})"):
            return text[: -len(f"({shown})")] + "(default: %(default)s)"
        return f"{text} (default: %(default)s)"


class RawDescriptionHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """:class:`HelpFormatter` that keeps the description's and epilog's own line breaks."""


def command_parser(prog: str, description: str) -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    """A parser with ``-v/--verbose`` and an empty set of subcommands (``args.command``)."""
    parser = argparse.ArgumentParser(prog=prog, description=description, formatter_class=HelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log details (default: off)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser, sub


def run_command(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    dispatch: Callable[[argparse.Namespace], int],
    quiet_level: int = logging.WARNING,
) -> int:
    """Parse ``argv``, set up logging and run ``dispatch``; the exit status of the tool."""
    from hggt_desktop.core.closed_pipe import run_until_pipe_closes

    return run_until_pipe_closes(lambda: _run(parser, argv, dispatch, quiet_level))


def _run(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    dispatch: Callable[[argparse.Namespace], int],
    quiet_level: int,
) -> int:
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(level=logging.DEBUG if args.verbose else quiet_level, format="%(message)s")
    # Our messages name a damaged image and what to do; OpenCV's own "[ WARN ...]" line for the
    # same file only repeats it less clearly.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    try:
        return int(dispatch(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
