"""Loading sets ahead: decoded once, hashed, errors kept per image, prepared in the worker."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from hggt_desktop.annotation.prefetch import LoadedSet, SetPrefetcher, load_set
from hggt_desktop.core.hashing import sha256_bytes
from hggt_desktop.core.images import read_image
from hggt_desktop.core.sets import find_sets
from tests.annotation.helpers import make_images


def test_a_loaded_set_holds_the_decoded_images_and_the_hashes_of_their_bytes(tmp_path: Path) -> None:
    image_set = find_sets(make_images(tmp_path)).sets[0]
    loaded = load_set(image_set)
    assert loaded.broken_reason is None
    assert np.array_equal(loaded.images["original"], read_image(image_set.original))
    key = f"01/{dict(image_set.versions)['01'].name}"
    assert loaded.sha256[key] == sha256_bytes(dict(image_set.versions)["01"].read_bytes())


def test_an_unreadable_image_makes_the_set_broken_without_raising(tmp_path: Path) -> None:
    images = make_images(tmp_path)
    image_set = find_sets(images).sets[0]
    dict(image_set.versions)["02"].write_bytes(b"\x89PNG\r\n\x1a\n broken")
    loaded = load_set(image_set)
    assert loaded.images["02"] is None
    assert loaded.broken_reason is not None and loaded.broken_reason.startswith("02:")


def test_neighbours_are_loaded_and_prepared_in_the_worker(tmp_path: Path) -> None:
    sets = list(find_sets(make_images(tmp_path, n_sets=4)).sets)
    threads: list[str] = []
    prepared = threading.Event()

    def prepare(loaded: LoadedSet) -> None:
        loaded.display["original"] = "ready"
        threads.append(threading.current_thread().name)
        prepared.set()

    prefetcher = SetPrefetcher(sets, prepare=prepare)
    try:
        first = prefetcher.get(0)
        assert first.display == {}, "the set asked for now is not prepared on the caller's thread"
        assert prepared.wait(10)
        for index in (1, 2):
            future = prefetcher._futures[index]
            assert future.result(10).display == {"original": "ready"}
        assert all(name.startswith("prefetch") for name in threads)
        assert prefetcher.get(1) is prefetcher.ready(1)
        assert prefetcher.hits == 1 and prefetcher.misses == 1
        prefetcher.around(3)
        assert 0 not in prefetcher._futures, "sets far behind are dropped"
    finally:
        prefetcher.shutdown()


def test_without_prefetch_only_the_set_asked_for_is_loaded(tmp_path: Path) -> None:
    sets = list(find_sets(make_images(tmp_path, n_sets=3)).sets)
    prefetcher = SetPrefetcher(sets)
    prefetcher.enabled = False
    try:
        prefetcher.get(1)
        assert prefetcher.ready(0) is None and prefetcher.ready(2) is None
        assert prefetcher.ready(1) is not None
    finally:
        prefetcher.shutdown()
