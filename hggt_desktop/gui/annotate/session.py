"""The annotation session: the Qt face of :class:`AnnotationModel`.

The model (Qt-free, in ``hggt_desktop.annotation``) owns what the screen shows and every rule
about labels and saving; this QObject turns what the model reports into signals, runs the two
timers a screen needs (prefetch once a set is painted, the lock heartbeat) and keeps the
draw-ready images the prefetch worker prepares for the zoom on screen. Widgets call its
methods and redraw on its signals; they hold no state and write no files.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal

from hggt_desktop.annotation.label_store import SetProgress
from hggt_desktop.annotation.model import AnnotationEvents, AnnotationModel, local_now
from hggt_desktop.annotation.prefetch import LoadedSet
from hggt_desktop.annotation.workspace import Workspace
from hggt_desktop.core.active_time import DEFAULT_IDLE_LIMIT_S
from hggt_desktop.core.coverage import VisibleRect
from hggt_desktop.core.instance_lock import HEARTBEAT_INTERVAL_S, InstanceLock
from hggt_desktop.core.labels import Label
from hggt_desktop.gui.annotate.comparison import ComparisonAids
from hggt_desktop.gui.viewer.display_image import DisplayImage, DisplayPreparer

PREFETCH_DELAY_MS = 30
# After a zoom change, wait this long (a resize or a wheel spin settles) before rescaling the
# prefetched sets for the new zoom.
REPREPARE_DELAY_MS = 250


class AnnotationSession(QObject):
    """One annotator labelling one workspace, as signals and slots for the screen."""

    set_shown = Signal(int)
    labels_changed = Signal()
    selection_changed = Signal(int)
    swap_changed = Signal(str)
    two_panel_changed = Signal(bool)
    progress_changed = Signal()
    save_failed = Signal(str)
    saved = Signal()
    message = Signal(str)
    feedback = Signal(str)
    lock_lost = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        *,
        answers: dict[str, dict[str, Label]] | None = None,
        reasons: dict[str, dict[str, str]] | None = None,
        prefetch: bool = True,
        use_lock: bool = True,
        idle_limit_s: float = DEFAULT_IDLE_LIMIT_S,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = local_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # Read by the prefetch worker, set here from the GUI thread: a plain float inside.
        self._preparer = DisplayPreparer()
        preparer = self._preparer
        self.model = AnnotationModel(
            workspace,
            events=_SignalEvents(self),
            answers=answers,
            reasons=reasons,
            prefetch=prefetch,
            prefetch_now=False,
            prepare=lambda loaded: preparer(loaded.images, loaded.display),
            use_lock=use_lock,
            idle_limit_s=idle_limit_s,
            clock=clock,
            wall_clock=wall_clock,
        )
        self._prefetch_timer = self._timer(PREFETCH_DELAY_MS, self.model.prefetch_around, single=True)
        self._reprepare = self._timer(REPREPARE_DELAY_MS, self.model.prefetcher.prepare_again, single=True)
        self._heartbeat = self._timer(int(HEARTBEAT_INTERVAL_S * 1000), self._on_heartbeat)
        # A/B, flicker and the split view: each counted in the record, one at a time.
        self.aids = ComparisonAids(self.model, self.message.emit, self)

    def _timer(self, interval_ms: int, slot: Callable[[], object], single: bool = False) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        return timer

    # --- opening and closing -------------------------------------------------------------

    def start(self) -> list[str]:
        """Lock the labels (raises ``InstanceLockError``), read them, show the first unfinished set."""
        problems = self.model.start()
        if self.model.lock is not None:
            self._heartbeat.start()
        return problems

    def close(self) -> None:
        """Save what is pending, write the current record, release the lock."""
        self._heartbeat.stop()
        self._prefetch_timer.stop()
        self._reprepare.stop()
        self.model.close()

    def _on_heartbeat(self) -> None:
        lost = self.model.check_lock()
        if lost is not None:
            self._heartbeat.stop()
            self.lock_lost.emit(lost)

    # --- the screen's images ---------------------------------------------------------------

    def display_image(self, folder: str) -> DisplayImage | None:
        """The draw-ready image of ``folder`` in the current set (prefetched, or converted once now)."""
        loaded = self.model.loaded
        array = loaded.images.get(folder) if loaded else None
        if loaded is None or array is None:
            return None
        image = loaded.display.get(folder)
        if image is None:  # not prefetched (the first set, a jump): convert it now, once
            image = DisplayImage.from_array(array)
            loaded.display[folder] = image
        return image

    def set_display_zoom(self, zoom: float) -> None:
        """The zoom on screen: note it in the record, and have the prefetched sets scaled for it."""
        self.model.note_zoom(zoom)
        if zoom != self._preparer.zoom:
            self._preparer.zoom = zoom
            if zoom < 1:
                self._reprepare.start()

    def note_view(self, zoom: float, visible: Mapping[int, VisibleRect]) -> None:
        """The screen shows these parts of the versions' patches (position -> rectangle) at ``zoom``."""
        self.model.note_view(zoom, visible)

    def _on_set_shown(self, index: int) -> None:
        self.aids.reset()  # a new set starts with no comparison aid: each use counts on its set
        # Prefetch once this set is painted, so the decoding does not slow the switch down.
        if not self._prefetch_timer.isActive():
            self._prefetch_timer.start()
        self.set_shown.emit(index)

    # --- what the screen reads -------------------------------------------------------------

    @property
    def workspace(self) -> Workspace:
        return self.model.workspace

    @property
    def lock(self) -> InstanceLock | None:
        return self.model.lock

    @property
    def index(self) -> int:
        return self.model.index

    @property
    def count(self) -> int:
        return self.model.count

    @property
    def progress(self) -> SetProgress:
        return self.model.progress

    @property
    def loaded(self) -> LoadedSet | None:
        return self.model.loaded

    @property
    def selected(self) -> int:
        return self.model.selected

    @property
    def swap_mode(self) -> str:
        return self.model.swap_mode

    @property
    def two_panel(self) -> bool:
        return self.model.two_panel

    @property
    def save_error(self) -> str | None:
        return self.model.save_error

    @property
    def version_count(self) -> int:
        return self.model.version_count

    def version_at(self, position: int) -> str:
        return self.model.version_at(position)

    def letter(self, position: int) -> str:
        return self.model.letter(position)

    def label_at(self, position: int) -> Label | None:
        return self.model.label_at(position)

    def broken_reason(self) -> str | None:
        return self.model.broken_reason()

    def missing_count(self) -> int:
        return self.model.missing_count()

    def can_advance(self) -> bool:
        return self.model.can_advance()

    def done_count(self) -> int:
        return self.model.done_count()

    def unsaved_sets(self) -> set[int]:
        return self.model.unsaved_sets()

    def has_any_label(self) -> bool:
        return self.model.has_any_label()

    def is_idle(self) -> bool:
        return self.model.is_idle()

    def seconds_today(self) -> float:
        return self.model.seconds_today()

    def active_seconds(self) -> float:
        return self.model.active_seconds()

    def set_earlier_today(self, seconds: float) -> None:
        """Active seconds of earlier runs today (the window keeps them in its settings)."""
        self.model.earlier_today_seconds = seconds

    # --- what the screen asks for ----------------------------------------------------------

    def go_to(self, index: int) -> bool:
        return self.model.go_to(index)

    def next_set(self) -> bool:
        return self.model.next_set()

    def previous_set(self) -> bool:
        return self.model.previous_set()

    def next_unlabelled(self) -> bool:
        return self.model.next_unlabelled()

    def select(self, position: int) -> None:
        self.model.select(position)

    def give_label(self, label: Label) -> bool:
        return self.model.give_label(label)

    def flag(self, reason: str) -> bool:
        """Mark the set "can't judge" for ``reason`` ("" unflags); True when saved."""
        return self.model.flag(reason)

    def is_flagged(self) -> bool:
        """Whether the set on screen is flagged "can't judge"."""
        return self.model.progress.flagged

    def undo(self) -> bool:
        return self.model.undo()

    def retry_saves(self) -> bool:
        return self.model.retry_saves()

    def set_swap(self, mode: str) -> None:
        self.aids.stop_flicker()
        self.model.set_swap(mode)

    def set_two_panel(self, enabled: bool) -> None:
        self.model.set_two_panel(enabled)

    def step_two_panel(self, step: int = 1) -> None:
        self.model.step_two_panel(step)

    def set_screen_scale(self, scale: float) -> None:
        self.model.set_screen_scale(scale)

    def note_input(self) -> None:
        self.model.note_input()

    def set_on_screen(self, on_screen: bool) -> None:
        """Whether the work page is the one shown (the instructions and practice are not)."""
        self.model.set_on_screen(on_screen)

    def set_focused(self, focused: bool) -> None:
        self.model.set_focused(focused)


class _SignalEvents(AnnotationEvents):
    """The model's reports, emitted as the session's signals."""

    def __init__(self, session: AnnotationSession) -> None:
        self._session = session

    def set_shown(self, index: int) -> None:
        self._session._on_set_shown(index)

    def labels_changed(self) -> None:
        self._session.labels_changed.emit()

    def selection_changed(self, position: int) -> None:
        self._session.selection_changed.emit(position)

    def swap_changed(self, mode: str) -> None:
        self._session.swap_changed.emit(mode)

    def two_panel_changed(self, enabled: bool) -> None:
        self._session.two_panel_changed.emit(enabled)

    def progress_changed(self) -> None:
        self._session.progress_changed.emit()

    def save_failed(self, text: str) -> None:
        self._session.save_failed.emit(text)

    def saved(self) -> None:
        self._session.saved.emit()

    def message(self, text: str) -> None:
        self._session.message.emit(text)

    def feedback(self, text: str) -> None:
        self._session.feedback.emit(text)
