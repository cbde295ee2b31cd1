"""Cutting an image into fixed-shape overlapping tiles and blending the model's tiles back.

Pure numpy, no model inside. The layout, for an ``H x W`` image, tile ``T`` and overlap ``O``:

- the image is first padded by reflection with a margin ``M = O // 2`` on every side, so border
  pixels see real-looking context instead of the model's zero padding; the result is padded
  further (bottom/right, by reflection) up to ``T`` where it is smaller than one tile. This
  "canvas" is what the untiled reference runs on (:func:`make_canvas`), and every tile is a
  full ``T x T`` window of it, so engines always see one input shape;
- tiles are spread evenly so neighbours overlap by at least ``O``;
- each tile's weight is 0 within ``O // 4`` of an edge it shares with another tile, rises as a
  raised cosine over the next ``O // 2`` pixels, and is exactly 1 elsewhere (and at canvas
  edges); the weighted sum is divided by the summed weights.

So a model whose receptive radius is at most ``O // 4`` gives exactly the untiled result:
every pixel with a non-zero weight is far enough from the tile edges to see the same context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


class TilingError(ValueError):
    """Tile and overlap sizes that cannot work together."""


@dataclass(frozen=True)
class TilePlan:
    """Where the tiles of one image lie on its padded canvas."""

    height: int
    width: int
    tile: int
    overlap: int
    margin: int
    canvas_height: int
    canvas_width: int
    starts_y: tuple[int, ...]
    starts_x: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.starts_y) * len(self.starts_x)

    def origin(self, index: int) -> tuple[int, int]:
        """(y, x) of tile ``index`` on the canvas, tiles numbered row by row."""
        row, col = divmod(index, len(self.starts_x))
        return self.starts_y[row], self.starts_x[col]


def check_tile_size(tile: int, overlap: int) -> None:
    """Raise TilingError unless a tile leaves room for its overlap on both sides."""
    if overlap < 0:
        raise TilingError(f"overlap must be >= 0, got {overlap}")
    if tile <= 2 * overlap:
        raise TilingError(f"tile {tile} must be larger than twice the overlap {overlap}")


def axis_starts(length: int, tile: int, overlap: int) -> tuple[int, ...]:
    """Start offsets of tiles covering ``length`` (>= tile), spread evenly, overlapping >= overlap."""
    if length <= tile:
        return (0,)
    count = math.ceil((length - overlap) / (tile - overlap))
    count = max(count, 2)
    span = length - tile
    return tuple(round(i * span / (count - 1)) for i in range(count))


def plan_tiles(height: int, width: int, tile: int, overlap: int) -> TilePlan:
    """Plan the fixed-shape tiles for an ``height x width`` image."""
    check_tile_size(tile, overlap)
    margin = overlap // 2
    canvas_h = max(height + 2 * margin, tile)
    canvas_w = max(width + 2 * margin, tile)
    return TilePlan(
        height=height,
        width=width,
        tile=tile,
        overlap=overlap,
        margin=margin,
        canvas_height=canvas_h,
        canvas_width=canvas_w,
        starts_y=axis_starts(canvas_h, tile, overlap),
        starts_x=axis_starts(canvas_w, tile, overlap),
    )


def make_canvas(image: np.ndarray, plan: TilePlan) -> np.ndarray:
    """The image padded by reflection to the plan's canvas (``HxWxC``, same dtype)."""
    m = plan.margin
    pad_h = plan.canvas_height - plan.height - m
    pad_w = plan.canvas_width - plan.width - m
    # numpy's reflect cannot mirror a 1-pixel axis; symmetric repeats it, which is the same thing.
    mode = "reflect" if min(image.shape[:2]) > 1 else "symmetric"
    return np.pad(image, ((m, pad_h), (m, pad_w), (0, 0)), mode=mode)


def extract_tiles(canvas: np.ndarray, plan: TilePlan, indices: range | list[int]) -> np.ndarray:
    """Tiles ``indices`` of the canvas as a float32 ``N x C x T x T`` batch in [0, 1]."""
    t = plan.tile
    batch = np.empty((len(indices), canvas.shape[2], t, t), dtype=np.float32)
    for slot, index in enumerate(indices):
        y, x = plan.origin(index)
        # HWC -> CHW while converting, one pass over the tile.
        batch[slot] = canvas[y : y + t, x : x + t].transpose(2, 0, 1)
    batch *= 1.0 / 255.0
    return batch


