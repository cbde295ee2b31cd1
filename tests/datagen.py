"""Tiny HGGT datasets for tests, written into a temporary folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from hggt_desktop.core.images import write_image
from hggt_desktop.core.labels import Label, TimeCost, make_label_file, write_label_file

VERSIONS = ("01", "02", "03", "04")
LABELS = (Label.POSITIVE, Label.SIMILAR, Label.NEGATIVE)


def random_labels(seed: int) -> Callable[[str, str, str], Label]:
    """A label function drawing labels at random, reproducibly."""
    rng = np.random.default_rng(seed)
    cache: dict[tuple[str, str, str], Label] = {}

    def label(stem: str, annotator: str, version: str) -> Label:
        key = (stem, annotator, version)
        if key not in cache:
            cache[key] = LABELS[int(rng.integers(0, 3))]
        return cache[key]

    return label


def make_dataset(
    root: Path,
    n_sets: int = 3,
    annotators: Sequence[str] = ("A", "B", "C"),
    size: int = 32,
    versions: Sequence[str] = VERSIONS,
    label: Callable[[str, str, str], Label] | None = None,
    seed: int = 0,
) -> Path:
    """Write ``root/images`` (sets of random textured patches) and ``root/labels/<annotator>``.

    Returns the images folder. Versions are the original plus small distinct perturbations so
    that every image of a set differs.
    """
    rng = np.random.default_rng(seed)
    images = root / "images"
    label = label or random_labels(seed)
    for index in range(n_sets):
        stem = f"{index:04d}-{16 * index}-{8 * index}"
        original = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        write_image(images / "original" / f"{stem}.png", original)
        for k, version in enumerate(versions, start=1):
            noisy = np.clip(original.astype(np.int16) + k * 3, 0, 255).astype(np.uint8)
            write_image(images / version / f"{stem}_{version}.png", noisy)
        for annotator in annotators:
            labels = {v: label(stem, annotator, v) for v in versions}
            time_cost = TimeCost(datetime(2022, 8, 5, 16, 56, 6), datetime(2022, 8, 5, 16, 56, 49), 42)
            write_label_file(
                root / "labels" / annotator / f"{stem}.json", make_label_file(stem, labels, time_cost)
            )
    return images
