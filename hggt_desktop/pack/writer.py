"""Writing the HDF5 training pack of a dataset (layout in :mod:`hggt_desktop.pack.format`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from hggt_desktop.core.consensus import Subset, in_subset
from hggt_desktop.core.dataset import Dataset, load_dataset
from hggt_desktop.core.images import decode_image
from hggt_desktop.core.output_file import OVERWRITE_HINT, OutputKind, OutputRefused, check_output_path
from hggt_desktop.pack.format import (
    ENCODINGS,
    FORMAT,
    FORMAT_VERSION,
    TRAINING_VERSIONS,
    UNLABELLED,
    PackError,
)
from hggt_desktop.pack.reader import read_split
from hggt_desktop.version import __version__

Progress = Callable[[int, int], None]


class PackOutputRefused(OutputRefused, PackError):
    """OUT.h5 is a folder or a file that is not a pack (core/output_file.py's rule)."""


@dataclass
class PackSummary:
    """What was written: counts, the excluded sets and why, and warnings for the trainer."""

    path: Path
    sets: int
    train: int
    val: int
    versions: tuple[str, ...]
    annotators: tuple[str, ...]
    encoding: str
    subset: str
    bytes: int
    excluded: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unreadable labels etc.: the pack lacks them


def write_pack(
    dataset_path: Path | str,
    out_path: Path | str,
    subset: str = "posneg",
    encoding: str = "raw",
    val_fraction: float = 0.0,
    seed: int = 0,
    progress: Progress | None = None,
    command: str | None = None,
    overwrite: bool = False,
    overwrite_hint: str = OVERWRITE_HINT,
) -> PackSummary:
    """Pack the sets of ``subset`` from a dataset folder into ``out_path`` (temp file, then rename).

    An existing ``out_path`` is replaced only when it is a pack, or when ``overwrite`` is given.
    """
    if encoding not in ENCODINGS:
        raise PackError(f"unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    if not 0.0 <= val_fraction < 1.0:
        raise PackError(f"the validation fraction must be in [0, 1), not {val_fraction}")
    subset_enum = Subset(subset)
    out = Path(out_path)
    _check_out(out, overwrite, overwrite_hint)
    dataset = load_dataset(dataset_path)
    versions = tuple(dataset.scan.version_folders)
    chosen, excluded = _choose_sets(dataset, versions, subset_enum)
    if not chosen:
        raise PackError(_nothing_to_pack(dataset, versions, excluded, subset))
    sizes = _set_sizes(dataset, chosen)
    if encoding == "raw" and len(set(sizes)) != 1:
        raise PackError(_sizes_differ(dataset, chosen, sizes))
    annotators = tuple(dataset.annotators)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with h5py.File(tmp, "w") as h5:
            _write_metadata(h5, dataset, chosen, versions, annotators, sizes, subset, encoding, command)
            _write_split(h5, len(chosen), val_fraction, seed)
            _write_images(h5, dataset, chosen, sizes, encoding, progress)
        os.replace(tmp, out)
    except OSError as exc:  # h5py reports an unwritable place or a full disk as OSError
        reason = getattr(exc, "strerror", None) or str(exc)
        if not out.parent.is_dir():
            reason = f"{out.parent} is not a folder and cannot be made one"
        raise PackError(f"{out}: cannot write the pack ({reason}); give a writable OUT.h5") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    split = read_split(out)
    summary = PackSummary(
        out,
        len(chosen),
        int((split == 0).sum()),
        int((split == 1).sum()),
        versions,
        annotators,
        encoding,
        subset,
        out.stat().st_size,
        excluded,
    )
    summary.problems.extend(str(problem) for problem in dataset.problems)
    if len(versions) != TRAINING_VERSIONS:
        summary.warnings.append(
            f"the sets have {len(versions)} versions; hggt-train needs exactly {TRAINING_VERSIONS} (01..04)"
        )
    return summary


def is_pack(path: Path) -> bool:
    """True when ``path`` is an HGGT training pack, which a new pack may replace."""
    try:
        with h5py.File(path, "r") as h5:
            return bool(h5.attrs.get("format") == FORMAT)
    except (OSError, ValueError):
        return False


PACK_FILE = OutputKind("an HGGT training pack", "train.h5", is_pack)


def _check_out(out: Path, overwrite: bool, hint: str) -> None:
    """Refuse a folder, or an existing file that is not a pack (it may be precious)."""
    try:
        check_output_path(out, PACK_FILE, overwrite, hint)
    except OutputRefused as exc:
        raise PackOutputRefused(exc.path, exc.reason) from None


def _choose_sets(
    dataset: Dataset, versions: tuple[str, ...], subset: Subset
) -> tuple[list[str], dict[str, str]]:
    chosen: list[str] = []
    excluded: dict[str, str] = {}
    for image_set in dataset.sets:
        if image_set.version_ids != versions:
            excluded[image_set.stem] = (
                f"has versions {', '.join(image_set.version_ids)}, not {', '.join(versions)}"
            )
            continue
        effective = dataset.effective(image_set.stem)
        if subset is not Subset.ORI and len(effective) != len(versions):
            excluded[image_set.stem] = "not labelled"
            continue
        if not in_subset((e.label for e in effective.values()), subset):
            excluded[image_set.stem] = f"not in subset {subset.value}"
            continue
        chosen.append(image_set.stem)
    return chosen, excluded


def _nothing_to_pack(
    dataset: Dataset, versions: tuple[str, ...], excluded: dict[str, str], subset: str
) -> str:
    """Why no set was chosen, naming a missing version folder or the commonest reasons."""
    images_dir = dataset.images_dir
    last = max((int(v) for v in versions), default=0)
    missing = [f"{i:02d}" for i in range(1, last + 1) if f"{i:02d}" not in versions]
    if missing:
        return (
            f"{images_dir / missing[0]}: version folder missing (found {', '.join(versions)}); "
            "restore it, or no set matches its labels; nothing to pack"
        )
    if not versions:
        return f"{images_dir}: has no version folders 01, 02, ...; nothing to pack"
    reasons = Counter(excluded.values()).most_common(3)
    why = "; ".join(f"{count} set(s) {reason}" for reason, count in reasons)
    return f"{images_dir}: no set belongs to subset {subset!r} ({why or 'no sets'}); nothing to pack"


def _sizes_differ(dataset: Dataset, stems: list[str], sizes: list[tuple[int, int]]) -> str:
    """The raw encoding needs one size: name the originals that differ from the commonest one."""
    sets = dataset.scan.by_stem()
    (common, _), *_ = Counter(sizes).most_common(1)
    odd = [
        f"{sets[stem].original} ({h}x{w})"
        for stem, (h, w) in zip(stems, sizes, strict=True)
        if (h, w) != common
    ]
    more = f" and {len(odd) - 3} more" if len(odd) > 3 else ""
    return (
        f"{dataset.images_dir}: sets have {len(set(sizes))} different sizes (most are {common[0]}x{common[1]}; "
        f"{', '.join(odd[:3])}{more}); raw encoding needs one size, use --encoding png"
    )


def _set_sizes(dataset: Dataset, stems: list[str]) -> list[tuple[int, int]]:
    from hggt_desktop.core.images import image_size

    sets = dataset.scan.by_stem()
    return [image_size(sets[stem].original) for stem in stems]


def _write_metadata(
    h5: h5py.File,
    dataset: Dataset,
    stems: list[str],
    versions: tuple[str, ...],
    annotators: tuple[str, ...],
    sizes: list[tuple[int, int]],
    subset: str,
    encoding: str,
    command: str | None,
) -> None:
    n, v, a = len(stems), len(versions), len(annotators)
    h5.attrs.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "encoding": encoding,
            "versions": list(versions),
            "annotators": list(annotators),
            "subset": subset,
            "app_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": str(Path(dataset.images_dir).resolve()),
            "command": command if command is not None else " ".join(sys.argv),
            "height": sizes[0][0],
            "width": sizes[0][1],
            "complete": False,
        }
    )
    h5.create_dataset("names", data=np.array(stems, dtype=object), dtype=h5py.string_dtype())
    h5.create_dataset("sizes", data=np.array(sizes, dtype=np.int32).reshape(n, 2))
    labels = np.full((n, a, v), UNLABELLED, np.int8)
    effective = np.full((n, v), UNLABELLED, np.int8)
    votes = np.zeros((n, v), np.int8)
    raters = np.zeros((n, v), np.int8)
    adjudicated = np.zeros((n, v), bool)
    for i, stem in enumerate(stems):
        files = dataset.files_for(stem)
        for j, annotator in enumerate(annotators):
            if annotator in files:
                label_map = files[annotator].label_map
                labels[i, j] = [label_map[version].rank for version in versions]
        for k, version in enumerate(versions):
            eff = dataset.effective(stem).get(version)
            if eff is not None:
                effective[i, k], votes[i, k], raters[i, k] = eff.label.rank, eff.votes, eff.raters
                adjudicated[i, k] = eff.adjudicated
    for name, data in (
        ("labels", labels),
        ("effective", effective),
        ("votes", votes),
        ("raters", raters),
        ("adjudicated", adjudicated),
    ):
        h5.create_dataset(name, data=data)


