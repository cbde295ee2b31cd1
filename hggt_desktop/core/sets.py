"""Finding image sets in an images folder, collecting every problem instead of stopping.

Layout (the same for 512x512 sets and for the full-size ``EnhancedGT`` folder)::

    <images>/original/<stem>.png
    <images>/0k/<stem>_0k.png      for k = 1..9
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hggt_desktop.core.images import ImageError, check_dimensions, is_image_file, png_info, read_image
from hggt_desktop.core.labels import ORIGINAL_FOLDER

_VERSION_DIR = re.compile(r"0[1-9]\Z")
# Folders that may sit inside an images folder without being a problem.
_IGNORED_DIRS = {"labels", "records", "__MACOSX"}


class SetLayoutError(Exception):
    """The folder is not an images folder at all (no ``original/``)."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one file or folder, said so a person can fix it."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class ImageSet:
    """One original patch and its enhanced versions (``"01"`` -> path), same stem."""

    stem: str
    original: Path
    versions: tuple[tuple[str, Path], ...]

    @property
    def version_ids(self) -> tuple[str, ...]:
        return tuple(v for v, _ in self.versions)

    def version_path(self, version: str) -> Path:
        return dict(self.versions)[version]

    def paths(self) -> tuple[Path, ...]:
        """The original first, then the versions in order."""
        return (self.original, *(p for _, p in self.versions))


@dataclass(frozen=True)
class ScanResult:
    root: Path
    sets: tuple[ImageSet, ...]
    version_folders: tuple[str, ...]
    problems: tuple[Problem, ...] = field(default=())

    def by_stem(self) -> dict[str, ImageSet]:
        return {s.stem: s for s in self.sets}


def _list_files(folder: Path) -> list[str]:
    with os.scandir(folder) as entries:
        return sorted(e.name for e in entries if e.is_file() and not e.name.startswith("."))


def find_sets(images_dir: Path | str, verify_images: bool = False, workers: int = 4) -> ScanResult:
    """Scan ``images_dir`` for sets.

    Without ``verify_images`` only names (and PNG headers for sizes) are read, which is fast
    for 20,000 sets. With it every image is decoded, so truncated files are found too.
    """
    root = Path(images_dir)
    original_dir = root / ORIGINAL_FOLDER
    if not original_dir.is_dir():
        raise SetLayoutError(
            root,
            "has no 'original' folder; an images folder holds original/<stem>.png and 01/<stem>_01.png ..",
        )
    problems: list[Problem] = []
    originals: dict[str, Path] = {}
    for name in _list_files(original_dir):
        path = original_dir / name
        if not is_image_file(path):
            problems.append(Problem(path, "is not an image file; remove it from the images folder"))
            continue
        originals[Path(name).stem] = path

    version_folders: list[str] = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if not entry.is_dir() or entry.name == ORIGINAL_FOLDER or entry.name.startswith("."):
            continue
        if _VERSION_DIR.match(entry.name):
            version_folders.append(entry.name)
        elif entry.name not in _IGNORED_DIRS:
            problems.append(Problem(Path(entry.path), "unexpected folder; version folders are named 01..09"))

    found: dict[str, dict[str, Path]] = {stem: {} for stem in originals}
    for version in version_folders:
        folder = root / version
        suffix = f"_{version}"
        for name in _list_files(folder):
            path = folder / name
            stem_part = Path(name).stem
            if not is_image_file(path):
                problems.append(Problem(path, "is not an image file; remove it from the images folder"))
            elif not stem_part.endswith(suffix):
                problems.append(Problem(path, f"stray file: names in {version}/ end in '{suffix}'"))
            elif stem_part[: -len(suffix)] not in originals:
                problems.append(Problem(path, f"stray file: no original named {stem_part[: -len(suffix)]}.*"))
            else:
                found[stem_part[: -len(suffix)]][version] = path

    sets: list[ImageSet] = []
    for stem in sorted(originals):
        versions = found[stem]
        for version in version_folders:
            if version not in versions:
                problems.append(
                    Problem(
                        root / version / f"{stem}_{version}.png", f"missing: version {version} of set {stem}"
                    )
                )
        if not versions:
            continue
        sets.append(ImageSet(stem, originals[stem], tuple(sorted(versions.items()))))

    problems.extend(_check_sizes(sets, verify_images, workers))
    return ScanResult(root, tuple(sets), tuple(version_folders), tuple(problems))


def _check_sizes(sets: Iterable[ImageSet], decode: bool, workers: int) -> list[Problem]:
    def size_of(path: Path) -> tuple[int, int] | Problem:
        if not decode:
            info = png_info(path)
            if info is not None:
                try:
                    check_dimensions(info.width, info.height, path)
                except ImageError as exc:
                    return Problem(path, exc.reason)
                return info.height, info.width
            if path.suffix.lower() == ".png":
                return Problem(path, "is not a readable PNG; copy it again")
        try:
            image = read_image(path)
        except ImageError as exc:
            return Problem(path, exc.reason)
        return image.shape[0], image.shape[1]

    def check(image_set: ImageSet) -> list[Problem]:
        found: list[Problem] = []
        reference = size_of(image_set.original)
        if isinstance(reference, Problem):
            found.append(reference)
        for _, path in image_set.versions:
            size = size_of(path)
            if isinstance(size, Problem):
                found.append(size)
            elif isinstance(reference, tuple) and size != reference:
                found.append(
                    Problem(path, f"is {size[1]}x{size[0]} but its original is {reference[1]}x{reference[0]}")
                )
        return found

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return [p for batch in pool.map(check, sets) for p in batch]
