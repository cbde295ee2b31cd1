"""Temporary files left beside labels and records, settled when the labels are opened (Qt-free).

Every save writes ``.<name>.<random>.tmp`` beside its target and renames it over the target.
Two things leave one behind: a kill before the rename, and a rename that failed (a Windows
sharing violation), where the file is kept on purpose because it may hold the newest save.
On open each one is settled by what it holds:

- it does not parse (torn by a kill while being written): never acknowledged, removed;
- it is identical to the target, or older than it: superseded, removed (a save makes its
  temporary file after the previous rename, so a newer one is never older than its target);
- it parses and is newer than the target (or the target is missing): the newest save,
  recovered into the target's place;
- several such files for one target with different contents: ambiguous, left as they are and
  reported with their names, so a person decides.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

# tempfile.mkstemp(prefix=".<name>.", suffix=".tmp"): eight random letters, digits or '_'.
TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.tmp$")


@dataclass
class Settled:
    """What opening did with the temporary files of one folder."""

    recovered: list[Path] = field(default_factory=list)  # targets given a newer save back
    removed: list[Path] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # for the person: recoveries, ambiguities


def temp_files(folder: Path) -> dict[str, list[Path]]:
    """Target name -> the temporary files of saves to it found in ``folder``."""
    found: dict[str, list[Path]] = {}
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                match = TEMP_NAME.match(entry.name)
                if match and entry.is_file(follow_symlinks=False):
                    found.setdefault(match["target"], []).append(Path(entry.path))
    except OSError:
        return {}
    return found


def settle_temp_files(folder: Path, parses: Callable[[Path], bool]) -> Settled:
    """Recover, remove or report the temporary files in ``folder`` (see the module notes)."""
    settled = Settled()
    for name, temps in sorted(temp_files(folder).items()):
        target = folder / name
        _settle_one(target, temps, parses, settled)
    return settled


def _settle_one(target: Path, temps: list[Path], parses: Callable[[Path], bool], settled: Settled) -> None:
    try:
        current: bytes | None = target.read_bytes()
        current_mtime = target.stat().st_mtime
    except OSError:
        current, current_mtime = None, float("-inf")
    newer: list[tuple[float, bytes, Path]] = []
    for temp in temps:
        try:
            data, mtime = temp.read_bytes(), temp.stat().st_mtime
        except OSError as exc:
            log.warning("cannot read the temporary file %s: %s", temp, exc)
            continue
        if data == current or mtime < current_mtime or not parses(temp):
            _remove(temp, settled)
        else:
            newer.append((mtime, data, temp))
    if not newer:
        return
    if len({data for _, data, _ in newer}) > 1:
        names = ", ".join(str(temp) for _, _, temp in sorted(newer))
        settled.messages.append(
            f"{target}: {len(newer)} unsaved versions of it were left by a save that failed ({names}). "
            f"Keep the right one by renaming it to {target.name}, then delete the others."
        )
        return
    newer.sort()
    *older, (_, _, newest) = newer
    try:
        os.replace(newest, target)
    except OSError as exc:
        settled.messages.append(f"{target}: cannot recover the newer save kept in {newest} ({exc}).")
        return
    settled.recovered.append(target)
    settled.messages.append(f"{target}: recovered the newest save, which a failed save had kept in {newest}.")
    for _, _, temp in older:  # identical to what was just recovered
        _remove(temp, settled)


def _remove(temp: Path, settled: Settled) -> None:
    with contextlib.suppress(FileNotFoundError):
        try:
            temp.unlink()
        except OSError as exc:
            log.warning("cannot remove the temporary file %s: %s", temp, exc)
            return
    settled.removed.append(temp)
