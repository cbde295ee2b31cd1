"""Tiny packs and configs for the trainer's tests (CPU, seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hggt_desktop.core.labels import Label
from hggt_desktop.pack.writer import write_pack
from tests.datagen import make_dataset

# A tiny generator and discriminator, 32 px crops: seconds per run on a loaded CPU.
TINY = [
    "num_feat=8",
    "num_block=1",
    "num_grow_ch=4",
    "d_num_feat=8",
    "gt_size=32",
    "batch_size=2",
    "pool_size=4",
    "num_workers=0",
    "perceptual_weight=0",
    "log_every=5",
    "preview_every=5",
]


def mixed_labels(stem: str, annotator: str, version: str) -> Label:
    """Every kind of set: some with Positives and Negatives, one with only Negatives, one all Similar."""
    index = int(stem[:4])
    table = {
        0: {"01": Label.POSITIVE, "02": Label.NEGATIVE, "03": Label.SIMILAR, "04": Label.POSITIVE},
        1: {"01": Label.NEGATIVE, "02": Label.SIMILAR, "03": Label.SIMILAR, "04": Label.NEGATIVE},
        2: {"01": Label.SIMILAR, "02": Label.SIMILAR, "03": Label.SIMILAR, "04": Label.SIMILAR},
        3: {"01": Label.POSITIVE, "02": Label.SIMILAR, "03": Label.SIMILAR, "04": Label.SIMILAR},
    }[index % 4]
    label = table[version]
    # Annotator C disagrees on 01 so vote counts of 2 appear as well as 3.
    if annotator == "C" and version == "01":
        return Label.SIMILAR if label is not Label.SIMILAR else Label.NEGATIVE
    return label


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    make_dataset(root, n_sets=8, size=48, label=mixed_labels)
    return root


@pytest.fixture(scope="session")
def tiny_pack(tiny_dataset: Path) -> Path:
    out = tiny_dataset / "posneg.h5"
    write_pack(tiny_dataset, out, subset="posneg", val_fraction=0.0)
    return out
