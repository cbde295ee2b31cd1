"""The record beside the labels: everything about an annotation that the HGGT file cannot hold.

``<labels>/.hggt/records/<annotator>/<stem>.json`` (docs/decisions/0003-records-beside-labels.md)
keeps, per set: the on-screen order, active seconds per version, swaps, the largest zoom
reached, the SHA-256 of every image shown, the app version and screen scale, when the set was
first shown and last labelled, which part of each version was seen at 1:1 (core/coverage.py),
and the labels given so far while the set is incomplete. The
HGGT label file is written only once every version has a label (a null label makes it
invalid), so partial progress lives here and survives a crash.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hggt_desktop.core.atomic import write_text_atomic
from hggt_desktop.core.coverage import Coverage
from hggt_desktop.core.labels import Label
from hggt_desktop.core.layout import records_dir

# The format's name stays "/1" while changes only add fields, so tools that check it keep
# reading new records; ``revision`` counts the additions (docs/decisions/0014-record-revisions.md).
RECORD_FORMAT = "hggt-desktop-record/1"
# 2: "looked_1to1", the cells of each version seen at 1:1. A record of revision 1 (no
# "revision" key) reads as "not recorded" (None), never as 0%.
RECORD_REVISION = 2
# Why a set can't be judged; "other" is followed by the annotator's own words ("other: ...").
FLAG_REASONS = ("misaligned", "broken image", "versions identical", "other")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

log = logging.getLogger(__name__)


class RecordError(Exception):
    """A record file cannot be used; ``path`` names it and ``reason`` says why."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass
class SetRecord:
    """What was shown and done for one set by one annotator (mutable: the session updates it)."""

    stem: str
    annotator: str
    screen_order: list[str]
    first_shown: datetime | None = None
    last_label: datetime | None = None
    active_seconds: float = 0.0
    version_seconds: dict[str, float] = field(default_factory=dict)
    swap_count: int = 0
    max_zoom: float = 0.0
    image_sha256: dict[str, str] = field(default_factory=dict)
    app_version: str = ""
    screen_scale: float = 1.0
    pending_labels: dict[str, Label] = field(default_factory=dict)
    label_changes: int = 0
    complete: bool = False
    # "Can't judge": the reason (FLAG_REASONS, or "other: ..."), "" when not flagged. A flagged
    # set has no HGGT file (the format has no such value): its labels wait in pending_labels.
    flag: str = ""
    # Comparison aids used on this set: "ab_toggle" (latched A/B), "flicker", "split" -> times started.
    aid_uses: dict[str, int] = field(default_factory=dict)
    # Where the annotator looked at 1:1 or closer; None: not recorded (an earlier app version,
    # or a set first shown before this was kept).
    looked_1to1: Coverage | None = None

    def looked_share(self) -> float | None:
        """The mean share of the versions seen at 1:1 (0-1), None when not recorded."""
        if self.looked_1to1 is None or not self.screen_order:
            return None
        return self.looked_1to1.mean_share(self.screen_order)

    def to_json_text(self) -> str:
        """Serialise with stable key order (one record per file, UTF-8)."""
        doc: dict[str, Any] = {"format": RECORD_FORMAT, "revision": RECORD_REVISION, **asdict(self)}
        looked = self.looked_1to1
        doc["looked_1to1"] = None if looked is None else looked.to_json(self.screen_order)
        doc["first_shown"] = _format_time(self.first_shown)
        doc["last_label"] = _format_time(self.last_label)
        doc["pending_labels"] = {v: label.value for v, label in sorted(self.pending_labels.items())}
        doc["version_seconds"] = {v: round(s, 3) for v, s in sorted(self.version_seconds.items())}
        doc["active_seconds"] = round(self.active_seconds, 3)
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def record_path(labels_dir: Path, annotator: str, stem: str) -> Path:
    """Where the record of ``stem`` by ``annotator`` lives."""
    return records_dir(labels_dir, annotator) / f"{stem}.json"


def read_flag(labels_dir: Path, annotator: str, stem: str) -> str:
    """Why ``annotator`` flagged ``stem`` "can't judge", or "" (not flagged, no or bad record)."""
    path = record_path(labels_dir, annotator, stem)
    if not path.is_file():
        return ""
    try:
        return read_record(path).flag
    except RecordError:
        return ""


def write_record(path: Path, record: SetRecord) -> None:
    """Write atomically; a failed save leaves the previous record as it was."""
    write_text_atomic(Path(path), record.to_json_text())


def read_record(path: Path) -> SetRecord:
    """Read one record; raise :class:`RecordError` when it is unreadable or malformed."""
    path = Path(path)
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad UTF-8/JSON, huge ints
        raise RecordError(path, f"cannot be read as a record ({exc}); it will be started again") from exc
    if not isinstance(doc, dict) or doc.get("format") != RECORD_FORMAT:
        raise RecordError(path, f"is not a {RECORD_FORMAT} file")
    try:
        return SetRecord(
            stem=str(doc["stem"]),
            annotator=str(doc["annotator"]),
            screen_order=[str(v) for v in doc["screen_order"]],
            first_shown=_parse_time(doc.get("first_shown")),
            last_label=_parse_time(doc.get("last_label")),
            active_seconds=float(doc.get("active_seconds", 0.0)),
            version_seconds={str(k): float(v) for k, v in doc.get("version_seconds", {}).items()},
            swap_count=int(doc.get("swap_count", 0)),
            max_zoom=float(doc.get("max_zoom", 0.0)),
            image_sha256={str(k): str(v) for k, v in doc.get("image_sha256", {}).items()},
            app_version=str(doc.get("app_version", "")),
            screen_scale=float(doc.get("screen_scale", 1.0)),
            pending_labels={str(k): Label(v) for k, v in doc.get("pending_labels", {}).items()},
            label_changes=int(doc.get("label_changes", 0)),
            complete=bool(doc.get("complete", False)),
            flag=str(doc.get("flag", "") or ""),
            aid_uses={str(k): int(v) for k, v in doc.get("aid_uses", {}).items()},
            looked_1to1=_read_coverage(path, doc.get("looked_1to1")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RecordError(path, f"has a missing or invalid field ({exc})") from exc


def _read_coverage(path: Path, value: Any) -> Coverage | None:
    """The record's coverage; a damaged one is "not recorded", never a reason to drop the record.

    The rest of the record (pending labels above all) matters more than where the annotator
    looked, so a bad value here is logged and read as None.
    """
    if value is None:
        return None
    try:
        return Coverage.from_json(value)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("%s: looked_1to1 is damaged (%s); read as not recorded", path, exc)
        return None


def _format_time(value: datetime | None) -> str | None:
    return None if value is None else value.strftime(_TIME_FORMAT)


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(str(value), _TIME_FORMAT)
