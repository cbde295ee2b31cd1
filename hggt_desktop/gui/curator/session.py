"""The curator's session: the dataset, its agreement, the filtered queue and the set under review.

Widgets hold no state: they read from this object, connect to its signals and call its methods.
Every file the curator app writes (adjudications, report, CSV) is written through here, by the
core.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from hggt_desktop.core.adjudication import (
    AdjudicationError,
    current_reason,
    read_decisions,
    undo_adjudication,
    write_adjudication,
)
from hggt_desktop.core.agreement_figures import AgreementSummary
from hggt_desktop.core.agreement_summary import label_distribution, summarize_agreement
from hggt_desktop.core.consensus import ADJUDICATOR
from hggt_desktop.core.dataset import Dataset, load_dataset
from hggt_desktop.core.disagreement import AGREED, QueueEntry, disagreement_queue
from hggt_desktop.core.labels import Label, LabelFileError, read_label_file
from hggt_desktop.core.layout import label_path
from hggt_desktop.core.output_file import check_output_path
from hggt_desktop.core.rating_table import RatingTable, rating_table
from hggt_desktop.core.sets import ImageSet

log = logging.getLogger(__name__)

# The intervals on screen are the CLI's and the report's: summarize_agreement's defaults
# (1000 resamples, seed 0), computed in a worker thread so the window stays responsive.
# The exports replace only their own earlier files (core/output_file.py); a dialog has no --overwrite.
DIALOG_HINT = "or move that file away first"


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows: one version or all, one annotator or all, a label pattern."""

    version: str | None = None
    annotator: str | None = None
    pattern: str | None = None
    include_adjudicated: bool = True
    flagged_only: bool = False  # only sets a rater flagged "can't judge"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class CuratorSession(QObject):
    """Owns what the curator's screen shows and changes it through the core."""

    dataset_loaded = Signal()
    queue_changed = Signal()
    current_changed = Signal(str)  # stem, "" when none
    set_changed = Signal(str)  # the labels of this set changed (adjudicated or undone)
    message = Signal(str)
    summary_changed = Signal()  # the bootstrap intervals arrived
    _intervals_done = Signal(int, object)  # (generation, Future) from the worker thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agreement-intervals")
        self._generation = 0
        self._intervals_done.connect(self._on_intervals_done)
        self.dataset: Dataset | None = None
        self.table: RatingTable | None = None
        self.summary: AgreementSummary | None = None
        self.queue: list[QueueEntry] = []
        self.filter = QueueFilter()
        self.current: str | None = None
        self._sets: dict[str, ImageSet] = {}

    # --- opening -------------------------------------------------------------------------

    def open(self, path: Path | str) -> None:
        """Load the dataset and everything computed from it (errors propagate to the caller)."""
        dataset = load_dataset(path)
        table = rating_table(dataset)
        summary = summarize_agreement(dataset, resamples=0, table=table)  # intervals follow
        # Only a dataset that loaded completely replaces the one on screen.
        self.dataset, self.table, self.summary = dataset, table, summary
        self._start_intervals(dataset, table)
        self._sets = {s.stem: s for s in dataset.sets}
        self.current = None
        self.dataset_loaded.emit()
        self.current_changed.emit("")  # the previous dataset's set is gone
        self._refresh_queue()
        problems = summary.problems.count
        # The counts stay in the status bar (status_text); this says what just happened.
        self.message.emit(
            f"Opened {dataset.images_dir}"
            + (f"; {_count(problems, 'problem')} listed in the Agreement tab" if problems else "")
        )

    def _start_intervals(self, dataset: Dataset, table: RatingTable) -> None:
        self._generation += 1
        generation = self._generation
        # The table is replaced, never changed, on adjudication: the worker may read this one.
        future = self._worker.submit(summarize_agreement, dataset, table=table)
        future.add_done_callback(lambda done: self._intervals_done.emit(generation, done))

    def _on_intervals_done(self, generation: int, future: Future[AgreementSummary]) -> None:
        if generation != self._generation or self.summary is None or self.table is None:
            return  # another dataset was opened meanwhile
        try:
            summary = future.result()
        except Exception as exc:  # a bug in the maths must not take the window down
            log.exception("agreement intervals failed")
            self.message.emit(f"The 95% intervals could not be computed: {exc}")
            return
        # An adjudication since the start changed the label counts: keep the newer counts.
        self.summary = summary.with_label_distribution(label_distribution(self.table))
        self.summary_changed.emit()

    def intervals_pending(self) -> bool:
        """Whether the bootstrap intervals of the open dataset are still being computed."""
        return self.summary is not None and not self.summary.confidence_intervals.resamples

    def close(self) -> None:
        """Stop waiting for intervals (the worker finishes its job and exits)."""
        self._generation += 1
        self._worker.shutdown(wait=False, cancel_futures=True)

    def exclude_rater(self, rater: str, reason: str) -> None:
        """Leave ``rater`` out of consensus, packs and agreement (core/exclusions.py), and reload."""
        from hggt_desktop.core.exclusions import exclude_rater

        if self.dataset is not None:
            exclude_rater(self.dataset.labels_dir, rater, reason)
            self.open(self.dataset.images_dir)
            self.message.emit(f"{rater} is left out ({reason}); their labels are kept")

    def include_rater(self, rater: str) -> None:
        """Count an excluded rater again, and reload."""
        from hggt_desktop.core.exclusions import include_rater

        if self.dataset is not None:
            include_rater(self.dataset.labels_dir, rater)
            self.open(self.dataset.images_dir)
            self.message.emit(f"{rater} counts again")

    @property
    def notice(self) -> str | None:
        """Why agreement cannot be measured yet (no labels, one annotator ...), or None."""
        return self.summary.notice if self.summary else None

    def status_text(self) -> str:
        """The line the status bar keeps: sets, annotators, contested sets, problems."""
        if self.dataset is None or self.summary is None:
            return "No dataset open (File > Open dataset…)"
        parts = [
            _count(len(self.dataset.sets), "set"),
            _count(len(self.dataset.raters), "annotator"),
            f"{len(self.contested_entries())} contested in the queue",
        ]
        flagged = sum(1 for e in self.queue if e.flags)
        if flagged:
            parts.append(f'{flagged} flagged "can\'t judge"')
        problems = self.summary.problems.count
        if problems:
            parts.append(_count(problems, "problem"))
        if self.notice:
            parts.append("no labels to compare yet")
        return " · ".join(parts)

    @property
    def sets(self) -> dict[str, ImageSet]:
        """Stem -> set of the open dataset (built once per dataset: 20,193 sets take ~5 ms)."""
        return self._sets

    # --- the queue -----------------------------------------------------------------------

    def set_filter(self, queue_filter: QueueFilter) -> None:
        self.filter = queue_filter
        self._refresh_queue()

    def _refresh_queue(self) -> None:
        if self.table is None:
            return
        f = self.filter
        self.queue = disagreement_queue(
            self.table,
            versions=[f.version] if f.version else None,
            annotator=f.annotator,
            pattern=f.pattern,
            include_adjudicated=f.include_adjudicated,
            include_flagged=True,  # the curator sees every "can't judge" flag, agreed or not
            flagged_only=f.flagged_only,
        )
        self.queue_changed.emit()

    def select(self, stem: str | None) -> None:
        """Make ``stem`` the set under review (None, or a set not in the dataset: nothing)."""
        if stem is not None and stem not in self.sets:
            log.warning("no set %r in the dataset", stem)
            stem = None
        self.current = stem
        self.current_changed.emit(stem or "")

    # --- the set under review ------------------------------------------------------------

    def labels_of(self, stem: str) -> dict[str, dict[str, Label]]:
        """Annotator (adjudicator included) -> version -> label, for one set."""
        files = self.dataset.files_for(stem) if self.dataset else {}
        return {name: f.label_map for name, f in files.items()}

    def effective_of(self, stem: str) -> dict[str, Any]:
        return self.dataset.effective(stem) if self.dataset else {}

    def reason_of(self, stem: str) -> str | None:
        """The reason of the decision in force, None when there is none or it cannot be read."""
        if self.dataset is None:
            return None
        try:
            return current_reason(self.dataset.labels_dir, stem)
        except AdjudicationError:
            return None

    def record_error_of(self, stem: str) -> str | None:
        """What is wrong with the set's adjudication record, None when it reads (or is absent)."""
        if self.dataset is None:
            return None
        try:
            read_decisions(self.dataset.labels_dir, stem)
        except AdjudicationError as exc:
            return str(exc)
        return None

    def can_undo(self, stem: str) -> bool:
        if self.dataset is None:
            return False
        try:
            return bool(read_decisions(self.dataset.labels_dir, stem))
        except AdjudicationError:
            return False

    # --- adjudication --------------------------------------------------------------------

    def adjudicate(self, stem: str, labels: dict[str, Label], reason: str) -> bool:
        """Save the curator's decision; say what happened; True when it was saved."""
        if self.dataset is None:
            return False
        image_set = self.sets[stem]
        try:
            write_adjudication(self.dataset.labels_dir, stem, labels, reason, image_set.version_ids)
        except AdjudicationError as exc:
            self.message.emit(str(exc))
            return False
        self._reload_adjudication(stem)
        self.message.emit(f"{stem}: decision saved ({reason.strip()})")
        return True

    def undo(self, stem: str) -> bool:
        """Take back the last decision on ``stem``."""
        if self.dataset is None:
            return False
        try:
            undone = undo_adjudication(self.dataset.labels_dir, stem)
        except AdjudicationError as exc:
            self.message.emit(str(exc))
            return False
        if undone is None:
            self.message.emit(f"{stem}: no decision to undo")
            return False
        self._reload_adjudication(stem)
        self.message.emit(f"{stem}: decision undone ({undone.reason})")
        return True

    def _reload_adjudication(self, stem: str) -> None:
        """Re-read one set's adjudication file instead of the whole dataset."""
        assert self.dataset is not None
        files = self.dataset.labels.setdefault(stem, {})
        path = label_path(self.dataset.labels_dir, ADJUDICATOR, stem)
        files.pop(ADJUDICATOR, None)
        if path.exists():
            try:
                files[ADJUDICATOR] = read_label_file(path)
            except LabelFileError as exc:
                self.message.emit(str(exc))
        if ADJUDICATOR not in self.dataset.annotators and path.exists():
            self.dataset.annotators = tuple(sorted((*self.dataset.annotators, ADJUDICATOR)))
        self.table = rating_table(self.dataset)
        if self.summary is not None:
            self.summary = self.summary.with_label_distribution(label_distribution(self.table))
        self.set_changed.emit(stem)
        self._refresh_queue()

    # --- exports -------------------------------------------------------------------------

    def write_report(self, out: Path) -> None:
        """The HTML report (1000 bootstrap resamples); AtomicWriteError propagates."""
        from hggt_desktop.report.document import REPORT_HTML, write_report

        if self.dataset is not None:
            check_output_path(out, REPORT_HTML, hint=DIALOG_HINT)
            write_report(self.dataset, out)
            self.message.emit(f"wrote {out}")

    def write_labels_csv(self, out: Path) -> None:
        """Every label, one row per set and version (the same CSV as hggt-data export-labels)."""
        from hggt_desktop.core.atomic import write_text_atomic
        from hggt_desktop.core.labels_csv import LABELS_CSV, labels_csv_text

        if self.dataset is not None:
            check_output_path(out, LABELS_CSV, hint=DIALOG_HINT)
            write_text_atomic(out, labels_csv_text(self.dataset))
            self.message.emit(f"wrote {out}")

    def write_training_pack(self, out: Path, subset: str = "posneg") -> str:
        """The HDF5 training pack of ``subset`` (hggt_desktop.pack.writer); returns a summary line."""
        from hggt_desktop.pack.writer import write_pack

        if self.dataset is None:
            return ""
        summary = write_pack(self.dataset.images_dir, out, subset=subset, overwrite_hint=DIALOG_HINT)
        line = f"wrote {summary.sets} sets ({summary.train} train, {summary.val} validation) to {out}"
        self.message.emit(line)
        return line

    def contested_entries(self) -> list[QueueEntry]:
        """The queue's contested sets (a flagged set the other raters agree on is listed, not contested)."""
        return [e for e in self.queue if e.severity > AGREED]

    def contested_stems(self) -> list[str]:
        """Contested sets in the queue (as filtered now) that no decision has settled yet."""
        return [e.stem for e in self.contested_entries() if not e.adjudicated]

    def flags_of(self, stem: str) -> dict[str, str]:
        """Rater -> why they flagged ``stem`` "can't judge" (empty when nobody did)."""
        return dict(self.dataset.flags.get(stem, {})) if self.dataset else {}

    def write_contested_package(self, out_dir: Path, annotators: list[str], seed: int = 0) -> Path:
        """Work packages of the still-contested sets for extra raters; returns the answer key.

        Every listed annotator gets every contested set (hggt_desktop.tools.packages writes them,
        with the layout and manifest that ``hggt-data merge`` takes back).
        """
        from hggt_desktop.tools.assignment import plan_packages
        from hggt_desktop.tools.packages import PackageError, write_packages

        if self.dataset is None:
            raise PackageError("open a dataset first")
        stems = self.contested_stems()
        if not stems:
            raise PackageError("no contested set left to send out (adjudicated sets are left out)")
        sets = {stem: self.sets[stem] for stem in stems}
        plans = plan_packages(
            {stem: s.version_ids for stem, s in sets.items()},
            annotators,
            overlap=len(annotators),
            per_annotator=max(1000, len(stems)),
            seed=seed,
        )
        key = write_packages(plans, sets, self.dataset.images_dir, out_dir, seed, show_progress=False)
        self.message.emit(f"wrote {len(plans)} packages of {len(stems)} contested sets to {out_dir}")
        return key
