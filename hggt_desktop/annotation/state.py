"""What the annotator's screen shows and the rules for keeping it on disk (Qt-free).

:class:`AnnotationState` is the base of :class:`~hggt_desktop.annotation.model.AnnotationModel`:
the set and version selected, opening and closing (the lock), moving to a set, saving and
retrying, and input. Labelling (``labelling.py``) and viewing (``viewing.py``) build on it.
Positions are on-screen positions of versions (0 = the first version panel, letter A);
``version_at`` maps them back to version folders, which is all the files ever see.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from hggt_desktop.annotation.events import (
    RETRY_INTERVAL_S,
    SWAP_ALL,
    SWAP_NONE,
    SWAP_SELECTED,
    AnnotationEvents,
    local_now,
)
from hggt_desktop.annotation.label_store import LabelStore, SaveError, SetProgress
from hggt_desktop.annotation.looked_area import LookedArea
from hggt_desktop.annotation.prefetch import LoadedSet, SetPrefetcher
from hggt_desktop.annotation.set_recorder import SetRecorder
from hggt_desktop.annotation.workspace import Workspace
from hggt_desktop.core.active_time import DEFAULT_IDLE_LIMIT_S
from hggt_desktop.core.instance_lock import InstanceLock
from hggt_desktop.core.labels import ORIGINAL_FOLDER, Label
from hggt_desktop.core.layout import lock_path
from hggt_desktop.core.screen_order import screen_letter

log = logging.getLogger(__name__)


class AnnotationState:
    """One annotator's workspace as the screen sees it: the set, the selection, saving."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        events: AnnotationEvents | None = None,
        answers: dict[str, dict[str, Label]] | None = None,
        reasons: dict[str, dict[str, str]] | None = None,
        prefetch: bool = True,
        prefetch_now: bool = True,
        prepare: Callable[[LoadedSet], None] | None = None,
        use_lock: bool = True,
        idle_limit_s: float = DEFAULT_IDLE_LIMIT_S,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = local_now,
    ) -> None:
        self.workspace = workspace
        self.events = events or AnnotationEvents()
        self.store = LabelStore(workspace)
        self.answers = answers
        self.reasons = reasons or {}
        self._wall_clock = wall_clock
        self.recorder = SetRecorder(self.store, clock, wall_clock, idle_limit_s)
        self.looked = LookedArea()
        self.prefetcher = SetPrefetcher([p.image_set for p in self.store.sets], prepare=prepare)
        self.prefetcher.enabled = prefetch
        # False: the owner calls prefetch_around() itself once the set is painted.
        self._prefetch_now = prefetch_now
        self.lock = (
            InstanceLock(
                lock_path(workspace.labels_dir, workspace.annotator),
                what=f"The labels of annotator {workspace.annotator!r} in {workspace.labels_dir}",
            )
            if use_lock
            else None
        )
        self.index = -1
        self.loaded: LoadedSet | None = None
        self.selected = -1
        self.swap_mode = SWAP_NONE
        self.two_panel = False
        self.save_error: str | None = None
        self.earlier_today_seconds = 0.0  # from earlier runs today, set by the window
        # (set, version, label before) for a label; (set, None, flag before) for a flag.
        self._undo: list[tuple[int, str, Label | None] | tuple[int, None, str]] = []
        self._last_retry = float("-inf")
        self._closed = False
        # Whether the work page is what the annotator sees (not the instructions or practice):
        # a set's clock starts, and active time counts, only then.
        self._on_screen = True
        self._focused = True

    # --- opening and closing -------------------------------------------------------------

    def start(self) -> list[str]:
        """Lock the labels (raises ``InstanceLockError``), read them, show the first unfinished set."""
        if self.lock is not None:
            try:
                self.lock.acquire()
            except BaseException:
                self.prefetcher.shutdown()
                raise
        problems = self.store.load()
        if self.lock is not None and self.lock.took_over is not None:
            problems.insert(
                0,
                f"Took over a lock left by a copy of the app that stopped ({self.lock.took_over.describe()}).",
            )
        first = self.store.first_unfinished()
        self.go_to(first if first is not None else 0)
        return problems

    def close(self) -> None:
        """Save what is pending, write the current record, release the lock (twice is harmless)."""
        if self._closed:
            return
        self._closed = True
        if self.index >= 0:
            self._leave_set()
        if self.may_write():
            try:
                self.store.save_dirty()
            except SaveError as exc:
                log.error("%s", exc)
        self.prefetcher.shutdown()
        if self.lock is not None:
            self.lock.release()

    def check_lock(self) -> str | None:
        """Refresh the lock; the message to show when another copy took it over, else None."""
        if self.lock is None or self.lock.heartbeat():
            return None
        return (
            f"Another copy of the app took over {self.lock.path}. This window stops saving; "
            "close it and keep working in the other copy."
        )

    def may_write(self) -> bool:
        """False once another copy took the labels over: writing would overwrite its work.

        Asked before every save, so a takeover is noticed at once, not at the next heartbeat.
        """
        return self.lock is None or self.lock.verify()

    # --- what is on screen ---------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.store.sets)

    @property
    def progress(self) -> SetProgress:
        return self.store.sets[self.index]

    @property
    def version_count(self) -> int:
        return len(self.progress.order)

    def version_at(self, position: int) -> str:
        """The version folder shown at on-screen ``position``."""
        return self.progress.order[position]

    def letter(self, position: int) -> str:
        return screen_letter(position)

    def label_at(self, position: int) -> Label | None:
        return self.progress.labels.get(self.version_at(position))

    def broken_reason(self) -> str | None:
        return self.progress.broken_reason

    def versions_on_screen(self) -> list[int]:
        """Positions whose own image is on screen now: the rule for where the annotator looked.

        Two-panel mode shows only the selected version; a panel with the original swapped in
        shows no version; nothing counts off the work page or on a broken set.
        """
        if self.index < 0 or not self._on_screen or self.progress.broken_reason is not None:
            return []
        if self.swap_mode == SWAP_ALL:
            return []
        positions = [self.selected] if self.two_panel else list(range(self.version_count))
        if self.swap_mode == SWAP_SELECTED:
            positions = [p for p in positions if p != self.selected]
        return [p for p in positions if 0 <= p < self.version_count]

    def _mark_looked(self) -> None:
        """Add what is on screen now to the set's record of where the annotator looked at 1:1."""
        positions = self.versions_on_screen()
        original = self.loaded.images.get(ORIGINAL_FOLDER) if self.loaded is not None else None
        if not positions or original is None:
            return
        size = (int(original.shape[1]), int(original.shape[0]))
        if self.looked.mark(self.store.record(self.index), self.progress.order, size, positions):
            self.recorder.touched = True

    # --- moving to a set and selecting ---------------------------------------------------

    def go_to(self, index: int) -> bool:
        """Show set ``index``; refuses (False) while a failed save is still pending."""
        if not 0 <= index < self.count:
            return False
        if not self.retry_saves():
            return False
        if self.index >= 0:
            self._leave_set()
        self.index = index
        self.looked.clear()
        self.loaded = self.prefetcher.get(index, neighbours=self._prefetch_now)
        progress = self.progress
        if progress.broken_reason is None and self.loaded.broken_reason is not None:
            progress.broken_reason = self.loaded.broken_reason
        self.swap_mode = SWAP_NONE
        if progress.broken_reason is None:
            self.recorder.shown(index, self.loaded, stamp=self._on_screen)
        self.selected = -1
        self._select(self._next_unlabelled_position(-1))
        self.events.set_shown(index)
        self.events.progress_changed()
        if progress.broken_reason is not None:
            self.events.message(
                f"Set {progress.stem} cannot be labelled: {progress.broken_reason}. Press → to skip it."
            )
        elif progress.invalid_reason is not None:
            self.events.message(
                f"The existing label file of {progress.stem} is invalid ({progress.invalid_reason}); label it again."
            )
        return True

    def select(self, position: int) -> None:
        self.note_input()
        if 0 <= position < self.version_count:
            self._select(position)

    def _select(self, position: int) -> None:
        if position == self.selected:
            return
        self.selected = position
        version = self.version_at(position) if position >= 0 else None
        self.recorder.charge_to(self.progress.stem, version)
        if self.two_panel:
            self._mark_looked()  # another version beside the original
        self.events.selection_changed(position)

    def _next_unlabelled_position(self, after: int) -> int:
        """The first unlabelled position after ``after`` (wrapping); the first one if all are labelled."""
        n = self.version_count
        for offset in range(1, n + 1):
            position = (after + offset) % n
            if self.label_at(position) is None:
                return position
        return 0 if after < 0 else after

    # --- saving ----------------------------------------------------------------------------

    def _save(self, index: int) -> bool:
        if not self.may_write():
            # Another copy took the labels over: writing now would overwrite its work.
            assert self.lock is not None
            self.save_error = f"Not saved: another copy of the app took over {self.lock.path}."
            self.events.save_failed(self.save_error)
            return False
        try:
            self.store.save(index)
        except SaveError as exc:
            self.save_error = str(exc)
            self.events.save_failed(str(exc))
            return False
        self.recorder.saved()
        if self.save_error is not None:
            self.save_error = None
            self.events.saved()
        return True

    def retry_saves(self) -> bool:
        """Save every set whose last save failed; False while one still fails."""
        if not self.store.dirty:
            return True
        for index in sorted(self.store.dirty):
            if not self._save(index):
                return False
        return True

    def _leave_set(self) -> None:
        """Keep the time spent and what was shown; a failure here never blocks the labels."""
        if self.progress.broken_reason is None:
            self.recorder.leave(self.index, may_write=self.may_write())

    def note_input(self) -> None:
        """The user acted: restart the idle window and retry a failed save (at most every 2 s)."""
        now = self.recorder.record_input()
        if self.store.dirty and now - self._last_retry >= RETRY_INTERVAL_S:
            self._last_retry = now
            self.retry_saves()