def _write_split(h5: h5py.File, n: int, val_fraction: float, seed: int) -> None:
    split = np.zeros(n, np.uint8)
    n_val = int(round(n * val_fraction))
    if n_val:
        split[np.random.default_rng(seed).permutation(n)[:n_val]] = 1
    h5.create_dataset("split", data=split)
    h5.attrs["val_fraction"], h5.attrs["seed"] = val_fraction, seed


def _write_images(
    h5: h5py.File,
    dataset: Dataset,
    stems: list[str],
    sizes: list[tuple[int, int]],
    encoding: str,
    progress: Progress | None,
) -> None:
    sets = dataset.scan.by_stem()
    n, per_set = len(stems), 1 + len(dataset.scan.version_folders)
    if encoding == "raw":
        height, width = sizes[0]
        shape = (n, per_set, height, width, 3)
        images = h5.create_dataset("images", shape, np.uint8, chunks=(1, per_set, height, width, 3))
    else:
        images = h5.create_dataset("images", (n, per_set), h5py.vlen_dtype(np.uint8))
    file_sha = np.empty((n, per_set), "S64")
    pixel_sha = np.empty((n, per_set), "S64")

    def load(stem: str) -> tuple[list[bytes], list[np.ndarray]]:
        paths = sets[stem].paths()
        raw = [Path(p).read_bytes() for p in paths]
        pixels = [decode_image(data, path) for data, path in zip(raw, paths, strict=True)]
        for path, image in zip(paths, pixels, strict=True):
            if image.shape != pixels[0].shape:
                raise PackError(
                    f"{path}: is {image.shape[1]}x{image.shape[0]} but its original is "
                    f"{pixels[0].shape[1]}x{pixels[0].shape[0]}; fix or remove the set (hggt-data check lists it)"
                )
        return raw, pixels

    # Decoding is the slow part and releases the GIL in OpenCV: a few threads keep writing busy.
    # Executor.map submits everything at once and holds every result until it is consumed, so
    # go in windows of a few sets: memory stays bounded on 20,000 sets.
    def loaded() -> Iterator[tuple[list[bytes], list[np.ndarray]]]:
        window = 16
        with ThreadPoolExecutor(max_workers=4) as pool:
            for start in range(0, n, window):
                yield from pool.map(load, stems[start : start + window])

    for i, (raw, pixels) in enumerate(loaded()):
        for k in range(per_set):
            file_sha[i, k] = hashlib.sha256(raw[k]).hexdigest().encode()
            pixel_sha[i, k] = hashlib.sha256(pixels[k].tobytes()).hexdigest().encode()
        if encoding == "raw":
            images[i] = np.stack(pixels)
        else:
            for k in range(per_set):
                images[i, k] = np.frombuffer(raw[k], np.uint8)
        if progress is not None:
            progress(i + 1, n)
    h5.create_dataset("file_sha256", data=file_sha)
    h5.create_dataset("pixel_sha256", data=pixel_sha)
    h5.attrs["complete"] = True
