"""Writing work packages for annotators, and the curator's key that maps them back.

Each package folder keeps the HGGT regroup layout inside and adds a manifest (both JSON files
are owned by :mod:`hggt_desktop.core.package_files`)::

    OUT_DIR/<package>/package.json                (annotator, seed, folders, SHA-256 of every image)
    OUT_DIR/<package>/images<a>-<b>/{original,01,..}/
    OUT_DIR/<package>/labels<a>-<b>/              (the annotator app writes <annotator>/<stem>.json here)
    OUT_DIR/<package>/img_info_<a>-<b>.txt        (one set file name a line, in order)
    OUT_DIR/.curator/key.json                     (never shipped: real stems, trials, expected answers)

Real images are copied byte for byte; trial images that differ from every dataset file
(degraded copies) are written as PNG.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from hggt_desktop.core.atomic import write_text_atomic
from hggt_desktop.core.hashing import sha256_file
from hggt_desktop.core.images import read_image, write_image
from hggt_desktop.core.labels import ORIGINAL_FOLDER
from hggt_desktop.core.package_files import (
    AnswerKey,
    KeyItem,
    KeyPackage,
    PackageManifest,
    write_key,
    write_manifest,
)
from hggt_desktop.core.sets import ImageSet
from hggt_desktop.tools.assignment import DEGRADED, HIDDEN_REFERENCE, Item, PackagePlan
from hggt_desktop.tools.catch_trials import degrade
from hggt_desktop.tools.progress import progress_counter

log = logging.getLogger(__name__)


class PackageError(Exception):
    """Packages cannot be written (output folder not empty, bad annotator name ...)."""


class _Hashes:
    """SHA-256 of dataset files, computed once although three annotators get each file."""

    def __init__(self) -> None:
        self._known: dict[Path, str] = {}

    def of(self, path: Path) -> str:
        if path not in self._known:
            self._known[path] = sha256_file(path)
        return self._known[path]


def _write_item(
    item: Item, image_set: ImageSet, images_dir: Path, hashes: _Hashes, seed: int
) -> dict[str, str]:
    """Write one item's files; return package folder -> sha256 of the file written there."""
    written: dict[str, str] = {}
    original_name = f"{item.stem}{image_set.original.suffix.lower()}"
    target = images_dir / ORIGINAL_FOLDER / original_name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(image_set.original, target)
    written[ORIGINAL_FOLDER] = hashes.of(image_set.original)
    for index, real_version in enumerate(item.slots, start=1):
        slot = f"{index:02d}"
        target = images_dir / slot / f"{item.stem}_{slot}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if slot == item.catch_slot and item.kind == HIDDEN_REFERENCE:
            if image_set.original.suffix.lower() == ".png":
                shutil.copyfile(image_set.original, target)
                written[slot] = hashes.of(image_set.original)
            else:  # a JPEG original must still arrive as a PNG like every version
                write_image(target, read_image(image_set.original))
                written[slot] = sha256_file(target)
        elif slot == item.catch_slot and item.kind == DEGRADED:
            write_image(
                target, degrade(read_image(image_set.original), item.degradation or "blur", seed + index)
            )
            written[slot] = sha256_file(target)
        else:
            source = image_set.version_path(real_version)
            shutil.copyfile(source, target)
            written[slot] = hashes.of(source)
    return written


def _write_package(
    plan: PackagePlan,
    sets: dict[str, ImageSet],
    root: Path,
    hashes: _Hashes,
    advance: Callable[[int], object],
) -> KeyPackage:
    """Write one package folder; return its entry of the key."""
    images_dir = root / f"images{plan.span}"
    (root / f"labels{plan.span}").mkdir(parents=True, exist_ok=True)
    manifest_images: dict[str, str] = {}
    key_items: dict[str, KeyItem] = {}
    for item in plan.items:
        suffix = sets[item.source].original.suffix.lower()
        written = _write_item(item, sets[item.source], images_dir, hashes, plan.seed)
        for folder, digest in written.items():
            name = f"{item.stem}{suffix}" if folder == ORIGINAL_FOLDER else f"{item.stem}_{folder}.png"
            manifest_images[f"{images_dir.name}/{folder}/{name}"] = digest
        key_items[item.stem] = KeyItem(
            item.stem,
            item.kind,
            item.source,
            item.slots,
            item.catch_slot,
            item.expected,
            item.degradation,
            written,
        )
        advance(1)
    lines = [f"{item.stem}{sets[item.source].original.suffix.lower()}\n" for item in plan.items]
    write_text_atomic(root / f"img_info_{plan.span}.txt", "".join(lines))
    manifest = PackageManifest(
        annotator=plan.annotator,
        seed=plan.seed,
        package=plan.folder,
        images_dir=images_dir.name,
        labels_dir=f"labels{plan.span}",
        sets=len(plan.items),
        images=manifest_images,
    )
    write_manifest(root, manifest)
    return KeyPackage(plan.annotator, images_dir.name, key_items)


def write_packages(
    plans: list[PackagePlan],
    sets: dict[str, ImageSet],
    dataset_images: Path,
    out_dir: Path,
    seed: int,
    show_progress: bool = True,
) -> Path:
    """Write every package and the key; return the key's path."""
    if out_dir.exists() and any(out_dir.iterdir()):
        raise PackageError(f"{out_dir} is not empty; write packages into a new folder")
    hashes = _Hashes()
    key_packages: dict[str, KeyPackage] = {}
    total = sum(len(p.items) for p in plans)
    with progress_counter(total, "package", show_progress) as advance:
        for plan in plans:
            key_packages[plan.folder] = _write_package(plan, sets, out_dir / plan.folder, hashes, advance)
    return write_key(out_dir, AnswerKey(seed, str(dataset_images.resolve()), key_packages))
