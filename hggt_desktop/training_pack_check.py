"""Reading and checking an HDF5 training pack (written by :mod:`hggt_desktop.training_pack`).

:class:`PackReader` opens the file lazily, on first use in the process that uses it, so that a
reader handed to data-loader workers opens one HDF5 handle per worker (h5py handles must not
cross a fork).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hggt_desktop.core.images import ImageError, decode_image
from hggt_desktop.training_pack import FORMAT, FORMAT_VERSION, PackError

REQUIRED = (
    "names",
    "sizes",
    "images",
    "file_sha256",
    "pixel_sha256",
    "labels",
    "effective",
    "votes",
    "split",
)


@dataclass(frozen=True)
class PackMeta:
    """The small arrays of a pack, read once: names, labels and split."""

    names: tuple[str, ...]
    versions: tuple[str, ...]
    annotators: tuple[str, ...]
    encoding: str
    effective: np.ndarray  # (N, V) int8 rank, -1 unlabelled
    votes: np.ndarray  # (N, V) int8
    split: np.ndarray  # (N,) uint8
    attrs: dict[str, Any]


def open_pack(path: Path | str) -> h5py.File:
    """Open a pack for reading, or raise PackError naming the file and what to do."""
    path = Path(path)
    if not path.is_file():
        raise PackError(f"{path}: no such pack; write one with 'hggt-data pack DATASET_DIR {path.name}'")
    try:
        h5 = h5py.File(path, "r")
    except OSError as exc:
        raise PackError(
            f"{path}: not a readable HDF5 pack (truncated or corrupt: {exc}); write it again with hggt-data pack"
        ) from exc
    if h5.attrs.get("format") != FORMAT:
        h5.close()
        raise PackError(f"{path}: is an HDF5 file but not an HGGT training pack")
    if int(h5.attrs.get("format_version", -1)) > FORMAT_VERSION:
        h5.close()
        raise PackError(
            f"{path}: pack format {h5.attrs['format_version']} is newer than this tool; update it"
        )
    return h5


def read_meta(path: Path | str) -> PackMeta:
    """The names, labels and split of a pack (not the images)."""
    with open_pack(path) as h5:
        missing = [name for name in REQUIRED if name not in h5]
        if missing:
            raise PackError(f"{path}: pack lacks {', '.join(missing)}; write it again with hggt-data pack")
        return PackMeta(
            tuple(n.decode() if isinstance(n, bytes) else n for n in h5["names"][()]),
            tuple(str(v) for v in h5.attrs["versions"]),
            tuple(str(a) for a in h5.attrs["annotators"]),
            str(h5.attrs["encoding"]),
            h5["effective"][()],
            h5["votes"][()],
            h5["split"][()],
            dict(h5.attrs),
        )


class PackReader:
    """Random access to the images of a pack; the HDF5 handle is opened per process on first use."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.meta = read_meta(self.path)
        self._h5: h5py.File | None = None
        self._pid = -1

    def __len__(self) -> int:
        return len(self.meta.names)

    def __getstate__(self) -> dict[str, Any]:
        # A worker process gets the path and the metadata, never the parent's open handle.
        state = dict(self.__dict__)
        state["_h5"], state["_pid"] = None, -1
        return state

    def _file(self) -> h5py.File:
        if self._h5 is None or self._pid != os.getpid():
            self._h5, self._pid = open_pack(self.path), os.getpid()
        return self._h5

    def read_set(self, index: int) -> np.ndarray:
        """The images of set ``index``: (1+V, H, W, 3) uint8, the original first."""
        images = self._file()["images"]
        if self.meta.encoding == "raw":
            return images[index]
        return np.stack(
            [
                decode_image(np.asarray(data), f"{self.path}[{index}, {k}]")
                for k, data in enumerate(images[index])
            ]
        )

    def close(self) -> None:
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None


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
