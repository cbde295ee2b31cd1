"""Where things live around an images folder: its labels, annotators, records and locks.

Released layouts open with no extra arguments:

- ``Train/images/0-20193`` -> ``Train/labels/0-20193/{A,B,C}``
- ``Test-100/images`` -> ``Test-100/labels``
- a regrouped package ``images<a>-<b>`` -> ``labels<a>-<b>``

Anything the project records besides the HGGT label files goes under ``<labels>/.hggt/`` so
that the annotator folders hold exactly what HGGT tools read.
"""

from __future__ import annotations

import os
from pathlib import Path

from hggt_desktop.core.labels import ORIGINAL_FOLDER

PROJECT_DIR = ".hggt"


class LayoutError(Exception):
    """A path is not an images folder, a dataset root or a released split."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: {reason}")


def resolve_images_dir(path: Path | str) -> Path:
    """The images folder for ``path``: itself, or the single images folder inside a dataset root.

    Accepts an images folder (has ``original/``), a folder holding ``images/`` (``Test-100``),
    or ``images/`` holding one split (``Train/images/0-20193``).
    """
    path = Path(path)
    if (path / ORIGINAL_FOLDER).is_dir():
        return path
    if not path.exists():
        raise LayoutError(path, "does not exist; check the path")
    candidates = [path / "images", path]
    for base in candidates:
        if (base / ORIGINAL_FOLDER).is_dir():
            return base
        if base.is_dir():
            inner = [p for p in sorted(base.iterdir()) if (p / ORIGINAL_FOLDER).is_dir()]
            if len(inner) == 1:
                return inner[0]
            if len(inner) > 1:
                names = ", ".join(p.name for p in inner)
                raise LayoutError(path, f"holds several image folders ({names}); name one of them")
    raise LayoutError(
        path, "is not an images folder: expected original/<stem>.png and 01/<stem>_01.png inside it"
    )


def find_labels_dir(images_dir: Path | str) -> Path:
    """The labels folder that belongs to ``images_dir`` (it may not exist yet).

    The nearest path component named ``images*`` is replaced by ``labels*``; an images folder
    with no such component keeps its labels inside itself, in ``labels/``.
    """
    images_dir = Path(images_dir).absolute()
    parts = images_dir.parts
    for index in range(len(parts) - 1, 0, -1):
        name = parts[index]
        if name.startswith("images"):
            return Path(*parts[:index], "labels" + name[len("images") :], *parts[index + 1 :])
    return images_dir / "labels"


def annotator_names(labels_dir: Path | str) -> list[str]:
    """Annotator folders in ``labels_dir`` (sorted; project folders starting with '.' skipped)."""
    labels_dir = Path(labels_dir)
    if not labels_dir.is_dir():
        return []
    with os.scandir(labels_dir) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith((".", "_")))


def record_owner_names(labels_dir: Path | str) -> list[str]:
    """Annotators with a records folder (``.hggt/records/<annotator>``), sorted.

    An annotator who flagged every set "can't judge" has records but no label file, and maybe no
    label folder at all: ``core/flags.py`` makes such an annotator a rater from these.
    """
    folder = Path(labels_dir) / PROJECT_DIR / "records"
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        return sorted(e.name for e in entries if e.is_dir() and not e.name.startswith((".", "_")))


def label_path(labels_dir: Path, annotator: str, stem: str) -> Path:
    return Path(labels_dir) / annotator / f"{stem}.json"


def records_dir(labels_dir: Path, annotator: str) -> Path:
    """Where the record beside an annotator's labels lives (order, timing, hashes ...)."""
    return Path(labels_dir) / PROJECT_DIR / "records" / annotator


def lock_path(labels_dir: Path, annotator: str) -> Path:
    return Path(labels_dir) / PROJECT_DIR / "locks" / f"{annotator}.lock"
