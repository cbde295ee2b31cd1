"""Which sets each rater was given: ``<labels>/.hggt/assigned.json``, written by ``merge``.

With packages, a rater labels only the sets dealt to them, so "missing" must count the sets
assigned to that rater and not yet labelled, not every set of the dataset. ``hggt-data merge``
records the assignment from the curator's key (the union over every merge); datasets that never
went through packages have no such file, and every set counts as assigned to every rater. ::

    {"format": 1, "assigned": {"<rater>": ["<stem>", ...]}}
"""

from __future__ import annotations

import json
from pathlib import Path

from hggt_desktop.core.atomic import write_text_atomic
from hggt_desktop.core.layout import PROJECT_DIR

ASSIGNED_FILE = "assigned.json"
FORMAT = 1


class AssignmentsError(Exception):
    """The assignment file cannot be read; the message names it."""


def assignments_path(labels_dir: Path) -> Path:
    return Path(labels_dir) / PROJECT_DIR / ASSIGNED_FILE


def read_assignments(labels_dir: Path) -> dict[str, frozenset[str]] | None:
    """Rater -> the sets dealt to them, or None when the labels never came through packages."""
    path = assignments_path(labels_dir)
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        return {str(rater): frozenset(str(s) for s in stems) for rater, stems in doc["assigned"].items()}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AssignmentsError(
            f"{path}: the record of which sets each rater was given cannot be read ({exc}); delete it "
            "and merge the packages again to rebuild it"
        ) from exc


def add_assignments(labels_dir: Path, assigned: dict[str, set[str]]) -> bool:
    """Record these assignments too (a union with what is there); True when the file changed."""
    try:
        current = read_assignments(labels_dir) or {}
    except AssignmentsError:
        current = {}  # rebuilt from the keys at hand
    merged = {
        rater: set(current.get(rater, ())) | set(assigned.get(rater, ())) for rater in {*current, *assigned}
    }
    doc = {"format": FORMAT, "assigned": {rater: sorted(stems) for rater, stems in sorted(merged.items())}}
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    path = assignments_path(labels_dir)
    if path.exists() and path.read_text(encoding="utf-8", errors="replace") == text:
        return False
    write_text_atomic(path, text)
    return True
