"""Checking an HDF5 training pack: shapes, completeness and every image against its hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from hggt_desktop.core.images import ImageError
from hggt_desktop.pack.reader import PackReader, open_pack, read_meta


def check_pack(path: Path | str, verify_pixels: bool = True) -> list[str]:
    """Every problem found in a pack (empty when it is sound); PackError when it cannot be opened."""
    path = Path(path)
    meta = read_meta(path)
    problems: list[str] = []
    n, v = len(meta.names), len(meta.versions)
    if not meta.attrs.get("complete", False):
        problems.append(f"{path}: the pack was not finished; write it again")
    with open_pack(path) as h5:
        for name, shape in (("effective", (n, v)), ("votes", (n, v)), ("split", (n,)), ("sizes", (n, 2))):
            if h5[name].shape != shape:
                problems.append(f"{path}: {name} has shape {h5[name].shape}, expected {shape}")
        if h5["images"].shape[:2] != (n, 1 + v):
            problems.append(f"{path}: images has shape {h5['images'].shape}, expected ({n}, {1 + v}, ...)")
        if problems:
            return problems
        pixel_sha = h5["pixel_sha256"][()]
    reader = PackReader(path)
    try:
        for i in range(n):
            try:
                images = reader.read_set(i)
            except (OSError, ImageError, ValueError) as exc:
                problems.append(
                    f"{path}: set {i} ({meta.names[i]}) cannot be read: {exc}; write the pack again"
                )
                continue
            if verify_pixels:
                for k in range(1 + v):
                    if (
                        hashlib.sha256(np.ascontiguousarray(images[k]).tobytes()).hexdigest()
                        != pixel_sha[i, k].decode()
                    ):
                        problems.append(
                            f"{path}: set {meta.names[i]} image {k} differs from when it was packed"
                        )
    finally:
        reader.close()
    return problems
