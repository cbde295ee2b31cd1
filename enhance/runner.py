"""Running enhancement models over a folder: reader, engine and writer threads joined by queues.

For each model in turn (one model loaded at a time per device), every image of the folder goes
through it: reader threads decode ahead and lay out the tiles, engine streams (one per GPU,
several on the CPU) take batches of tiles from one feed and keep the devices busy, and writer
threads blend, encode and write behind them (the work they hand on: enhance/feed.py). Bounded
queues keep memory flat. A stop request (Ctrl-C) lets the writers finish what is computed,
records it, and leaves the rest for the next run, which the manifest resumes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sys
import threading
from pathlib import Path

import cv2
import numpy as np

from enhance.engines.base import Engine, EngineOptions, is_out_of_memory
from enhance.feed import POLL_S, Attempt, BusyClock, Feed, Item
from enhance.job import ORIGINAL, EngineFactory, ModelSpec, Reporter, RunOptions, RunSummary, output_path
from enhance.manifest import DONE, FAILED, Manifest, Record
from enhance.png import write_png
from enhance.tiling import TileMerger, extract_tiles
from hggt_desktop.core.atomic import write_bytes_atomic
from hggt_desktop.core.images import decode_image, is_plain_rgb_png, read_encoded, read_image

log = logging.getLogger(__name__)

# Niceness of the reader and writer threads (Linux): they only have to keep ahead of the engine,
# so when they compete with it for the cores the engine's threads go first.
_HELPER_NICENESS = 5


def _yield_to_engine() -> None:
    """Lower the calling thread's priority below the engine's (Linux only; elsewhere a no-op)."""
    if sys.platform.startswith("linux") and _HELPER_NICENESS:
        # On Linux a thread id is a task id, so this renices only the calling thread.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _HELPER_NICENESS)


def _own_copy(encoded: np.ndarray) -> np.ndarray | None:
    """The file's bytes when they can be the copy under original/ as they are (an 8-bit RGB PNG
    decodes to the same pixels), else None: the pixels are encoded again."""
    return encoded if is_plain_rgb_png(encoded) else None


def shrink(image: np.ndarray, scale: int) -> np.ndarray:
    """The photo made ``scale`` times smaller (bicubic, sides rounded down): the low-resolution
    input of a super-resolution test against the photo itself."""
    height, width = image.shape[:2]
    size = (max(1, width // scale), max(1, height // scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)


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

    def _pixel_options(self, model_id: str) -> dict:
        """What the manifest compares besides the hash (an external command tiles on its own)."""
        if model_id == ORIGINAL:
            return {}
        options = self.options.pixel_options()
        if any(m.external for m in self.models if m.model_id == model_id):
            return {k: v for k, v in options.items() if k in ("scale", "from_ground_truth")}
        return options

    def _todo(self, model_id: str, sha: str) -> list[str]:
        options = self._pixel_options(model_id)
        return [
            name
            for name in self.images
            if not self.manifest.is_done(name, model_id, sha, options, self._output_path(model_id, name))
        ]

    def _output_path(self, model_id: str, name: str) -> Path:
        return output_path(self.out_dir, model_id, name, flat=self.options.scale != 1)

    def run(self) -> RunSummary:
        """Process every (model, image) pair that the manifest does not mark as done."""
        # Super-resolution outputs are compared with ground truth elsewhere: no copies of the inputs.
        originals = self._todo(ORIGINAL, "") if self.options.scale == 1 else []
        work = [(m, self._todo(m.model_id, m.sha256)) for m in self.models]
        total = len(self.images) * (len(self.models) + (self.options.scale == 1))
        self.summary.skipped = total - len(originals) - sum(len(todo) for _, todo in work)
        self.reporter.started(total, self.summary.skipped)
        work = [(spec, self._spare_foreign(spec.model_id, todo)) for spec, todo in work]
        # The copy of the original is written by the reader of the first model pass that decodes
        # the image anyway; only what is left (all models already done) needs a pass of its own.
        self._originals_pending = set(originals)
        for spec, todo in work:
            if spec.external is not None and todo and not self.stop.is_set():
                from enhance.external_pass import run_external  # it imports this module

                run_external(self, spec, todo)
            else:
                self._run_todo(spec.model_id, spec.path, spec.sha256, todo)
        with self._lock:
            left = [name for name in originals if name in self._originals_pending]
        self._run_todo(ORIGINAL, None, "", left)
        self.summary.interrupted = self.stop.is_set()
        return self.summary

    def _foreign(self, model_id: str, name: str) -> Path | None:
        """The output path when a file is there that no run into OUT_DIR wrote, else None."""
        target = self._output_path(model_id, name)
        exists = target.exists() or target.is_symlink()
        return target if exists and not self.manifest.wrote(name, model_id) else None

    def _spare_foreign(self, model_id: str, todo: list[str]) -> list[str]:
        """Leave out (as failed) outputs whose file was made by someone else: never replaced."""
        kept = []
        for name in todo:
            target = self._foreign(model_id, name)
            if target is None:
                kept.append(name)
            else:
                self._fail(model_id, name, _foreign_message(target))
        return kept

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
        ready: queue.Queue[Item] = queue.Queue(maxsize=self.options.queue_size)
        # Batches of output tiles (or whole images for the originals' own pass).
        computed: queue.Queue = queue.Queue(maxsize=self.options.queue_size * 8)
        readers_done, compute_done = threading.Event(), threading.Event()
        devices = self.options.devices if path is not None else (None,)
        feed = Feed(ready, readers_done, self.stop, self.options)
        clocks = [BusyClock() for _ in devices]
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
                    thread.join(POLL_S)
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

    def _put(self, target: queue.Queue, item: Item) -> bool:
        while not self.stop.is_set():
            try:
                target.put(item, timeout=POLL_S)
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

    def read_photo(self, model_id: str, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The photo's encoded bytes and its pixels; None when unreadable (failure recorded, the run goes on)."""
        try:
            encoded = read_encoded(self.input_dir / name)
            return encoded, decode_image(encoded, self.input_dir / name)
        except Exception as exc:  # one bad file must not end the run
            with self._lock:
                self._unreadable.add(name)
            self._fail(model_id, name, str(exc))
            return None

    def _read_loop(self, model_id: str, names: queue.Queue, ready: queue.Queue, tiled: bool) -> None:
        _yield_to_engine()
        while not self.stop.is_set():
            try:
                name = names.get_nowait()
            except queue.Empty:
                return
            photo = self.read_photo(model_id, name)
            if photo is None:
                continue
            encoded, image = photo
            if tiled and self.options.from_ground_truth:
                image = shrink(image, self.options.scale)
            item = Item(name, image)
            if tiled:
                item.lay_out(self.options.tile, self.options.overlap)
            else:
                item.encoded = _own_copy(encoded)
            if not self._put(ready, item):
                return
            with self._lock:
                copy_original = tiled and name in self._originals_pending
                self._originals_pending.discard(name)
            if copy_original:
                # Written after handing the image to the engine, so the copy costs no engine time.
                self._write_output(ORIGINAL, "", item, image, _own_copy(encoded))

    def _pass_through(self, ready: queue.Queue, computed: queue.Queue, readers_done: threading.Event) -> None:
        """The originals' own pass: no engine, images go straight to the writers."""
        while not self.stop.is_set():
            try:
                item = ready.get(timeout=POLL_S)
            except queue.Empty:
                item = None
            if item is not None:
                # Blocking put: writers drain until every engine thread has ended.
                computed.put(item)
            elif readers_done.is_set() and ready.empty():
                return

    def _device_loop(
        self, model_id: str, path: Path, device: int, feed: Feed, computed: queue.Queue, clock: BusyClock
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
        self, model_id: str, engine: Engine, feed: Feed, computed: queue.Queue, clock: BusyClock
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
                item = computed.get(timeout=POLL_S)
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
        self, model_id: str, sha: str, item: Item, result: np.ndarray, encoded: np.ndarray | None = None
    ) -> bool:
        """Write one output atomically and record it; False (recorded as failed) on error.

        ``encoded``: PNG bytes that already hold exactly ``result`` (an 8-bit RGB original),
        copied as they are instead of encoding the pixels again.
        """
        target = self._output_path(model_id, item.name)
        adopt = False
        if self._foreign(model_id, item.name) is not None:
            # Another tool's file is never replaced; its copy of the original, when it is the
            # same picture, serves as ours (a version folder can be added to a selection's output).
            adopt = model_id == ORIGINAL and _same_pixels(target, result)
            if not adopt:
                self._fail(model_id, item.name, _foreign_message(target))
                return False
        try:
            if adopt:
                pass
            elif encoded is not None:
                write_bytes_atomic(target, encoded.tobytes())
            else:
                write_png(target, result)
        except Exception as exc:
            self._fail(model_id, item.name, f"cannot write {target}: {exc}")
            return False
        options = self._pixel_options(model_id)
        self.manifest.record(Record(item.name, model_id, sha, options, DONE, output=str(target)))
        with self._lock:
            self.summary.done += 1
        self.reporter.finished_one(model_id, item.name, True)
        return True

    def _blend(
        self, model_id: str, attempt: Attempt, indices: range, outputs: np.ndarray
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


def _foreign_message(target: Path) -> str:
    return (
        f"{target} exists and was not written by hggt-enhance (no record of it in the run's "
        "manifest); left alone. Move it away, or give another OUT_DIR"
    )


def _same_pixels(path: Path, image: np.ndarray) -> bool:
    """Whether the image file at ``path`` decodes to exactly ``image``."""
    try:
        return bool(np.array_equal(read_image(path), image))
    except Exception:  # unreadable: not the same picture
        return False
