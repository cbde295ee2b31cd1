"""hggt-data: the command-line data tools of the HGGT workflow.

Each subcommand lives in its own module with ``add_arguments(parser)`` and ``run(args) -> int``.
The registry is explicit (no scanning). Every command module is imported to build the help, so
a command module imports only the standard library at its top and does the heavy imports
(numpy, h5py, scipy, ...) inside ``run``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from hggt_desktop.cli.command import HelpFormatter, command_parser, run_command

# command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("hggt_desktop.cli.check", "validate an images folder and its labels"),
    "export-labels": ("hggt_desktop.cli.export_labels", "write every label to a CSV"),
    "agreement": ("hggt_desktop.cli.agreement", "inter-rater agreement coefficients"),
    "report": ("hggt_desktop.cli.report", "a self-contained HTML report of the labels"),
    "select": ("hggt_desktop.cli.select", "HGGT patch selection from full-size enhanced images"),
    "package": ("hggt_desktop.cli.package", "work packages for annotators"),
    "merge": ("hggt_desktop.cli.merge", "merge returned packages into a dataset"),
    "blockiness": ("hggt_desktop.cli.blockiness", "JPEG blockiness screening of source images"),
    "pack": ("hggt_desktop.cli.pack", "write or check the HDF5 training pack"),
    "exclude": (
        "hggt_desktop.cli.exclude",
        "leave a rater out of consensus, packs and agreement (or --undo)",
    ),
    # The screening commands live in their own package: --segmenter sam loads ONNX Runtime,
    # which the desktop app and its bundle never import.
    "diversity": ("screening.diversity_cli", "object diversity R(x) of source images"),
    "screen": ("screening.screen_cli", "DiverSeg screening of a photo source: B, R, Q and a kept list"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser, sub = command_parser(
        "hggt-data",
        "The data tools of the HGGT workflow: screen, select, package, merge, check, measure "
        "agreement, report, export and pack. 'hggt-data COMMAND --help' describes each.",
    )
    available: dict[str, object] = {}
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a command not built yet
        available[name] = module
        subparser = sub.add_parser(name, help=help_text, description=help_text, formatter_class=HelpFormatter)
        module.add_arguments(subparser)  # type: ignore[attr-defined]
    return run_command(parser, argv, lambda args: available[args.command].run(args))  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
