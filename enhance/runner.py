"""Running enhancement models over a folder: reader, engine and writer threads joined by queues.

For each model in turn (one model loaded at a time per device), every image of the folder goes
through it: reader threads decode ahead and lay out the tiles, one engine thread per device
keeps the device busy with batches of tiles, and writer threads blend, encode and write behind
it. Bounded queues keep memory flat. A stop request (Ctrl-C) lets the writers finish what is
computed, records it, and leaves the rest for the next run, which the manifest resumes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from enhance.engines.base import Engine, EngineOptions, is_out_of_memory
from enhance.job import ORIGINAL, EngineFactory, ModelSpec, Reporter, RunOptions, RunSummary, output_path
from enhance.manifest import DONE, FAILED, Manifest, Record
from enhance.png import write_png
from enhance.tiling import TileMerger, TilePlan, extract_tiles, make_canvas, plan_tiles
from hggt_desktop.core.atomic import write_bytes_atomic
from hggt_desktop.core.images import decode_image, is_plain_rgb_png, read_encoded

log = logging.getLogger(__name__)

_POLL_S = 0.1
# Niceness of the reader and writer threads (Linux): they only have to keep ahead of the engine,
# so when they compete with it for the cores the engine's threads go first.
_HELPER_NICENESS = 5


def _yield_to_engine() -> None:
    """Lower the calling thread's priority below the engine's (Linux only; elsewhere a no-op)."""
    if sys.platform.startswith("linux") and _HELPER_NICENESS:
        # On Linux a thread id is a task id, so this renices only the calling thread.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _HELPER_NICENESS)


@dataclass
class _Item:
    """One image in flight."""

    name: str
    image: np.ndarray
    plan: TilePlan | None = None
    canvas: np.ndarray | None = None
    # The file's own bytes when they can serve as the copy under original/ (see _write_output).
    encoded: np.ndarray | None = None


@dataclass
class _Attempt:
    """One pass of an image's tiles through the engine; a retry (out of memory) starts a new one.

    Writers blend each batch as it arrives, so when the engine finishes an image only its
    last batch, the encoding and the write remain.
    """

    item: _Item
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


class _Feed:
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
        self._current: _Attempt | None = None
        self._next = 0
        self._again: deque[_Item] = deque()
        self._inputs_done = False
        self._in_flight = 0  # batches handed out and not yet finished: they may come back

    def take(self) -> tuple[_Attempt, range] | None:
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
                    self._cond.wait(_POLL_S)
            return None

    def finished(self) -> None:
        """A batch from :meth:`take` is done (computed, failed or retried)."""
        with self._cond:
            self._in_flight -= 1
            self._cond.notify_all()

    def _poll_ready(self) -> _Item | None:
        try:
            item = self._ready.get(timeout=_POLL_S)
        except queue.Empty:
            item = None
        # None also arrives as a wake-up call from the main thread once the readers are done.
        if item is None and self._readers_done.is_set() and self._ready.empty():
            self._inputs_done = True
        return item

    def _begin(self, item: _Item) -> _Attempt:
        plan = item.plan
        if plan is None or plan.tile != self.tile:
            plan = item.plan = plan_tiles(item.image.shape[0], item.image.shape[1], self.tile, self.overlap)
            item.canvas = make_canvas(item.image, plan)
        return _Attempt(item, plan, self.batch)

    def drop(self, attempt: _Attempt) -> None:
        """Hand out no more tiles of a failed attempt."""
        with self._cond:
            if self._current is attempt:
                self._current = None

    def shrink(self, attempt: _Attempt) -> bool:
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


class _BusyClock:
    """Wall time during which at least one stream of an engine is inside a call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._since = 0.0
        self.total = 0.0

    @contextlib.contextmanager
    def running(self):
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


