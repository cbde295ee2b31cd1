"""The label folder of segmentation guidance: one class map per pack set, read without PyTorch.

Layout of ``seg_labels=FOLDER``::

    FOLDER/classes.txt       the class names, one a line (line k: class k)
    FOLDER/<set name>.png    8-bit single-channel PNG, the size of the set's images; each pixel
                             the index of its class, 255 where it is unlabelled

``<set name>`` is the pack's set name (``names`` in the pack: the stem of the set's original).
A map covers the whole set, so the trainer crops it at the same place as the HR crop and flips
it with it; all versions of a set share the map. A set without a map trains as usual, but its
samples carry no segmentation target (every pixel unlabelled), so the term masks them out.

Palette PNGs (VOC style) are refused rather than read: their colours, not their indices, are
what OpenCV returns, and a class map silently read as colours would train on nonsense.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hggt_desktop.core.images import png_info, read_encoded
from hggt_desktop.pack.reader import open_pack
from train.config import ConfigError

UNLABELLED = 255  # the pixel value of "no class" in a label map
CLASSES_FILE = "classes.txt"
SHOWN = 5  # problems listed by name before "and N more"


@dataclass(frozen=True)
class LabelFolder:
    """The label maps matched to a pack's sets: ``paths[i]`` is set i's map, None when it has none."""

    folder: Path
    classes: int
    paths: tuple[Path | None, ...]

    def missing(self, indices: Sequence[int]) -> int:
        """How many of the sets ``indices`` have no label map."""
        return sum(self.paths[i] is None for i in indices)


def label_folder_classes(folder: str | Path) -> int:
    """Class count of a label folder: the lines of its classes.txt (one class name a line)."""
    names = Path(folder) / CLASSES_FILE
    try:
        return len([line for line in names.read_text(encoding="utf-8").splitlines() if line.strip()])
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"seg_labels={folder}: cannot read {names} ({exc}); it lists the class names, one a line"
        ) from None


def read_label_map(path: Path) -> np.ndarray:
    """(H, W) uint8 class indices of one label map, as stored (255: unlabelled)."""
    image = cv2.imdecode(read_encoded(path), cv2.IMREAD_UNCHANGED)
    if image is None or image.dtype != np.uint8 or image.ndim != 2:
        raise ConfigError(f"{path}: is not an 8-bit single-channel PNG; {_HOW}")
    return image


_HOW = (
    "save each label map as an 8-bit grayscale PNG of class indices "
    "(numpy: cv2.imwrite(PATH, indices.astype(np.uint8)); PIL palette image: Image.fromarray(np.array(im)))"
)


def match_label_folder(
    folder: str | Path,
    names: Sequence[str],
    sizes: Sequence[tuple[int, int]],
    classes: int,
    decode: bool = True,
) -> LabelFolder:
    """Match the maps of ``folder`` to the sets ``names`` of (height, width) ``sizes``.

    A map of the wrong kind or size, or (with ``decode``) holding a value that is neither a
    class index below ``classes`` nor 255, is refused: ConfigError listing the files. Without
    ``decode`` only the PNG headers are read (the preflight's quick look).
    """
    folder = Path(folder)
    paths: list[Path | None] = []
    problems: list[str] = []
    for name, (height, width) in zip(names, sizes, strict=True):
        path = folder / f"{name}.png"
        if not path.is_file():
            paths.append(None)
            continue
        paths.append(path)
        info = png_info(path)
        if info is None or info.color_type != 0 or info.bit_depth != 8:
            kind = "not a PNG" if info is None else f"PNG colour type {info.color_type}, {info.bit_depth}-bit"
            problems.append(f"{path.name} ({kind}, not 8-bit grayscale)")
        elif (info.height, info.width) != (height, width):
            problems.append(f"{path.name} ({info.width}x{info.height}, the set is {width}x{height})")
        elif decode:
            counts = np.bincount(read_label_map(path).ravel(), minlength=256)  # 3x faster than np.unique
            counts[UNLABELLED] = 0
            wrong = np.flatnonzero(counts[classes:]) + classes
            if wrong.size:
                problems.append(
                    f"{path.name} (values {wrong[:4].tolist()}; classes are 0..{classes - 1}, 255)"
                )
    if problems:
        more = f" and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise ConfigError(
            f"seg_labels={folder}: {len(problems)} label maps cannot be used: "
            f"{'; '.join(problems[:SHOWN])}{more}. {_HOW}, the size of the set's images, "
            f"with values 0..{classes - 1} (255: unlabelled)"
        )
    if names and all(p is None for p in paths):
        raise ConfigError(
            f"seg_labels={folder}: no label map is named after a set of the pack (e.g. {names[0]}.png); "
            "name each map <set name>.png"
        )
    return LabelFolder(folder, classes, tuple(paths))


def crop_label_map(labels: LabelFolder | None, index: int, top: int, left: int, side: int) -> np.ndarray:
    """(side, side) uint8 crop of set ``index``'s map at (top, left); all 255 when it has none."""
    path = labels.paths[index] if labels is not None else None
    if path is None:
        return np.full((side, side), UNLABELLED, np.uint8)
    return np.ascontiguousarray(read_label_map(path)[top : top + side, left : left + side])


def pack_label_folder(
    folder: str | Path, pack: Path, names: Sequence[str], classes: int, decode: bool = True
) -> LabelFolder:
    """:func:`match_label_folder` against the sets of ``pack`` (their sizes read from it)."""
    with open_pack(pack) as h5:
        sizes = [(int(h), int(w)) for h, w in h5["sizes"][()]]
    return match_label_folder(folder, names, sizes, classes, decode)
