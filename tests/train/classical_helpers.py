"""Shared by the classical-SR tests: the bundled photos and a tiny configuration."""

from __future__ import annotations

import shutil
from pathlib import Path

from train.classical import ClassicalConfig, classical_config

PHOTOS = Path(__file__).resolve().parents[2] / "resources" / "photos"


def copy_photos(
    tmp_path: Path, names: tuple[str, ...] = ("astronaut.png", "chelsea.png", "coffee.png")
) -> Path:
    """A folder ``tmp_path/photos`` holding copies of the named bundled photos."""
    out = tmp_path / "photos"
    out.mkdir()
    for name in names:
        shutil.copy(PHOTOS / name, out / name)
    return out


def tiny_classical(**overrides: object) -> ClassicalConfig:
    """The ``classical`` preset at sizes that train in seconds on a CPU."""
    base = {"num_feat": 16, "num_block": 2, "gt_size": 32, "batch_size": 4, "num_workers": 0, "lr": 1e-3}
    return classical_config("classical", **{**base, **overrides})
