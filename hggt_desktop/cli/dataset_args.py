"""The PATH and --labels arguments shared by the commands that read a labelled dataset.

One place turns a bad path into a one-line message, so every command answers the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hggt_desktop.core.dataset import Dataset


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="images folder, dataset root or released split")
    parser.add_argument("--labels", type=Path, help="labels folder (found beside the images if omitted)")


def labels_dir_problem(labels: Path | None) -> str | None:
    """Why a --labels given by hand is unusable (None when it is fine or not given)."""
    if labels is None or labels.is_dir():
        return None
    if labels.exists():
        return f"--labels {labels}: is a file; give the folder that holds <annotator>/<stem>.json"
    return f"--labels {labels}: does not exist; give the folder that holds <annotator>/<stem>.json"


def open_dataset(command: str, args: argparse.Namespace, verify_images: bool = False) -> Dataset | None:
    """Load ``args.path`` with ``args.labels``; on a bad path print why and return None (exit 2)."""
    from hggt_desktop.core.dataset import load_dataset
    from hggt_desktop.core.layout import LayoutError
    from hggt_desktop.core.sets import SetLayoutError

    problem = labels_dir_problem(args.labels)
    if problem:
        print(f"hggt-data {command}: {problem}", file=sys.stderr)
        return None
    try:
        return load_dataset(args.path, args.labels, verify_images=verify_images)
    except (LayoutError, SetLayoutError, OSError) as exc:
        print(f"hggt-data {command}: {exc}", file=sys.stderr)
        return None
