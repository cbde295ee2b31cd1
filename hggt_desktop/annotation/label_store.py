"""Every set's labels for one annotator, in memory and on disk (Qt-free).

The rule that keeps work safe: the session changes a label here, then calls :meth:`save`
before the screen moves on. An HGGT file is written only when every version of the set has a
label (a null label makes it invalid); until then the labels given so far live in the record
beside it. A save that fails raises :class:`SaveError`, leaves the previous files as they were
and keeps the set in :attr:`dirty`, so the next action retries it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hggt_desktop.annotation.leftovers import TEMP_NAME, settle_temp_files
from hggt_desktop.annotation.workspace import Workspace
from hggt_desktop.core.atomic import AtomicWriteError, write_bytes_atomic
from hggt_desktop.core.labels import (
    Label,
    LabelFileError,
    TimeCost,
    make_label_file,
    read_label_file,
    write_label_file,
)
from hggt_desktop.core.layout import PROJECT_DIR, label_path, records_dir
from hggt_desktop.core.record import RecordError, SetRecord, read_record, record_path, write_record
from hggt_desktop.core.screen_order import screen_order
from hggt_desktop.core.sets import ImageSet
from hggt_desktop.version import __version__

log = logging.getLogger(__name__)


class SaveError(Exception):
    """A label or record could not be saved; the previous file is untouched."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"Could not save {path}: {reason}. Your last label is kept and saving is retried "
            "with your next action; free some disk space or choose a writable folder."
        )


@dataclass
class SetProgress:
    """One set as the annotator works on it."""

    image_set: ImageSet
    order: tuple[str, ...]
    labels: dict[str, Label] = field(default_factory=dict)
    file_on_disk: bool = False
    invalid_reason: str | None = None
    broken_reason: str | None = None
    record: SetRecord | None = None

    @property
    def stem(self) -> str:
        return self.image_set.stem

    @property
    def complete(self) -> bool:
        """Every version has a label."""
        return all(v in self.labels for v in self.image_set.version_ids)

    @property
    def flagged(self) -> bool:
        """Marked "can't judge" (the reason is in the record)."""
        return self.record is not None and bool(self.record.flag)

    @property
    def done(self) -> bool:
        """Counted as finished work: complete and saved, or flagged."""
        return (self.file_on_disk and self.complete) or self.flagged


