"""Curator review after selection: list the sets whose versions barely differ, and drop them.

The HGGT authors removed such sets by hand. The score in ``crop_area_info.txt`` is the largest
mean difference between the original and a version, so the lowest scores come first. Dropping
moves a set's files to ``OUT_DIR/.dropped/`` (nothing is deleted) and notes it in
``.dropped/dropped.txt``; ``crop_area_info.txt`` stays the record of what selection chose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hggt_desktop.core.labels import ORIGINAL_FOLDER
from hggt_desktop.core.sets import find_sets
from hggt_desktop.tools.selection_job import INFO_FILE

DROPPED_DIR = ".dropped"


class ReviewError(Exception):
    """The folder holds no selection to review, or a set to drop does not exist."""


@dataclass(frozen=True)
class ScoredSet:
    stem: str
    score: float
    number: int


def read_crop_info(out_dir: Path) -> list[ScoredSet]:
    """Parse ``<stem>-<score>-<n>.png`` lines (the stem itself may contain '-')."""
    path = out_dir / INFO_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReviewError(f"{path}: cannot be read ({exc.strerror}); run 'hggt-data select' first") from exc
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            stem, score, tail = line.strip().rsplit("-", 2)
            found.append(ScoredSet(stem, float(score), int(tail.removesuffix(".png"))))
        except ValueError as exc:
            raise ReviewError(f"{path}, line {number}: not '<stem>-<score>-<n>.png': {line!r}") from exc
    return found


def lowest_scores(out_dir: Path, count: int | None = None) -> list[ScoredSet]:
    """Sets still present in ``out_dir``, lowest score first."""
    present = {s.stem for s in find_sets(out_dir).sets}
    ranked = sorted(
        (s for s in read_crop_info(out_dir) if s.stem in present), key=lambda s: (s.score, s.stem)
    )
    return ranked if count is None else ranked[:count]


def drop_sets(out_dir: Path, stems: list[str]) -> list[str]:
    """Move each named set's files to ``.dropped/`` (same relative paths); return the stems moved."""
    by_stem = find_sets(out_dir).by_stem()
    unknown = [stem for stem in stems if stem not in by_stem]
    if unknown:
        raise ReviewError(f"{out_dir}: no set named {', '.join(unknown)}; nothing was moved")
    dropped_root = out_dir / DROPPED_DIR
    for stem in stems:
        for path in by_stem[stem].paths():
            target = dropped_root / path.relative_to(out_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    with open(dropped_root / "dropped.txt", "a", encoding="utf-8") as handle:
        handle.writelines(f"{stem}\n" for stem in stems)
    return stems


def original_path(out_dir: Path, stem: str) -> Path:
    return out_dir / ORIGINAL_FOLDER / f"{stem}.png"
