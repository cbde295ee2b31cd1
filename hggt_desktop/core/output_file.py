"""Where a command may write a file the person named: the one rule every export follows.

A command that writes a path given on its command line or in a save dialog (the HTML report, the
labels CSV, the training pack, an exported ONNX model) writes a new file, or replaces a file that is
recognisably its own earlier output of the same kind. Anything else (a label file, a checkpoint,
notes) may be precious and is refused with the path named, unless the person asked for
``--overwrite``, which replaces any file (never a folder).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

OVERWRITE_HINT = "or add --overwrite to replace it"


class OutputRefused(Exception):
    """A path a command will not write; ``path`` names it and the message says what to do."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class OutputKind:
    """One kind of output file: what it is called, an example name, and how to recognise one."""

    description: str  # "an HGGT labels CSV"
    example_name: str  # "labels.csv"
    recognise: Callable[[Path], bool]  # True when the file is an earlier output of this kind


def read_head(path: Path, size: int = 4096) -> bytes:
    """The first ``size`` bytes of ``path`` (b"" when it cannot be read), for recognisers."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def check_output_path(
    path: Path, kind: OutputKind, overwrite: bool = False, hint: str = OVERWRITE_HINT
) -> None:
    """Raise :class:`OutputRefused` unless ``path`` may be written as ``kind``.

    ``hint`` is the last clause of a refusal (how to force it); a dialog, which has no
    ``--overwrite``, passes its own.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputRefused(path, f"is a folder; give a file name such as {path / kind.example_name}")
    blocking = next((p for p in path.absolute().parents if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise OutputRefused(path, f"{blocking} is a file, not a folder; give another path")
    if not (path.exists() or path.is_symlink()) or overwrite:
        return
    if path.is_file() and kind.recognise(path):
        return
    more = f", {hint}" if hint else ""
    raise OutputRefused(
        path,
        f"exists and is not {kind.description}; not overwritten. Give another file name{more}",
    )
