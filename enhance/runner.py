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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from enhance.engines.base import Engine, EngineOptions, is_out_of_memory
from enhance.job import ORIGINAL, EngineFactory, ModelSpec, Reporter, RunOptions, RunSummary, output_path
from enhance.manifest import DONE, FAILED, Manifest, Record
from enhance.png import write_png
from enhance.tiling import TileMerger, TilePlan, extract_tiles, make_canvas, plan_tiles
from hggt_desktop.core.images import read_image

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


@dataclass
class _Attempt:
    """One pass of an image's tiles through the engine; a retry (out of memory) starts a new one.

    Writers blend each batch as it arrives, so when the engine finishes an image only its
    last batch, the encoding and the write remain.
    """

    item: _Item
    plan: TilePlan
    batches: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    merger: TileMerger | None = None
    added: int = 0
    failed: bool = False


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
        stages = [
            [
                threading.Thread(target=self._read_loop, args=(model_id, names, ready, path is not None))
                for _ in range(self.options.readers)
            ],
            [
                threading.Thread(
                    target=self._compute_loop, args=(model_id, path, device, ready, computed, readers_done)
                )
                for device in devices
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
                image = read_image(self.input_dir / name)
            except Exception as exc:  # one bad file must not end the run
                with self._lock:
                    self._unreadable.add(name)
                self._fail(model_id, name, str(exc))
                continue
            item = _Item(name, image)
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
                self._write_output(ORIGINAL, "", item, image)

    def _compute_loop(self, model_id, path, device, ready, computed, readers_done) -> None:
        engine = None
        if path is not None:
            engine_options = EngineOptions(self.options.provider, device, self.options.precision)
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
        batch, tile = self.options.batch, self.options.tile
        try:
            while not self.stop.is_set():
                try:
                    item = ready.get(timeout=_POLL_S)
                except queue.Empty:
                    item = None
                if item is None:
                    if readers_done.is_set() and ready.empty():
                        return
                    continue
                if engine is None:
                    # Blocking put: writers drain until every engine thread has ended.
                    computed.put(item)
                    continue
                try:
                    batch, tile = self._infer_image(engine, item, batch, tile, computed)
                except _Abandoned:
                    return
                except Exception as exc:
                    self._fail(model_id, item.name, f"model failed: {exc}")
        finally:
            if engine is not None:
                engine.close()

    def _infer_image(
        self, engine: Engine, item: _Item, batch: int, tile: int, computed: queue.Queue
    ) -> tuple[int, int]:
        """Send all tiles of an item through the engine to the writers; on out-of-memory halve
        the batch, then the tile, and retry the image. Returns the sizes that worked."""
        overlap = self.options.overlap
        while True:
            plan = item.plan
            if plan is None or plan.tile != tile:
                plan = item.plan = plan_tiles(item.image.shape[0], item.image.shape[1], tile, overlap)
                item.canvas = make_canvas(item.image, plan)
            attempt = _Attempt(item, plan, batches=-(-plan.count // batch))
            try:
                for start in range(0, plan.count, batch):
                    if self.stop.is_set():
                        raise _Abandoned
                    indices = range(start, min(start + batch, plan.count))
                    tiles = extract_tiles(item.canvas, plan, indices)
                    began = time.perf_counter()
                    outputs = engine.infer(tiles)
                    with self._lock:
                        self.summary.engine_busy_s += time.perf_counter() - began
                    computed.put((attempt, indices, outputs))
                return batch, tile
            except Exception as exc:
                if not is_out_of_memory(exc):
                    raise
                if batch > 1:
                    batch //= 2
                elif tile // 2 > 2 * overlap:
                    tile //= 2
                else:
                    raise
                # The batches already sent belong to an attempt that never completes.
                log.warning("%s: out of memory; retrying with batch %d, tile %d", item.name, batch, tile)

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
                self._write_output(ORIGINAL, "", item, item.image)
                continue
            attempt, indices, outputs = item
            result = self._blend(model_id, attempt, indices, outputs)
            if result is not None and self._write_output(model_id, sha, attempt.item, result):
                with self._lock:
                    self.summary.megapixels += attempt.item.image.size / 3e6

    def _write_output(self, model_id: str, sha: str, item: _Item, result: np.ndarray) -> bool:
        """Write one output atomically and record it; False (recorded as failed) on error."""
        target = output_path(self.out_dir, model_id, item.name)
        try:
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


class _Abandoned(Exception):
    """A stop request arrived in the middle of an image; it is left for the next run."""