class LabelStore:
    """Loads, holds and saves one annotator's labels and records for a workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.annotator = workspace.annotator
        self.labels_dir = workspace.labels_dir
        self.sets: list[SetProgress] = [
            SetProgress(
                image_set=s,
                order=screen_order(s.version_ids, workspace.annotator, s.stem, workspace.package_seed),
                broken_reason=workspace.broken.get(s.stem),
            )
            for s in workspace.sets
        ]
        self.dirty: set[int] = set()
        self.screen_scale = 1.0
        # Temporary files a failed rename kept (they may hold the newest save) until a later
        # save of the same set supersedes them.
        self._kept_copies: list[Path] = []

    def load(self) -> list[str]:
        """Read existing label files and records; return messages about bad files.

        Every set gets its record here (read, or started), so :meth:`record` only returns it.
        """
        label_dir = self.labels_dir / self.annotator
        messages = self._settle_leftovers(label_dir)
        existing = _file_names(label_dir)
        with_record = _file_names(records_dir(self.labels_dir, self.annotator))
        for progress in self.sets:
            name = f"{progress.stem}.json"
            known = set(progress.image_set.version_ids)
            cost: TimeCost | None = None
            if name in existing:
                try:
                    label_file = read_label_file(label_dir / name)
                except LabelFileError as exc:
                    progress.invalid_reason = exc.reason
                    messages.append(
                        f"{exc.path}: {exc.reason}. The set is shown unlabelled; labelling it again "
                        f"replaces the file (the old one is kept in {self._invalid_dir()})."
                    )
                else:
                    progress.labels = {v: lab for v, lab in label_file.labels if v in known}
                    progress.file_on_disk = True
                    cost = label_file.time_cost
            record = self._read_record(progress.stem) if name in with_record else None
            if record is None:
                record = SetRecord(stem=progress.stem, annotator=self.annotator, screen_order=[])
                if cost is not None:
                    # Labelled before records existed: keep its times so rewriting it loses nothing.
                    record.first_shown, record.last_label = cost.start, cost.end
                    record.active_seconds = float(cost.total)
            elif record.flag and name in existing and progress.file_on_disk:
                # Flagged, but its label file is back (a kill between the two writes, or a
                # copy from elsewhere): the record keeps the labels, the file goes at the next save.
                self.dirty.add(self.sets.index(progress))
            elif not progress.file_on_disk and record.pending_labels:
                progress.labels = {v: lab for v, lab in record.pending_labels.items() if v in known}
            progress.record = record
        return messages

    def _settle_leftovers(self, label_dir: Path) -> list[str]:
        """Recover or remove the temporary files left by saves that did not finish."""
        messages: list[str] = []
        for folder, parses in (
            (label_dir, _is_label_file),
            (records_dir(self.labels_dir, self.annotator), _is_record),
        ):
            settled = settle_temp_files(folder, parses)
            messages.extend(settled.messages)
            if settled.removed:
                log.info("removed %d leftover temporary file(s) in %s", len(settled.removed), folder)
        return messages

    def _invalid_dir(self) -> Path:
        return self.labels_dir / PROJECT_DIR / "invalid" / self.annotator

    def _read_record(self, stem: str) -> SetRecord | None:
        try:
            return read_record(record_path(self.labels_dir, self.annotator, stem))
        except RecordError as exc:
            log.warning("%s", exc)
            return None

    def record(self, index: int) -> SetRecord:
        """The record of set ``index`` (kept in memory; written by :meth:`save` and :meth:`write_record`)."""
        record = self.sets[index].record
        if record is None:
            raise RuntimeError("LabelStore.load() has not been called")
        return record

    def write_record(self, index: int) -> None:
        """Write the record of set ``index`` as it is now, stamped with what was on screen."""
        progress = self.sets[index]
        record = self.record(index)
        record.screen_order = list(progress.order)
        record.app_version = __version__
        record.screen_scale = self.screen_scale
        write_record(record_path(self.labels_dir, self.annotator, progress.stem), record)

    def set_label(self, index: int, version: str, label: Label | None, when: datetime) -> None:
        """Change one label in memory (None removes it); the caller saves next."""
        progress = self.sets[index]
        if label is None:
            progress.labels.pop(version, None)
        else:
            progress.labels[version] = label
        record = self.record(index)
        record.last_label = when
        record.label_changes += 1
        self.dirty.add(index)

    def save(self, index: int) -> None:
        """Write set ``index`` (label file when complete, record always); raise :class:`SaveError`."""
        progress = self.sets[index]
        record = self.record(index)
        path = label_path(self.labels_dir, self.annotator, progress.stem)
        # Every step is one atomic file change, ordered so that a kill between any two of them
        # reopens with every acknowledged label: the labels are always in the label file or
        # in the record (for a moment in both), never in neither.
        try:
            if progress.invalid_reason is not None and path.exists():
                # Keep the file we are about to replace: it may hold someone's work.
                write_bytes_atomic(self._invalid_dir() / path.name, path.read_bytes())
            if progress.complete and not progress.flagged:
                write_label_file_for(path, progress, record)
                progress.file_on_disk = True
                progress.invalid_reason = None
                record.pending_labels = {}
                record.complete = True
                self.write_record(index)
            else:
                record.pending_labels = dict(progress.labels)
                record.complete = False
                self.write_record(index)
                if progress.file_on_disk or progress.invalid_reason is not None:
                    # Undo made the set incomplete: the file must not claim labels now retracted.
                    # Only now that the record holds the remaining ones.
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
                    progress.file_on_disk = False
                    progress.invalid_reason = None
        except AtomicWriteError as exc:
            if exc.kept_copy is not None:
                self._kept_copies.append(exc.kept_copy)
            raise SaveError(exc.path, exc.reason) from exc
        except OSError as exc:
            raise SaveError(Path(exc.filename or path), exc.strerror or str(exc)) from exc
        self._drop_kept_copies()
        self.dirty.discard(index)

    def _drop_kept_copies(self) -> None:
        """After a save went through, the copies kept by earlier failed ones are out of date."""
        for kept in self._kept_copies:
            with contextlib.suppress(OSError):
                kept.unlink()
        self._kept_copies.clear()

    def save_dirty(self) -> None:
        """Retry every set whose last save failed; raise the first failure."""
        for index in sorted(self.dirty):
            self.save(index)

    def first_unfinished(self, start: int = 0) -> int | None:
        """Index of the first set from ``start`` on (wrapping) that is neither done nor broken."""
        count = len(self.sets)
        for offset in range(count):
            index = (start + offset) % count
            progress = self.sets[index]
            if not progress.done and progress.broken_reason is None:
                return index
        return None

    def done_count(self) -> int:
        return sum(1 for p in self.sets if p.done)


def write_label_file_for(path: Path, progress: SetProgress, record: SetRecord) -> None:
    """Write the HGGT file of a complete set with its ``Time_cost`` from the record."""
    start = record.first_shown or record.last_label or datetime.now().replace(microsecond=0)
    end = record.last_label or start
    cost = TimeCost(start=start, end=max(end, start), total=int(round(record.active_seconds)))
    label_file = make_label_file(
        progress.stem, dict(progress.labels), cost, original_suffix=progress.image_set.original.suffix
    )
    write_label_file(path, label_file)


def _is_label_file(temp: Path) -> bool:
    """A temporary file holding a whole, valid label file of the set it is named after."""
    match = TEMP_NAME.match(temp.name)
    try:
        label_file = read_label_file(temp)
    except Exception:  # whatever is wrong with it, it is not a save to recover
        return False
    return match is not None and f"{label_file.stem}.json" == match["target"]


def _is_record(temp: Path) -> bool:
    try:
        read_record(temp)
    except Exception:  # whatever is wrong with it, it is not a save to recover
        return False
    return True


def _file_names(folder: Path) -> set[str]:
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries if e.name.endswith(".json") and e.is_file()}
    except OSError:
        return set()
