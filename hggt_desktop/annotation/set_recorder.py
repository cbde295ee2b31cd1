"""What the record says about each set: active time, swaps, zoom, and the images shown (Qt-free).

The session tells the recorder what happens (a set shown, a version selected, a swap, a
zoom, any input, focus); the recorder keeps the figures in the set's :class:`SetRecord` and
writes the record when the set is left. Writing the record never blocks the labels: a failure
here is logged, the labels themselves are saved by :class:`LabelStore`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from hggt_desktop.annotation.label_store import LabelStore
from hggt_desktop.annotation.prefetch import LoadedSet
from hggt_desktop.core.active_time import ActiveTime
from hggt_desktop.core.coverage import Coverage

log = logging.getLogger(__name__)


class SetRecorder:
    """Active time per (set, version) and the other per-set figures, moved into records."""

    def __init__(
        self,
        store: LabelStore,
        clock: Callable[[], float],
        wall_clock: Callable[[], datetime],
        idle_limit_s: float,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wall_clock = wall_clock
        self.timer = ActiveTime(clock(), idle_limit_s)
        self.harvested_seconds = 0.0  # moved into records during this run
        self.touched = False  # the current set's record has news worth writing

    def shown(self, index: int, loaded: LoadedSet, stamp: bool = True) -> None:
        """Set ``index`` is current: note when it was first seen (``stamp``) and its images' hashes.

        Where the annotator looks at 1:1 is kept from the set's first showing on; a set shown
        before (by an app that did not keep it) stays "not recorded" rather than half known.
        """
        record = self.store.record(index)
        if stamp and record.first_shown is None:
            record.first_shown = self.wall_clock()
            if record.looked_1to1 is None:
                record.looked_1to1 = Coverage()
            self.touched = True
        if record.image_sha256 != loaded.sha256:
            record.image_sha256 = dict(loaded.sha256)
            self.touched = True

    def charge_to(self, stem: str, version: str | None) -> None:
        """Active time from now on belongs to ``version`` of ``stem`` (None: no version selected)."""
        self.timer.charge_to((stem, version), self.clock())

    def harvest(self, index: int) -> None:
        """Move the active seconds charged to set ``index`` into its record."""
        self.timer.flush(self.clock())
        record = self.store.record(index)
        stem = record.stem
        for key in self.timer.keys():
            if isinstance(key, tuple) and key[0] == stem:
                seconds = self.timer.take(key)
                self.harvested_seconds += seconds
                record.active_seconds += seconds
                if key[1] is not None:
                    record.version_seconds[key[1]] = record.version_seconds.get(key[1], 0.0) + seconds
                self.touched = self.touched or seconds >= 1.0

    def saved(self) -> None:
        """The store just wrote the record: nothing new to write until something happens."""
        self.touched = False

    def leave(self, index: int, may_write: bool) -> None:
        """Set ``index`` leaves the screen: keep its time, and write its record if it has news."""
        self.harvest(index)
        if self.touched and may_write:
            try:
                self.store.write_record(index)
            except OSError as exc:
                log.warning("could not write the record of set %s: %s", self.store.sets[index].stem, exc)
        self.touched = False

    def swapped(self, index: int) -> None:
        self.store.record(index).swap_count += 1
        self.touched = True

    def aid_used(self, index: int, aid: str) -> None:
        uses = self.store.record(index).aid_uses
        uses[aid] = uses.get(aid, 0) + 1
        self.touched = True

    def zoomed(self, index: int, zoom: float) -> None:
        record = self.store.record(index)
        if zoom > record.max_zoom:
            record.max_zoom = zoom
            self.touched = True

    def record_input(self) -> float:
        """The user acted; returns the clock reading."""
        now = self.clock()
        self.timer.record_input(now)
        return now

    def set_focused(self, focused: bool) -> None:
        self.timer.set_focused(focused, self.clock())

    def is_idle(self) -> bool:
        return self.timer.is_idle(self.clock())

    def active_seconds(self) -> float:
        """Active seconds in this run, including time not yet moved into a record."""
        self.timer.flush(self.clock())
        return self.harvested_seconds + self.timer.total()
