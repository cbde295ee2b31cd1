"""One annotator labelling one workspace, without a screen (Qt-free).

The model owns what the annotator's screen shows and every rule about changing it: which set
and version are selected, labels and undo, when a set may be left, saving before the screen
moves on, the lock that keeps a second copy from writing the same labels. It reports what
changed through :class:`AnnotationEvents`; the Qt session turns those into signals, a headless
test or script simply reads the model. Positions are on-screen positions of versions
(0 = the first version panel, letter A); ``version_at`` maps them back to version folders,
which is all the files ever see.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import cast

from hggt_desktop.annotation.label_store import LabelStore, SaveError, SetProgress
from hggt_desktop.annotation.practice_feedback import feedback_text
from hggt_desktop.annotation.prefetch import LoadedSet, SetPrefetcher
from hggt_desktop.annotation.set_recorder import SetRecorder
from hggt_desktop.annotation.workspace import Workspace
from hggt_desktop.core.active_time import DEFAULT_IDLE_LIMIT_S
from hggt_desktop.core.instance_lock import InstanceLock
from hggt_desktop.core.labels import Label
from hggt_desktop.core.layout import lock_path
from hggt_desktop.core.screen_order import screen_letter

log = logging.getLogger(__name__)

SWAP_NONE, SWAP_SELECTED, SWAP_ALL = "none", "selected", "all"
RETRY_INTERVAL_S = 2.0


def local_now() -> datetime:
    return datetime.now().replace(microsecond=0)


class AnnotationEvents:
    """What the model reports after a change; these do nothing, the Qt session overrides them."""

    def set_shown(self, index: int) -> None: ...
    def labels_changed(self) -> None: ...
    def selection_changed(self, position: int) -> None: ...
    def swap_changed(self, mode: str) -> None: ...
    def two_panel_changed(self, enabled: bool) -> None: ...
    def progress_changed(self) -> None: ...
    def save_failed(self, text: str) -> None: ...
    def saved(self) -> None: ...
    def message(self, text: str) -> None: ...
    def feedback(self, text: str) -> None: ...


class AnnotationModel:
    """One annotator labelling one workspace (or a practice copy with known ``answers``)."""

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

    def missing_count(self) -> int:
        return sum(1 for p in range(self.version_count) if self.label_at(p) is None)

    def can_advance(self) -> bool:
        progress = self.progress
        return progress.broken_reason is not None or progress.complete or progress.flagged

    def done_count(self) -> int:
        return self.store.done_count()

    def unsaved_sets(self) -> set[int]:
        """Sets whose last save failed (retried with the next action)."""
        return set(self.store.dirty)

    def has_any_label(self) -> bool:
        """True once anything was labelled here (a first visit shows the instructions)."""
        return self.store.done_count() > 0 or any(p.labels for p in self.store.sets)

    # --- navigation ----------------------------------------------------------------------

    def go_to(self, index: int) -> bool:
        """Show set ``index``; refuses (False) while a failed save is still pending."""
        if not 0 <= index < self.count:
            return False
        if not self.retry_saves():
            return False
        if self.index >= 0:
            self._leave_set()
        self.index = index
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

    def prefetch_around(self) -> None:
        """Start loading the sets around the one shown (the owner calls it once it is painted)."""
        if self.index >= 0 and not self._closed:
            self.prefetcher.around(self.index)

    def next_set(self) -> bool:
        """Move on, only when every version has a label (or the set is broken)."""
        self.note_input()
        if not self.can_advance():
            self.events.message(f"Give every version a label first ({self.missing_count()} left).")
            return False
        if self.index + 1 >= self.count:
            nxt = self.store.first_unfinished()
            if nxt is None:
                done = "Practice finished: start the real work" if self.answers is not None else "Thank you!"
                self.events.message(f"All {self.count} sets are labelled. {done}")
                return False
            moved = self.go_to(nxt)
            if moved:
                self.events.message("That was the last set; this is the first one not finished.")
            return moved
        return self.go_to(self.index + 1)

    def previous_set(self) -> bool:
        self.note_input()
        return self.go_to(self.index - 1) if self.index > 0 else False

    def next_unlabelled(self) -> bool:
        """Jump to the next set that is not done, after the current one."""
        self.note_input()
        nxt = self.store.first_unfinished((self.index + 1) % self.count)
        if nxt is None:
            self.events.message(f"All {self.count} sets are labelled.")
            return False
        return self.go_to(nxt)

    # --- selection, labels, undo ---------------------------------------------------------

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
        self.events.selection_changed(position)

    def _next_unlabelled_position(self, after: int) -> int:
        """The first unlabelled position after ``after`` (wrapping); the first one if all are labelled."""
        n = self.version_count
        for offset in range(1, n + 1):
            position = (after + offset) % n
            if self.label_at(position) is None:
                return position
        return 0 if after < 0 else after

    def give_label(self, label: Label) -> bool:
        """Label the selected version, save, then select the next unlabelled version.

        True means the label is on disk (acknowledged); False: refused or not saved yet.
        """
        self.note_input()
        if self.progress.broken_reason is not None:
            self.events.message("This set cannot be labelled; press → to skip it.")
            return False
        if self.selected < 0:
            self._select(self._next_unlabelled_position(-1))
        version = self.version_at(self.selected)
        old = self.progress.labels.get(version)
        self._undo.append((self.index, version, old))
        self._change_label(version, label)
        if self.progress.complete and self.save_error is None:
            self.events.message("Every version has a label: press → for the next set.")
            self._give_feedback()
        self._select(self._next_unlabelled_position(self.selected))
        return self.save_error is None

    def undo(self) -> bool:
        """Take back the last label given (going back to its set if needed)."""
        self.note_input()
        if not self._undo:
            self.events.message("Nothing to undo.")
            return False
        index, version, old = self._undo[-1]
        if index != self.index and not self.go_to(index):
            return False
        self._undo.pop()
        # A Label is a StrEnum, so the entry's kind is told by its version, never by isinstance(old, str).
        if version is None:
            reason = cast(str, old)
            self._change_flag(reason)
            self.events.message(f"Undone: the set is {'flagged ' + reason if reason else 'not flagged'} again.")
            return self.save_error is None
        old = cast("Label | None", old)
        self._change_label(version, old)
        self._select(self.progress.order.index(version))
        self.events.message(
            f"Undone: version {self.letter(self.selected)} is {old.value if old else 'unlabelled'} again."
        )
        return self.save_error is None

    def flag(self, reason: str) -> bool:
        """Mark the set "can't judge" for ``reason`` ("" unflags); its labels move into the record.

        The HGGT format has no such value, so a flagged set has no label file: labels already
        given are kept in the record and come back on unflag or undo. True: saved.
        """
        self.note_input()
        record = self.store.record(self.index)
        if reason == record.flag:
            return True
        self._undo.append((self.index, None, record.flag))
        self._change_flag(reason)
        if reason:
            self.events.message(f"Flagged as can't judge ({reason}): press → for the next set.")
        else:
            self.events.message("Flag removed: the labels given before are back.")
        return self.save_error is None

    def _change_flag(self, reason: str) -> None:
        self.recorder.harvest(self.index)
        record = self.store.record(self.index)
        record.flag = reason
        record.last_label = self._wall_clock()
        self.store.dirty.add(self.index)
        self._save(self.index)
        self.events.labels_changed()
        self.events.progress_changed()

    def _change_label(self, version: str, label: Label | None) -> None:
        self.recorder.harvest(self.index)
        self.store.set_label(self.index, version, label, self._wall_clock())
        self._save(self.index)
        self.events.labels_changed()
        self.events.progress_changed()

    def _give_feedback(self) -> None:
        if self.answers is None:
            return
        given = {self.version_at(p): self.label_at(p) for p in range(self.version_count)}
        stem = self.progress.stem
        self.events.feedback(
            feedback_text(self.progress.order, given, self.answers.get(stem, {}), self.reasons.get(stem, {}))
        )

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

    # --- viewing and time ------------------------------------------------------------------

    def set_swap(self, mode: str, count: bool = True) -> None:
        """Show the original in place of the selected version or of all (held key), or stop.

        ``count`` False: a flicker frame, counted once per flicker (:meth:`note_aid`), not per swap.
        """
        if count:
            self.note_input()
        if mode == self.swap_mode:
            return
        if count and mode != SWAP_NONE and self.progress.broken_reason is None:
            self.recorder.swapped(self.index)
        self.swap_mode = mode
        self.events.swap_changed(mode)

    def note_aid(self, aid: str) -> None:
        """A comparison aid ("ab_toggle", "flicker", "split") was started on this set: the record counts it."""
        if self.index >= 0 and self.progress.broken_reason is None:
            self.recorder.aid_used(self.index, aid)

    def set_two_panel(self, enabled: bool) -> None:
        self.note_input()
        if enabled != self.two_panel:
            self.two_panel = enabled
            self.events.two_panel_changed(enabled)

    def step_two_panel(self, step: int = 1) -> None:
        """In two-panel mode, show (and select) the next version."""
        if not self.two_panel:
            self.set_two_panel(True)
        self.select((max(self.selected, 0) + step) % self.version_count)

    def note_zoom(self, zoom: float) -> None:
        if self.index >= 0 and self.progress.broken_reason is None:
            self.recorder.zoomed(self.index, zoom)

    def set_screen_scale(self, scale: float) -> None:
        self.store.screen_scale = scale

    def note_input(self) -> None:
        """The user acted: restart the idle window and retry a failed save (at most every 2 s)."""
        now = self.recorder.record_input()
        if self.store.dirty and now - self._last_retry >= RETRY_INTERVAL_S:
            self._last_retry = now
            self.retry_saves()

    def set_focused(self, focused: bool) -> None:
        self._focused = focused
        self.recorder.set_focused(focused and self._on_screen)

    def set_on_screen(self, on_screen: bool) -> None:
        """The work page is (or is no longer) the one shown: the first set's clock starts here.

        Without this the first set's ``Time_cost`` included the instructions and practice
        (``Total`` 20 s for a set labelled in 2 s).
        """
        self._on_screen = on_screen
        self.recorder.set_focused(self._focused and on_screen)
        if on_screen and self.index >= 0 and self.progress.broken_reason is None and self.loaded is not None:
            self.recorder.shown(self.index, self.loaded, stamp=True)

    def is_idle(self) -> bool:
        """True while time is not counted (unfocused, or no input for the idle limit)."""
        return self.recorder.is_idle()

    def seconds_today(self) -> float:
        """Active seconds today: earlier runs plus this one."""
        return self.earlier_today_seconds + self.active_seconds()

    def active_seconds(self) -> float:
        """Active seconds in this session, including time not yet moved into a record."""
        return self.recorder.active_seconds()
