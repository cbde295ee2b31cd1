"""Decoded sets, loaded ahead in background threads so switching sets only swaps pixmaps.

Qt-free. Each file is read once: its bytes are hashed (the record keeps the SHA-256 of what was
shown) and decoded by the core's one decode path. Errors are kept per image, never raised, so
a corrupt file shows as a broken set instead of stopping the app. Whoever makes the prefetcher
can give it a ``prepare`` step that runs in the worker (the screen's draw-ready images scaled
for the zoom it shows, kept in :attr:`LoadedSet.display`), so that the switch itself does no
conversion or scaling.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hggt_desktop.core.hashing import sha256_bytes
from hggt_desktop.core.images import ImageError, decode_image
from hggt_desktop.core.labels import ORIGINAL_FOLDER
from hggt_desktop.core.sets import ImageSet

log = logging.getLogger(__name__)


@dataclass
class LoadedSet:
    """A set's decoded images (folder -> HxWx3 uint8, or None), hashes and what went wrong."""

    stem: str
    images: dict[str, np.ndarray | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    # What the screen made from ``images`` in the worker (folder -> draw-ready image).
    display: dict[str, Any] = field(default_factory=dict)

    @property
    def broken_reason(self) -> str | None:
        """Why the set cannot be judged (unreadable image, sizes that differ), or None."""
        if self.errors:
            folder, reason = next(iter(self.errors.items()))
            return f"{folder}: {reason}"
        shapes = {image.shape for image in self.images.values() if image is not None}
        if len(shapes) > 1:
            sizes = ", ".join(
                f"{folder} {image.shape[1]}x{image.shape[0]}"
                for folder, image in self.images.items()
                if image is not None
            )
            return f"the images differ in size ({sizes})"
        return None


def load_set(image_set: ImageSet) -> LoadedSet:
    """Read, hash and decode every image of ``image_set`` (runs in a worker thread)."""
    loaded = LoadedSet(image_set.stem)
    items = [(ORIGINAL_FOLDER, image_set.original), *image_set.versions]
    for folder, path in items:
        key = f"{folder}/{path.name}"
        try:
            data = np.fromfile(path, dtype=np.uint8)
            loaded.sha256[key] = sha256_bytes(data.tobytes())
            loaded.images[folder] = decode_image(data, path)
        except OSError as exc:
            loaded.images[folder] = None
            loaded.errors[folder] = f"{path.name} cannot be read ({exc.strerror or exc})"
        except ImageError as exc:
            loaded.images[folder] = None
            loaded.errors[folder] = f"{path.name} {exc.reason}"
    return loaded


class SetPrefetcher:
    """Keeps the decoded sets around the current one, loading the others in the background."""

    def __init__(
        self,
        sets: list[ImageSet],
        ahead: int = 2,
        behind: int = 1,
        workers: int = 1,
        prepare: Callable[[LoadedSet], None] | None = None,
    ) -> None:
        self._sets = sets
        self.ahead = ahead
        self.behind = behind
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="prefetch")
        self._futures: dict[int, Future[LoadedSet]] = {}
        self._current = -1
        self._closed = False
        self.enabled = True
        # Runs in the worker after decoding (the screen's draw-ready images); None: nothing.
        self._prepare = prepare
        self.hits = 0  # sets that were ready when asked for (the benchmark reports these)
        self.misses = 0

    def get(self, index: int, neighbours: bool = True) -> LoadedSet:
        """The decoded set ``index`` (waits if it is still loading), then prefetch around it.

        With ``neighbours=False`` the caller starts :meth:`around` itself, later: decoding in
        a worker competes for the GIL and the CPU with painting the set just fetched.
        """
        future = self._futures.get(index)
        if future is not None and future.done():
            self.hits += 1
        else:
            self.misses += 1
        self._current = index
        if future is None:
            # Not prepared here: the panels convert what they paint, as they would anyway.
            loaded = load_set(self._sets[index])
            done: Future[LoadedSet] = Future()
            done.set_result(loaded)
            self._futures[index] = done
        else:
            loaded = future.result()
        if neighbours:
            self.around(index)
        return loaded

    def ready(self, index: int) -> LoadedSet | None:
        """Set ``index`` if it is loaded (and prepared) already, without waiting; else None."""
        future = self._futures.get(index)
        if future is None or not future.done() or future.cancelled():
            return None
        return future.result()

    def around(self, index: int) -> None:
        """Drop sets far from ``index`` and start loading its neighbours."""
        keep = range(index - self.behind, index + self.ahead + 1) if self.enabled else range(index, index + 1)
        for old in [i for i in self._futures if i not in keep]:
            self._futures.pop(old).cancel()
        if not self.enabled:
            return
        for neighbour in keep:
            if 0 <= neighbour < len(self._sets) and neighbour not in self._futures:
                self._futures[neighbour] = self._pool.submit(self._load, self._sets[neighbour])

    def prepare_again(self) -> None:
        """Run ``prepare`` again on the loaded neighbours (the zoom on screen changed)."""
        if not self.enabled or self._prepare is None or self._closed:
            return
        for index, future in list(self._futures.items()):
            # The current set is already on screen: its panels rescale it as they paint.
            if index != self._current and future.done() and not future.cancelled():
                self._pool.submit(self._run_prepare, future.result())

    def _load(self, image_set: ImageSet) -> LoadedSet:
        loaded = load_set(image_set)
        self._run_prepare(loaded)
        return loaded

    def _run_prepare(self, loaded: LoadedSet) -> None:
        prepare = self._prepare
        if prepare is None:
            return
        try:
            prepare(loaded)
        except Exception:  # the screen converts on paint instead: slower, never broken
            log.exception("preparing the images of set %s for the screen failed", loaded.stem)

    def forget(self, index: int) -> None:
        """Load set ``index`` again next time (its files may have changed)."""
        future = self._futures.pop(index, None)
        if future is not None:
            future.cancel()

    def shutdown(self) -> None:
        self._closed = True
        for future in self._futures.values():
            future.cancel()
        self._futures.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
