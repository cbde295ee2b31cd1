"""Raters the curator left out: ``<labels>/.hggt/exclusions.json``, beside the adjudications.

Excluding a rater never deletes or moves a file: their labels stay in ``labels/<rater>/``, and
this file says that consensus, packs and agreement leave them out, with the curator's reason.
Including them again restores every figure exactly. Each change is appended to ``history`` so
the decision can be traced later. ::

    {"format": 1,
     "excluded": {"<rater>": {"reason": "...", "since": "2025-01-02T03:04:05"}},
     "history": [{"rater": "...", "action": "exclude" | "include", "reason": "...", "when": "..."}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hggt_desktop.core.atomic import write_text_atomic
from hggt_desktop.core.consensus import ADJUDICATOR
from hggt_desktop.core.layout import PROJECT_DIR

EXCLUSIONS_FILE = "exclusions.json"
FORMAT = 1


class ExclusionError(Exception):
    """The exclusions file is unreadable, or the change asked for makes no sense."""


@dataclass(frozen=True)
class Exclusion:
    reason: str
    since: str


@dataclass(frozen=True)
class Exclusions:
    """Rater -> why they are left out; the history of every change."""

    excluded: dict[str, Exclusion] = field(default_factory=dict)
    history: tuple[dict[str, str], ...] = ()


def exclusions_path(labels_dir: Path) -> Path:
    return Path(labels_dir) / PROJECT_DIR / EXCLUSIONS_FILE


def read_exclusions(labels_dir: Path) -> Exclusions:
    """The raters left out of ``labels_dir`` (none when the file does not exist)."""
    path = exclusions_path(labels_dir)
    if not path.exists():
        return Exclusions()
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        excluded = {
            str(rater): Exclusion(str(entry["reason"]), str(entry["since"]))
            for rater, entry in doc["excluded"].items()
        }
        history = tuple({str(k): str(v) for k, v in item.items()} for item in doc.get("history", []))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ExclusionError(
            f"{path}: the list of excluded raters cannot be read ({exc}); fix it or delete it "
            "(deleting includes every rater again)"
        ) from exc
    return Exclusions(excluded, history)


def exclude_rater(labels_dir: Path, rater: str, reason: str, when: datetime | None = None) -> Exclusions:
    """Leave ``rater`` out from now on (their files are kept); returns the new state."""
    if rater == ADJUDICATOR:
        raise ExclusionError(f"{rater!r} holds the curator's own decisions and cannot be excluded")
    if not (Path(labels_dir) / rater).is_dir():
        raise ExclusionError(f"{Path(labels_dir) / rater}: no such rater folder; check the rater's name")
    if not reason.strip():
        raise ExclusionError("give a reason: it is kept beside the exclusion for whoever reads it later")
    current = read_exclusions(labels_dir)
    stamp = (when or datetime.now()).isoformat(timespec="seconds")
    excluded = {**current.excluded, rater: Exclusion(reason.strip(), stamp)}
    entry = {"rater": rater, "action": "exclude", "reason": reason.strip(), "when": stamp}
    return _write(labels_dir, Exclusions(excluded, (*current.history, entry)))


def include_rater(labels_dir: Path, rater: str, when: datetime | None = None) -> Exclusions:
    """Count ``rater`` again (undoes :func:`exclude_rater`); returns the new state."""
    current = read_exclusions(labels_dir)
    if rater not in current.excluded:
        raise ExclusionError(f"{rater!r} is not excluded in {exclusions_path(labels_dir)}")
    stamp = (when or datetime.now()).isoformat(timespec="seconds")
    excluded = {name: e for name, e in current.excluded.items() if name != rater}
    entry = {"rater": rater, "action": "include", "reason": "", "when": stamp}
    return _write(labels_dir, Exclusions(excluded, (*current.history, entry)))


def _write(labels_dir: Path, state: Exclusions) -> Exclusions:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "excluded": {r: {"reason": e.reason, "since": e.since} for r, e in sorted(state.excluded.items())},
        "history": list(state.history),
    }
    write_text_atomic(exclusions_path(labels_dir), json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return state
