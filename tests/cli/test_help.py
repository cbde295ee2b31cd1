"""Every --help teaches: each command and option described, defaults shown, no raw markup, and
no traceback when the reader of the output goes away ('... --help | head').

Regression (issue 14): 'hggt-data --help' showed raw ``hggt-data``; fit, annotate and review
had no description; --precision and --provider had no help; 'hggt-data agreement ... | head'
ended in a BrokenPipeError traceback.
"""

import argparse
import subprocess
import sys

import pytest

from enhance.cli import main as enhance_main
from hggt_desktop.cli.data import main as data_main
from hggt_desktop.gui.app import build_parser as desktop_parser
from train.cli import main as train_main


class _Captured(Exception):
    pass


def _parser_of(main, argv, monkeypatch) -> argparse.ArgumentParser:
    """The parser a command's main builds, caught as it is about to parse."""

    def capture(self, args=None, namespace=None):
        raise _Captured(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(_Captured) as caught:
        main(argv)
    monkeypatch.undo()
    return caught.value.args[0]


def _all_parsers(parser: argparse.ArgumentParser, name: str):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                yield from _all_parsers(sub, f"{name} {command}")


def _tools(monkeypatch):
    yield from _all_parsers(_parser_of(data_main, [], monkeypatch), "hggt-data")
    yield from _all_parsers(_parser_of(train_main, [], monkeypatch), "hggt-train")
    yield from _all_parsers(_parser_of(enhance_main, [], monkeypatch), "hggt-enhance")
    yield from _all_parsers(_parser_of(enhance_main, ["export"], monkeypatch), "hggt-enhance export")
    yield from _all_parsers(_parser_of(enhance_main, ["preview"], monkeypatch), "hggt-enhance preview")
    yield from _all_parsers(desktop_parser(), "hggt-desktop")


def test_every_command_and_option_is_described_with_its_default(monkeypatch):
    seen = []
    for name, parser in _tools(monkeypatch):
        seen.append(name)
        text = parser.format_help()
        assert "``" not in text, f"{name}: raw markup in the help"
        assert parser.description, f"{name}: no description"
        for action in parser._actions:
            if isinstance(
                action, (argparse._HelpAction, argparse._SubParsersAction, argparse._VersionAction)
            ):
                continue
            label = "/".join(action.option_strings) or action.dest
            assert action.help, f"{name} {label}: no help"
            shown = parser._get_formatter()._expand_help(action) if action.help else ""
            if action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
                assert "default" in shown.lower(), (
                    f"{name} {label}: the default {action.default!r} is not shown"
                )
    for expected in ("hggt-data select", "hggt-train fit", "hggt-desktop annotate", "hggt-desktop review"):
        assert expected in seen


@pytest.mark.parametrize(
    "command",
    [
        ["hggt_desktop.cli.data", "--help"],
        ["hggt_desktop.cli.data", "agreement", "resources/demo"],
        ["train.cli", "fit", "--list-settings"],
        ["enhance.cli", "--help"],
    ],
)
def test_a_closed_pipe_ends_the_command_quietly(command):
    process = subprocess.Popen(
        [sys.executable, "-m", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # the reader is gone before anything is written, as with '| head -0'
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert b"Traceback" not in err and b"BrokenPipeError" not in err
