"""Work handed between the runner's threads: images in flight, attempts, the engines' feed.

The runner's readers make :class:`Item` s; the engine streams take batches of tiles from one
:class:`Feed`, each batch belonging to an :class:`Attempt` (one pass of an image's tiles, a
retry after out of memory being a new one); the writers blend an attempt's batches as they
arrive. :class:`BusyClock` measures how long an engine was busy.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from enhance.job import RunOptions
from enhance.tiling import TileMerger, TilePlan, make_canvas, plan_tiles

log = logging.getLogger("enhance.runner")

# How long a thread waits on a queue before it looks at the stop and end flags again.
POLL_S = 0.1


@dataclass
class Item:
    """One image in flight."""

    name: str
    image: np.ndarray
    plan: TilePlan | None = None
    canvas: np.ndarray | None = None
    # The file's own bytes when they can serve as the copy under original/ (Runner._write_output).
    encoded: np.ndarray | None = None

    def lay_out(self, tile: int, overlap: int) -> TilePlan:
        """The image's tile plan and canvas for this tile size (kept until the size changes)."""
        if self.plan is None or self.plan.tile != tile:
            self.plan = plan_tiles(self.image.shape[0], self.image.shape[1], tile, overlap)
            self.canvas = make_canvas(self.image, self.plan)
        return self.plan


@dataclass
class Attempt:
    """One pass of an image's tiles through the engine; a retry (out of memory) starts a new one.

    Writers blend each batch as it arrives, so when the engine finishes an image only its
    last batch, the encoding and the write remain.
    """

    item: Item
    plan: TilePlan
    batch: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    merger: TileMerger | None = None
    added: int = 0
    failed: bool = False  # no output: failed, or superseded by a retry
    retried: bool = False

    @property
    def batches(self) -> int:
        return -(-self.plan.count // self.batch)

    def discard(self) -> bool:
        """Mark the attempt as producing no output; True for the first caller."""
        with self.lock:
            first = not self.failed
            self.failed = True
            self.merger = None
        return first


class Feed:
    """Hands batches of tiles to the engine streams, image after image.

    Every stream (several per device on the CPU, one per GPU) takes the next batch of the
    current image, so all of them stay busy until the last tile of the pass rather than the
    last image. On out of memory the batch, then the tile, is halved for the rest of the pass
    and the image goes again from its first tile.
    """

    def __init__(
        self, ready: queue.Queue, readers_done: threading.Event, stop: threading.Event, options: RunOptions
    ) -> None:
        self._ready, self._readers_done, self._stop = ready, readers_done, stop
        self.batch, self.tile, self.overlap = options.batch, options.tile, options.overlap
        self._cond = threading.Condition()
        self._current: Attempt | None = None
        self._next = 0
        self._again: deque[Item] = deque()
        self._inputs_done = False
        self._in_flight = 0  # batches handed out and not yet finished: they may come back

    def take(self) -> tuple[Attempt, range] | None:
        """The next batch to compute, or None once the pass is over or a stop was asked for.

        Every batch taken must be followed by :meth:`finished`, after any :meth:`shrink`.
        """
        with self._cond:
            while not self._stop.is_set():
                attempt = self._current
                if attempt is not None and self._next < attempt.plan.count:
                    start = self._next
                    self._next = min(start + attempt.batch, attempt.plan.count)
                    self._in_flight += 1
                    return attempt, range(start, self._next)
                if self._again:
                    self._current, self._next = self._begin(self._again.popleft()), 0
                elif not self._inputs_done:
                    item = self._poll_ready()
                    if item is not None:
                        self._current, self._next = self._begin(item), 0
                elif self._in_flight == 0:
                    return None
                else:
                    # A batch still computing may run out of memory and bring its image back.
                    self._cond.wait(POLL_S)
            return None

    def finished(self) -> None:
        """A batch from :meth:`take` is done (computed, failed or retried)."""
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def _poll_ready(self) -> Item | None:
        try:
            item = self._ready.get(timeout=POLL_S)
        except queue.Empty:
            item = None
        # None also arrives as a wake-up call from the main thread once the readers are done.
        if item is None and self._readers_done.is_set() and self._ready.empty():
            self._inputs_done = True
        return item

    def _begin(self, item: Item) -> Attempt:
        # Readers lay images out at the asked tile size; after out of memory it may be smaller.
        return Attempt(item, item.lay_out(self.tile, self.overlap), self.batch)

    def drop(self, attempt: Attempt) -> None:
        """Hand out no more tiles of a failed attempt."""
        with self._cond:
            if self._current is attempt:
                self._current = None

    def shrink(self, attempt: Attempt) -> bool:
        """After out of memory: smaller batches or tiles, and the image again; False when
        there is nothing left to halve."""
        with self._cond:
            if attempt.retried:  # another stream ran out of memory on the same attempt first
                return True
            if attempt.batch > 1:
                self.batch = min(self.batch, attempt.batch // 2)
            elif attempt.plan.tile // 2 > 2 * self.overlap:
                self.tile = min(self.tile, attempt.plan.tile // 2)
            else:
                return False
            attempt.retried = True
            if self._current is attempt:
                self._current = None
            self._again.appendleft(attempt.item)
        attempt.discard()
        log.warning(
            "%s: out of memory; retrying with batch %d, tile %d", attempt.item.name, self.batch, self.tile
        )
        return True


class BusyClock:
    """Wall time during which at least one stream of an engine is inside a call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._since = 0.0
        self.total = 0.0

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._since = time.perf_counter()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    self.total += time.perf_counter() - self._since
