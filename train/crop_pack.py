"""A pack of HR crops for classical SR training: numbered shards of uint8 arrays (decision 0013).

Reading millions of small files, or decoding full-size photos for one crop each, starves the
GPU; the pack decodes every photo once and keeps ``crops_per_photo`` random crops of
``crop_size`` (larger than the training crop, so random sub-crops stay possible). Layout::

    PACK/crop-pack-settings.json   what the pack is made of; written first, a rerun must match it
    PACK/shard-00000.npy           (K, S, S, 3) uint8 crops of photos [c*P, (c+1)*P) of the source
    PACK/shard-00000.json          that shard's crop count and skipped files; its presence marks
                                   the shard done (written after the .npy, both atomically)
    PACK/crop-pack.json            written last, once every shard is done: what a reader opens

An interrupted run leaves done shards and no ``crop-pack.json``: readers refuse the pack with a
message saying how to finish it, and a rerun with the same arguments packs only what is missing.
Crop positions are seeded by (seed, photo index), so a resumed or sharded pack equals one made
in a single run.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from torch.utils.data import DataLoader, Dataset

from hggt_desktop.core.atomic import write_bytes_atomic, write_text_atomic
from hggt_desktop.core.images import read_image

FORMAT = "hggt-crop-pack"
VERSION = 1
SETTINGS = "crop-pack-settings.json"
INDEX = "crop-pack.json"

log = logging.getLogger(__name__)


class CropPackError(Exception):
    """A crop pack that cannot be written or read; the message names it and what to do."""


@dataclass(frozen=True)
class PackSettings:
    source: str  # the folder or kept list, absolute
    photos: int
    crop_size: int
    crops_per_photo: int
    photos_per_shard: int
    seed: int

    @property
    def shards(self) -> int:
        return -(-self.photos // self.photos_per_shard)


@dataclass
class PackProgress:
    """What one ``pack_crops`` call did: shards it wrote, whether the pack is now complete."""

    written: int
    done: int
    shards: int
    complete: bool
    skipped: list[str]


def is_crop_pack(path: Path | str) -> bool:
    """Whether ``path`` is a crop pack folder (complete or not)."""
    return (Path(path) / SETTINGS).is_file()


def _shard_name(shard: int) -> str:
    return f"shard-{shard:05d}"


class _PhotoCropper(Dataset):
    """(shard, crops (k, S, S, 3) or None, skip reason) for one photo index, decoded in a worker."""

    def __init__(self, paths: list[Path], settings: PackSettings) -> None:
        self.paths, self.settings = paths, settings

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[int, np.ndarray | None, str]:
        s, path = self.settings, self.paths[index]
        shard = index // s.photos_per_shard
        try:
            image = read_image(path)
        except Exception as exc:  # any unreadable file: skipped and reported, never fatal
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            return shard, None, f"{path} ({reason})"
        height, width = image.shape[:2]
        if min(height, width) < s.crop_size:
            return shard, None, f"{path} (smaller than the {s.crop_size}px crop)"
        rng = np.random.default_rng([s.seed, index])
        crops = np.empty((s.crops_per_photo, s.crop_size, s.crop_size, 3), np.uint8)
        for i in range(s.crops_per_photo):
            top = int(rng.integers(0, height - s.crop_size + 1))
            left = int(rng.integers(0, width - s.crop_size + 1))
            crops[i] = image[top : top + s.crop_size, left : left + s.crop_size]
        return shard, crops, ""


def _as_is(item: object) -> object:
    return item


def pack_crops(
    source: Path | str,
    out: Path | str,
    crop_size: int = 256,
    crops_per_photo: int = 1,
    photos_per_shard: int = 256,
    part: tuple[int, int] = (0, 1),
    workers: int = 0,
    seed: int = 0,
    on_shard: Callable[[int, int], None] | None = None,
) -> PackProgress:
    """Pack the crops of the shards ``c`` with ``c % n == i`` for ``part=(i, n)`` that are not done.

    ``on_shard(shard, crops)`` is called after each shard is written. The pack's index is written
    by whichever run finds every shard done.
    """
    from train.classical_data import photo_paths  # the one reader of folders and kept lists

    out = Path(out)
    paths = photo_paths(source)
    settings = PackSettings(
        str(Path(source).resolve()), len(paths), crop_size, crops_per_photo, photos_per_shard, seed
    )
    _begin(out, settings)
    index, count = part
    todo = [c for c in range(settings.shards) if c % count == index and not _shard_done(out, c)]
    for c in todo:  # what a killed run was writing (the atomic writer's temporary files)
        for stale in out.glob(f".{_shard_name(c)}.*.tmp"):
            stale.unlink(missing_ok=True)
    photos = [
        i for c in todo for i in range(c * photos_per_shard, min((c + 1) * photos_per_shard, len(paths)))
    ]
    loader = DataLoader(
        _PhotoCropper(paths, settings),
        batch_size=None,
        sampler=photos,
        num_workers=workers,
        collate_fn=_as_is,
    )
    # The loader keeps the sampler's order, so each shard's photos arrive together.
    for written, (shard, results) in enumerate(itertools.groupby(loader, key=lambda result: result[0]), 1):
        crops: list[np.ndarray] = []
        skipped: list[str] = []
        for _, photo_crops, skip in results:
            if photo_crops is None:
                skipped.append(skip)
            else:
                crops.append(photo_crops)
        array = np.concatenate(crops) if crops else np.empty((0, crop_size, crop_size, 3), np.uint8)
        _write_shard(out, shard, array, skipped)
        log.info(
            "%s: shard %d written (%d crops), %d of the %d of this run",
            out,
            shard,
            len(array),
            written,
            len(todo),
        )
        if on_shard is not None:
            on_shard(shard, len(array))
    done = sum(_shard_done(out, c) for c in range(settings.shards))
    complete = done == settings.shards
    skipped_all = _finish(out, settings) if complete else []
    return PackProgress(len(todo), done, settings.shards, complete, skipped_all)


def _begin(out: Path, settings: PackSettings) -> None:
    """Write the settings of a new pack, or check that a rerun continues the same pack."""
    if out.exists() and not out.is_dir():
        raise CropPackError(f"{out}: is a file; give a folder for the pack")
    path = out / SETTINGS
    wanted = {"format": FORMAT, "version": VERSION, **asdict(settings)}
    if path.is_file():
        begun = _read_settings(out)
        differ = [f"{k} {begun.get(k)!r} (now {v!r})" for k, v in wanted.items() if begun.get(k) != v]
        if differ:
            raise CropPackError(
                f"{out}: a pack begun with other settings: {'; '.join(differ)}; give the same source "
                "and options to finish it, or another --out"
            )
        return
    # Another --shard part may have begun the pack a moment ago: its files are no user's files.
    if out.is_dir() and any(not _is_pack_file(p.name) for p in out.iterdir()):
        raise CropPackError(f"{out}: the folder is not empty and holds no crop pack; give a new folder")
    write_text_atomic(path, json.dumps(wanted, indent=1))


def _read_settings(out: Path) -> dict:
    try:
        settings = json.loads((out / SETTINGS).read_text(encoding="utf-8"))
        if not all(
            isinstance(settings.get(k), int) and settings[k] > 0 for k in ("photos", "photos_per_shard")
        ):
            raise ValueError("no photo or shard count")
    except (OSError, ValueError, AttributeError) as exc:
        raise CropPackError(f"{out / SETTINGS}: unreadable ({exc}); pack again into a new folder") from exc
    return settings


def _is_pack_file(name: str) -> bool:
    return name.lstrip(".").startswith(("shard-", "crop-pack"))


def _shard_done(out: Path, shard: int) -> bool:
    return (out / f"{_shard_name(shard)}.json").is_file()


def _write_shard(out: Path, shard: int, crops: np.ndarray, skipped: list[str]) -> None:
    buffer = io.BytesIO()
    np.save(buffer, crops, allow_pickle=False)
    write_bytes_atomic(out / f"{_shard_name(shard)}.npy", buffer.getvalue())
    record = {"crops": len(crops), "skipped": skipped}
    write_text_atomic(out / f"{_shard_name(shard)}.json", json.dumps(record, indent=1))


def _finish(out: Path, settings: PackSettings) -> list[str]:
    """Write the index once every shard is done; the skipped files of the whole pack."""
    shards, skipped = [], []
    for c in range(settings.shards):
        record = json.loads((out / f"{_shard_name(c)}.json").read_text(encoding="utf-8"))
        shards.append({"file": f"{_shard_name(c)}.npy", "crops": record["crops"]})
        skipped.extend(record["skipped"])
    index = {"format": FORMAT, "version": VERSION, "settings": asdict(settings), "shards": shards}
    index["skipped"] = skipped
    write_text_atomic(out / INDEX, json.dumps(index, indent=1))
    return skipped


class CropPack:
    """The crops of a complete pack, by global index; shards are memory-mapped on first use
    (in each loader worker, since a memory map does not travel to another process)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not (self.path / INDEX).is_file():
            if is_crop_pack(self.path):
                raise CropPackError(self._unfinished())
            raise CropPackError(f"{self.path}: not a crop pack; make one with 'hggt-train pack-crops'")
        try:
            index = json.loads((self.path / INDEX).read_text(encoding="utf-8"))
            self.settings = PackSettings(**index["settings"])
            self.files = [self.path / s["file"] for s in index["shards"]]
            counts = [int(s["crops"]) for s in index["shards"]]
            self.skipped: list[str] = list(index["skipped"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CropPackError(
                f"{self.path / INDEX}: unreadable ({exc}); pack again into a new folder"
            ) from exc
        self.starts = np.cumsum([0, *counts])
        if self.starts[-1] == 0:
            raise CropPackError(f"{self.path}: holds no crops (every photo was skipped); pack another source")
        self._shards: dict[int, np.ndarray] = {}

    def _unfinished(self) -> str:
        settings = _read_settings(self.path)
        total = -(-settings["photos"] // settings["photos_per_shard"])
        done = sum(_shard_done(self.path, c) for c in range(total))
        return (
            f"{self.path}: packing is unfinished ({done} of {total} shards done); run "
            f"'hggt-train pack-crops {settings['source']} --out {self.path}' with the same options "
            "again to finish it (done shards are kept)"
        )

    @property
    def crop_size(self) -> int:
        return self.settings.crop_size

    def __len__(self) -> int:
        return int(self.starts[-1])

    def crop(self, index: int) -> np.ndarray:
        """Crop ``index`` of the pack, (S, S, 3) uint8 (a read-only view of the memory map)."""
        shard = int(np.searchsorted(self.starts, index, side="right")) - 1
        if shard not in self._shards:
            try:
                self._shards[shard] = np.load(self.files[shard], mmap_mode="r")
            except (OSError, ValueError) as exc:
                raise CropPackError(
                    f"{self.files[shard]}: unreadable ({exc}); pack again into a new folder"
                ) from exc
        return self._shards[shard][index - int(self.starts[shard])]

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_shards": {}}