def axis_weights(starts: tuple[int, ...], tile: int, overlap: int, scale: int) -> list[np.ndarray]:
    """1-D blending weights of each tile along one axis, at the output ``scale``."""
    dead = (overlap // 4) * scale
    ramp = max((overlap // 2) * scale, 1)
    size = tile * scale
    # Raised cosine from 0 to 1 over the ramp, sampled at pixel centres.
    rise = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp, dtype=np.float64) + 0.5) / ramp)
    profile = np.ones(size, dtype=np.float64)
    profile_left = np.concatenate([np.zeros(dead), rise, np.ones(size - dead - ramp)])
    weights = []
    for i in range(len(starts)):
        w = profile.copy()
        if i > 0:
            w *= profile_left
        if i < len(starts) - 1:
            w *= profile_left[::-1]
        weights.append(w.astype(np.float32))
    return weights


class TileMerger:
    """Accumulates model output tiles into one image with the plan's blending weights."""

    def __init__(self, plan: TilePlan, scale: int, channels: int = 3) -> None:
        self.plan = plan
        self.scale = scale
        s = scale
        self._sum = np.zeros((channels, plan.canvas_height * s, plan.canvas_width * s), np.float32)
        self._weight = np.zeros((plan.canvas_height * s, plan.canvas_width * s), np.float32)
        self._wy = axis_weights(plan.starts_y, plan.tile, plan.overlap, s)
        self._wx = axis_weights(plan.starts_x, plan.tile, plan.overlap, s)

    def add(self, outputs: np.ndarray, indices: range | list[int]) -> None:
        """Add a batch of output tiles (``N x C x sT x sT``) for tiles ``indices``."""
        size = self.plan.tile * self.scale
        if outputs.shape[-2:] != (size, size):
            raise TilingError(f"model returned tiles of {outputs.shape[-2:]}, expected {size}x{size}")
        ncol = len(self.plan.starts_x)
        for tile_out, index in zip(outputs, indices, strict=True):
            row, col = divmod(index, ncol)
            y, x = (v * self.scale for v in self.plan.origin(index))
            weight = np.outer(self._wy[row], self._wx[col])
            self._sum[:, y : y + size, x : x + size] += tile_out.astype(np.float32) * weight
            self._weight[y : y + size, x : x + size] += weight

    def result(self) -> np.ndarray:
        """The blended image, cropped to the original area: ``sH x sW x C`` float32 in model range."""
        s, m, p = self.scale, self.plan.margin, self.plan
        area = (slice(m * s, (m + p.height) * s), slice(m * s, (m + p.width) * s))
        blended = self._sum[:, area[0], area[1]] / self._weight[area]
        return blended.transpose(1, 2, 0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Model output in [0, 1] to an 8-bit image, rounded and clipped."""
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)


def tile_image(image: np.ndarray, tile: int, overlap: int, infer, batch: int = 1) -> np.ndarray:
    """Run ``infer`` (``N x C x T x T`` float32 -> output tiles) over an image, tile by tile.

    The one-call convenience used by tests and by callers without a pipeline; the runner
    splits the same steps over threads.
    """
    plan = plan_tiles(image.shape[0], image.shape[1], tile, overlap)
    canvas = make_canvas(image, plan)
    merger: TileMerger | None = None
    for start in range(0, plan.count, batch):
        indices = range(start, min(start + batch, plan.count))
        outputs = infer(extract_tiles(canvas, plan, indices))
        if merger is None:
            merger = TileMerger(plan, outputs.shape[-1] // tile, outputs.shape[1])
        merger.add(outputs, indices)
    assert merger is not None
    return to_uint8(merger.result())


def run_untiled(image: np.ndarray, overlap: int, infer) -> np.ndarray:
    """The reference: ``infer`` on the whole image with the tiler's reflected margin, as 8-bit."""
    m = overlap // 2
    mode = "reflect" if min(image.shape[:2]) > 1 else "symmetric"
    canvas = np.pad(image, ((m, m), (m, m), (0, 0)), mode=mode)
    batch = canvas[None].transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    out = infer(batch)[0]
    s = out.shape[-1] // canvas.shape[1]
    crop = out[:, m * s : (m + image.shape[0]) * s, m * s : (m + image.shape[1]) * s]
    return to_uint8(crop.transpose(1, 2, 0))
