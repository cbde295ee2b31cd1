"""Reading an HDF5 training pack (layout in :mod:`hggt_desktop.pack.format`): what the trainer uses.

:class:`PackReader` opens the file lazily, on first use in the process that uses it, so that a
reader handed to data-loader workers opens one HDF5 handle per worker (h5py handles must not
cross a fork).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hggt_desktop.core.images import decode_image
from hggt_desktop.pack.format import FORMAT, FORMAT_VERSION, REQUIRED, PackError


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


def read_split(path: Path | str) -> np.ndarray:
    """The split column of a pack (0 train, 1 validation)."""
    with open_pack(path) as h5:
        return h5["split"][()]
