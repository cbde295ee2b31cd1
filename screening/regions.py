"""The default object-diversity count R(x): graph-based segmentation regions, needing no weights.

DiverSeg counts SAM's automatic masks (R >= 100 kept). Without weights, the count here is a
proxy, and no published work relates the two: Felzenszwalb-Huttenlocher graph segmentation
(scikit-image's ``felzenszwalb``, decision 0009) of the image resized to a fixed long side, counting the
regions that cover at least a fixed fraction of the image. A raw region count grows with
resolution (78 regions at 500 px, 1892 at 2K on one photo); at a fixed size and with small
regions left out, the same photo given at 512 and 2048 px counts within a few percent.
Textures (gravel, grass) count high too: the proxy sees edges, not objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


class RegionCountError(RuntimeError):
    """The graph segmentation is not available (scikit-image is not installed)."""


@dataclass(frozen=True)
class RegionSettings:
    """How the proxy count is taken; the defaults are what the threshold was set with."""

    long_side: int = 512
    scale: float = 300.0  # Felzenszwalb's k: larger gives fewer, larger regions
    sigma: float = 0.8  # Gaussian smoothing before segmenting
    min_size: int = 50  # pixels; smaller regions are merged into a neighbour
    area_fraction: float = 0.001  # regions below 0.1% of the image are not counted


# Set by hand on scikit-image's 26 sample photos: street scenes (motorcycle 129-147) and the
# astronaut (104) above, single subjects (chelsea 38, coffee 48, rocket 40) below.
DEFAULT_THRESHOLD = 80


def resized_to_long_side(rgb: np.ndarray, long_side: int) -> np.ndarray:
    """The image scaled so that its longer side is ``long_side`` (area-averaged when shrinking)."""
    height, width = rgb.shape[:2]
    scale = long_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, size, interpolation=interpolation)


def region_labels(rgb: np.ndarray, settings: RegionSettings = RegionSettings()) -> np.ndarray:
    """Graph-segmentation labels (one integer per region) of the image at the fixed long side."""
    try:
        from skimage.segmentation import felzenszwalb
    except ImportError as exc:
        raise RegionCountError(
            "the default object count needs scikit-image (pip install scikit-image, or run "
            "scripts/setup.sh again); or count with --segmenter sam / --detector"
        ) from exc
    image = resized_to_long_side(rgb, settings.long_side)
    return felzenszwalb(image, scale=settings.scale, sigma=settings.sigma, min_size=settings.min_size)


def region_count(rgb: np.ndarray, settings: RegionSettings = RegionSettings()) -> int:
    """R(x) by the proxy: regions covering at least ``area_fraction`` of the resized image."""
    labels = region_labels(rgb, settings)
    areas = np.bincount(labels.ravel())
    return int(np.count_nonzero(areas >= settings.area_fraction * labels.size))