class Runner:
    """Runs a list of models over a list of images into ``out_dir``."""

    def __init__(
        self,
        input_dir: Path,
        out_dir: Path,
        images: list[str],
        models: list[ModelSpec],
        options: RunOptions,
        open_engine: EngineFactory,
        reporter: Reporter | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.input_dir, self.out_dir = input_dir, out_dir
        self.images, self.models, self.options = images, models, options
        self.open_engine = open_engine
        self.reporter = reporter or Reporter()
        self.stop = stop or threading.Event()
        self.manifest = Manifest(out_dir)
        self.summary = RunSummary()
        self._lock = threading.Lock()
        # Images that failed to decode once are not read again for the other models of this run.
        self._unreadable: set[str] = set()
        self._originals_pending: set[str] = set()

    def _todo(self, model_id: str, sha: str) -> list[str]:
        options = self.options.pixel_options() if model_id != ORIGINAL else {}
        return [
            name
            for name in self.images
            if not self.manifest.is_done(
                name, model_id, sha, options, output_path(self.out_dir, model_id, name)
            )
        ]

    def run(self) -> RunSummary:
        """Process every (model, image) pair that the manifest does not mark as done."""
        originals = self._todo(ORIGINAL, "")
        work = [(m.model_id, m.path, m.sha256, self._todo(m.model_id, m.sha256)) for m in self.models]
        total = len(self.images) * (1 + len(self.models))
        self.summary.skipped = total - len(originals) - sum(len(todo) for *_, todo in work)
        self.reporter.started(total, self.summary.skipped)
        # The copy of the original is written by the reader of the first model pass that decodes
        # the image anyway; only what is left (all models already done) needs a pass of its own.
        self._originals_pending = set(originals)
        for model_id, path, sha, todo in work:
            self._run_todo(model_id, path, sha, todo)
        with self._lock:
            left = [name for name in originals if name in self._originals_pending]
        self._run_todo(ORIGINAL, None, "", left)
        self.summary.interrupted = self.stop.is_set()
        return self.summary

    def _run_todo(self, model_id: str, path: Path | None, sha: str, todo: list[str]) -> None:
        if self.stop.is_set():
            return
        for name in [n for n in todo if n in self._unreadable]:
            self._fail(model_id, name, "not readable (reported above); skipped")
        todo = [name for name in todo if name not in self._unreadable]
        if todo:
            self._run_pass(model_id, path, sha, todo)

    def _run_pass(self, model_id: str, path: Path | None, sha: str, todo: list[str]) -> None:
        names: queue.Queue[str] = queue.Queue()
        for name in todo:
            names.put(name)
        ready: queue.Queue[_Item] = queue.Queue(maxsize=self.options.queue_size)
        # Batches of output tiles (or whole images for the originals' own pass).
        computed: queue.Queue = queue.Queue(maxsize=self.options.queue_size * 8)
        readers_done, compute_done = threading.Event(), threading.Event()
        devices = self.options.devices if path is not None else (None,)
        feed = _Feed(ready, readers_done, self.stop, self.options)
        clocks = [_BusyClock() for _ in devices]
        stages = [
            [
                threading.Thread(target=self._read_loop, args=(model_id, names, ready, path is not None))
                for _ in range(self.options.readers)
            ],
            [
                threading.Thread(target=self._pass_through, args=(ready, computed, readers_done))
                if path is None
                else threading.Thread(
                    target=self._device_loop, args=(model_id, path, device, feed, computed, clocks[i])
                )
                for i, device in enumerate(devices)
            ],
            [
                threading.Thread(target=self._write_loop, args=(model_id, sha, computed, compute_done))
                for _ in range(self.options.writers)
            ],
        ]
        for stage in stages:
            for thread in stage:
                thread.start()
        ends = ((readers_done, ready, len(devices)), (compute_done, computed, self.options.writers), None)
        for stage, end in zip(stages, ends, strict=True):
            for thread in stage:
                # A timed join keeps the main thread responsive to Ctrl-C on every platform.
                while thread.is_alive():
                    thread.join(_POLL_S)
            if end is not None:
                done, next_queue, consumers = end
                done.set()
                # Wake the next stage now rather than at its next poll (a None is "look again").
                for _ in range(consumers):
                    with contextlib.suppress(queue.Full):
                        next_queue.put_nowait(None)
        if path is not None:
            # The share of the pass each device's engine was busy, averaged over the devices.
            with self._lock:
                self.summary.engine_busy_s += sum(clock.total for clock in clocks) / len(clocks)

    def _put(self, target: queue.Queue, item: _Item) -> bool:
        while not self.stop.is_set():
            try:
                target.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _fail(self, model_id: str, name: str, message: str) -> None:
        log.info("%s [%s] failed: %s", name, model_id, message)
        with self._lock:
            self.summary.failed.append((model_id, name, message))
        self.manifest.record(Record(name, model_id, "", {}, FAILED, message=message))
        self.reporter.finished_one(model_id, name, False, message)

    def _read_loop(self, model_id: str, names: queue.Queue, ready: queue.Queue, tiled: bool) -> None:
        _yield_to_engine()
        while not self.stop.is_set():
            try:
                name = names.get_nowait()
            except queue.Empty:
                return
            try:
                encoded = read_encoded(self.input_dir / name)
                image = decode_image(encoded, self.input_dir / name)
            except Exception as exc:  # one bad file must not end the run
                with self._lock:
                    self._unreadable.add(name)
                self._fail(model_id, name, str(exc))
                continue
            # An 8-bit RGB PNG is its own copy under original/; the engine needs only the pixels.
            plain = encoded if is_plain_rgb_png(encoded) else None
            item = _Item(name, image, encoded=None if tiled else plain)
            if tiled:
                item.plan = plan_tiles(
                    image.shape[0], image.shape[1], self.options.tile, self.options.overlap
                )
                item.canvas = make_canvas(image, item.plan)
            if not self._put(ready, item):
                return
            with self._lock:
                copy_original = tiled and name in self._originals_pending
                self._originals_pending.discard(name)
            if copy_original:
                # Written after handing the image to the engine, so the copy costs no engine time.
                self._write_output(ORIGINAL, "", item, image, plain)

    def _pass_through(self, ready: queue.Queue, computed: queue.Queue, readers_done: threading.Event) -> None:
        """The originals' own pass: no engine, images go straight to the writers."""
        while not self.stop.is_set():
            try:
                item = ready.get(timeout=_POLL_S)
            except queue.Empty:
                item = None
            if item is not None:
                # Blocking put: writers drain until every engine thread has ended.
                computed.put(item)
            elif readers_done.is_set() and ready.empty():
                return

    def _device_loop(
        self, model_id: str, path: Path, device: int, feed: _Feed, computed: queue.Queue, clock: _BusyClock
    ) -> None:
        """Open the model on one device and run its engine streams until the feed is empty."""
        engine_options = EngineOptions(
            self.options.provider, device, self.options.precision, self.options.streams
        )
        try:
            engine = self.open_engine(path, engine_options)
        except Exception as exc:
            # A model that cannot be opened ends the run: every image would fail the same way.
            log.error("model %s: cannot open %s (%s)", model_id, path, exc)
            with self._lock:
                self.summary.fatal.append(f"model {model_id}: {exc}")
            self.stop.set()
            return
        self.reporter.engine_opened(model_id, device, engine.description)
        streams = [
            threading.Thread(target=self._stream_loop, args=(model_id, engine, feed, computed, clock))
            for _ in range(max(1, getattr(engine, "streams", 1)) - 1)
        ]
        try:
            for thread in streams:
                thread.start()
            self._stream_loop(model_id, engine, feed, computed, clock)
        finally:
            for thread in streams:
                thread.join()
            engine.close()

    def _stream_loop(
        self, model_id: str, engine: Engine, feed: _Feed, computed: queue.Queue, clock: _BusyClock
    ) -> None:
        """One stream: batches from the feed through the engine to the writers."""
        while (work := feed.take()) is not None:
            attempt, indices = work
            try:
                tiles = extract_tiles(attempt.item.canvas, attempt.plan, indices)
                with clock.running():
                    outputs = engine.infer(tiles)
            except Exception as exc:
                if not (is_out_of_memory(exc) and feed.shrink(attempt)):
                    feed.drop(attempt)
                    if attempt.discard():
                        self._fail(model_id, attempt.item.name, f"model failed: {exc}")
                continue
            finally:
                feed.finished()
            computed.put((attempt, indices, outputs))

    def _write_loop(
        self, model_id: str, sha: str, computed: queue.Queue, compute_done: threading.Event
    ) -> None:
        _yield_to_engine()
        # Writers drain the queue even after a stop request: those results are already paid for.
        while True:
            try:
                item = computed.get(timeout=_POLL_S)
            except queue.Empty:
                item = None
            if item is None:
                if compute_done.is_set() and computed.empty():
                    return
                continue
            if model_id == ORIGINAL:
                self._write_output(ORIGINAL, "", item, item.image, item.encoded)
                continue
            attempt, indices, outputs = item
            result = self._blend(model_id, attempt, indices, outputs)
            if result is not None and self._write_output(model_id, sha, attempt.item, result):
                with self._lock:
                    self.summary.megapixels += attempt.item.image.size / 3e6

    def _write_output(
        self, model_id: str, sha: str, item: _Item, result: np.ndarray, encoded: np.ndarray | None = None
    ) -> bool:
        """Write one output atomically and record it; False (recorded as failed) on error.

        ``encoded``: PNG bytes that already hold exactly ``result`` (an 8-bit RGB original),
        copied as they are instead of encoding the pixels again.
        """
        target = output_path(self.out_dir, model_id, item.name)
        try:
            if encoded is not None:
                write_bytes_atomic(target, encoded.tobytes())
            else:
                write_png(target, result)
        except Exception as exc:
            self._fail(model_id, item.name, f"cannot write {target}: {exc}")
            return False
        options = self.options.pixel_options() if model_id != ORIGINAL else {}
        self.manifest.record(Record(item.name, model_id, sha, options, DONE, output=str(target)))
        with self._lock:
            self.summary.done += 1
        self.reporter.finished_one(model_id, item.name, True)
        return True

    def _blend(
        self, model_id: str, attempt: _Attempt, indices: range, outputs: np.ndarray
    ) -> np.ndarray | None:
        """Add one batch to its image; the finished 8-bit image once every batch is in."""
        with attempt.lock:
            if attempt.failed:
                return None
            try:
                if attempt.merger is None:
                    scale = outputs.shape[-1] // attempt.plan.tile_width
                    attempt.merger = TileMerger(attempt.plan, scale, outputs.shape[1])
                attempt.merger.add(outputs, indices)
            except Exception as exc:
                attempt.failed = True
                self._fail(model_id, attempt.item.name, f"cannot blend the tiles: {exc}")
                return None
            attempt.added += 1
            if attempt.added < attempt.batches:
                return None
            merger, attempt.merger = attempt.merger, None
        return merger.result()
