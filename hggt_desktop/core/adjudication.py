"""The curator's decision on a contested set: written, explained and undoable.

The decision is an ordinary HGGT label file in ``<labels>/adjudicated/<stem>.json`` (the
annotator folder :data:`~hggt_desktop.core.consensus.ADJUDICATOR`), so the effective labels, the
training subsets and every export use it without knowing about curation. Every version must be
decided: label files are always complete.

The reason and the state before each decision live in the record beside it,
``<labels>/.hggt/records/adjudicated/<stem>.json``, as a stack: undo pops the last decision and
puts back exactly what was there before, including "no adjudication file" and "no record".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hggt_desktop.core.atomic import AtomicWriteError, write_text_atomic
from hggt_desktop.core.consensus import ADJUDICATOR
from hggt_desktop.core.labels import (
    TIME_FORMAT,
    Label,
    TimeCost,
    is_plain_file_name,
    make_label_file,
    to_json_text,
)
from hggt_desktop.core.layout import label_path, records_dir

ADJUDICATION_FORMAT = "hggt-desktop-adjudication/1"


class AdjudicationError(Exception):
    """A decision cannot be written or undone; the message says why and what to do."""


@dataclass(frozen=True)
class Decision:
    """One adjudication as the record keeps it."""

    labels: dict[str, Label]
    reason: str
    decided: str  # local time, YYYY-MM-DD HH:MM:SS
    previous_label_text: str | None  # the adjudication file before this decision, or None


def adjudication_path(labels_dir: Path, stem: str) -> Path:
    """The HGGT label file holding the curator's decision for ``stem``."""
    return label_path(Path(labels_dir), ADJUDICATOR, stem)


def adjudication_record_path(labels_dir: Path, stem: str) -> Path:
    """The record with the reasons and previous states of ``stem``'s decisions."""
    return records_dir(Path(labels_dir), ADJUDICATOR) / f"{stem}.json"


def read_decisions(labels_dir: Path, stem: str) -> list[Decision]:
    """Every decision on ``stem``, oldest first (empty when never adjudicated here)."""
    path = adjudication_record_path(labels_dir, stem)
    if not path.exists():
        return []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != ADJUDICATION_FORMAT:
            raise ValueError(f"format is {doc.get('format')!r}, not {ADJUDICATION_FORMAT!r}")
        return [
            Decision(
                labels={str(v): Label(x) for v, x in entry["labels"].items()},
                reason=str(entry["reason"]),
                decided=str(entry["decided"]),
                previous_label_text=entry["previous_label_text"],
            )
            for entry in doc["history"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AdjudicationError(
            f"{path}: the adjudication record cannot be read ({exc}); restore it from a backup "
            "or delete it (the decision itself stays, but can no longer be undone)"
        ) from exc


def _record_text(stem: str, decisions: Sequence[Decision]) -> str:
    doc: dict[str, Any] = {
        "format": ADJUDICATION_FORMAT,
        "stem": stem,
        "history": [
            {
                "decided": d.decided,
                "reason": d.reason,
                "labels": {v: label.value for v, label in sorted(d.labels.items())},
                "previous_label_text": d.previous_label_text,
            }
            for d in decisions
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _restore(path: Path, text: str | None) -> None:
    """Put ``path`` back to ``text``; None means the file did not exist."""
    if text is None:
        path.unlink(missing_ok=True)
    else:
        write_text_atomic(path, text)


def _save_record(labels_dir: Path, stem: str, decisions: Sequence[Decision]) -> None:
    path = adjudication_record_path(labels_dir, stem)
    if decisions:
        write_text_atomic(path, _record_text(stem, decisions))
    else:
        path.unlink(missing_ok=True)


def write_adjudication(
    labels_dir: Path,
    stem: str,
    labels: Mapping[str, Label],
    reason: str,
    versions: Sequence[str] | None = None,
    time_cost: TimeCost | None = None,
) -> Path:
    """Save the curator's labels for every version of ``stem`` with a reason; return the file.

    ``versions`` (the set's versions) makes a decision that leaves one out an error instead of
    an incomplete file.
    """
    labels_dir = Path(labels_dir)
    if not is_plain_file_name(f"{stem}.json"):
        raise AdjudicationError(f"{stem!r} is not a plain set name; cannot adjudicate it")
    if not reason.strip():
        raise AdjudicationError(f"{stem}: give a reason for the decision (it is kept with it)")
    missing = sorted(set(versions or ()) - set(labels))
    if missing or not labels:
        raise AdjudicationError(
            f"{stem}: decide every version first (missing: {', '.join(missing) or 'all'})"
        )
    now = datetime.now().replace(microsecond=0)
    label_file = make_label_file(stem, dict(labels), time_cost or TimeCost(now, now, 0))
    path = adjudication_path(labels_dir, stem)
    decisions = read_decisions(labels_dir, stem)
    previous = path.read_text(encoding="utf-8") if path.exists() else None
    decision = Decision(dict(labels), reason.strip(), now.strftime(TIME_FORMAT), previous)
    try:
        write_text_atomic(path, to_json_text(label_file))
    except AtomicWriteError as exc:
        raise AdjudicationError(f"{path}: the decision could not be saved ({exc}); nothing changed") from exc
    try:
        _save_record(labels_dir, stem, [*decisions, decision])
    except OSError as exc:
        # Without its record a decision could not be undone or explained: take it back.
        _restore(path, previous)
        raise AdjudicationError(
            f"{adjudication_record_path(labels_dir, stem)}: the reason could not be saved ({exc}); "
            "the decision was taken back"
        ) from exc
    return path


def undo_adjudication(labels_dir: Path, stem: str) -> Decision | None:
    """Take back the last decision on ``stem``, restoring the state before it; None if none."""
    labels_dir = Path(labels_dir)
    decisions = read_decisions(labels_dir, stem)
    if not decisions:
        return None
    last = decisions[-1]
    path = adjudication_path(labels_dir, stem)
    current = path.read_text(encoding="utf-8") if path.exists() else None
    try:
        _restore(path, last.previous_label_text)
    except OSError as exc:
        raise AdjudicationError(f"{path}: could not undo ({exc}); nothing changed") from exc
    try:
        _save_record(labels_dir, stem, decisions[:-1])
    except OSError as exc:
        _restore(path, current)
        raise AdjudicationError(
            f"{adjudication_record_path(labels_dir, stem)}: could not update the record ({exc}); "
            "the decision stays"
        ) from exc
    return last


def current_reason(labels_dir: Path, stem: str) -> str | None:
    """The reason of the decision now in force, if it was made here."""
    decisions = read_decisions(labels_dir, stem)
    return decisions[-1].reason if decisions else None
