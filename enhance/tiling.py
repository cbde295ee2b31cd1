"""Cutting an image into fixed-shape overlapping tiles and blending the model's tiles back.

Pure numpy, no model inside. The layout, for an ``H x W`` image, tile ``T`` and overlap ``O``:

- tiles lie inside the image: nothing is padded beyond it, so an edge tile's border *is* the
  image's border and the model pads it exactly as it pads the whole image in an untiled call
  (docs/decisions/0007-exact-borders.md);
- along each axis, the fewest tiles of at most ``T`` that overlap by at least ``O`` are chosen,
  then the tile is shrunk to the smallest length (a multiple of ``ALIGN``) that still covers the
  axis with that many tiles: all tiles of an image share one ``th x tw`` shape (so engines see
  one input shape per image size) and the area computed stays close to the image's own. An
  image side shorter than that length is one tile of exactly that side (an untiled call);
- ``fixed=True`` (for an engine that takes one shape only) makes every tile ``T x T`` and pads
  an image side shorter than ``T`` at the bottom/right by reflection, exact everywhere else;
- tiles are spread evenly so neighbours overlap by at least ``O``;
- each tile's weight is 0 within ``O // 4`` of an edge it shares with another tile, rises as a
  raised cosine over the next ``O // 2`` pixels, and is exactly 1 elsewhere (and at image
  edges); the weights of each position sum to 1.

So a model whose receptive radius is at most ``O // 4`` gives the untiled result, borders
included: every pixel with a non-zero weight sees the context it sees in the whole image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


class TilingError(ValueError):
    """Tile and overlap sizes that cannot work together."""


@dataclass(frozen=True)
class TilePlan:
    """Where the tiles of one image lie on its canvas (the image, padded only for ``fixed``)."""

    height: int
    width: int
    tile: int  # the largest tile side asked for
    tile_height: int  # the shape every tile of this image has
    tile_width: int
    overlap: int
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


# Tile sides are multiples of this (unless the asked-for tile is smaller): few distinct shapes
# across a folder, and sizes that window-attention models (ELAN: 4, 8, 16) take without padding.
ALIGN = 16


def axis_tile(length: int, tile: int, overlap: int) -> int:
    """The shortest tile side (<= tile) covering ``length`` with the fewest tiles possible."""
    if length <= tile:
        count = 1
    else:
        count = math.ceil((length - overlap) / (tile - overlap))
    # Evenly spread tiles overlap by >= overlap when count * side >= length + (count - 1) * overlap.
    side = -(-(length + (count - 1) * overlap) // count)
    return min(-(-side // ALIGN) * ALIGN, tile)


def axis_starts(length: int, tile: int, overlap: int) -> tuple[int, ...]:
    """Start offsets of tiles covering ``length`` (>= tile), spread evenly, overlapping >= overlap."""
    if length <= tile:
        return (0,)
    count = math.ceil((length - overlap) / (tile - overlap))
    count = max(count, 2)
    span = length - tile
    return tuple(round(i * span / (count - 1)) for i in range(count))


def plan_tiles(height: int, width: int, tile: int, overlap: int, fixed: bool = False) -> TilePlan:
    """Plan the tiles (one shape, at most ``tile x tile``) for an ``height x width`` image.

    ``fixed``: every tile is ``tile x tile`` whatever the image size, for engines that take a
    single input shape; an image side shorter than ``tile`` is then padded (see make_canvas).
    """
    check_tile_size(tile, overlap)
    if fixed:
        tile_h = tile_w = tile
    else:
        # Never longer than the image: an edge tile must end where the image ends.
        tile_h = min(axis_tile(height, tile, overlap), height)
        tile_w = min(axis_tile(width, tile, overlap), width)
    canvas_h, canvas_w = max(height, tile_h), max(width, tile_w)
    return TilePlan(
        height=height,
        width=width,
        tile=tile,
        tile_height=tile_h,
        tile_width=tile_w,
        overlap=overlap,
        canvas_height=canvas_h,
        canvas_width=canvas_w,
        starts_y=axis_starts(canvas_h, tile_h, overlap),
        starts_x=axis_starts(canvas_w, tile_w, overlap),
    )


def make_canvas(image: np.ndarray, plan: TilePlan) -> np.ndarray:
    """What the tiles are cut from: the image itself, or for a ``fixed`` plan on a small image,
    the image padded at the bottom/right by reflection to one tile (``HxWxC``, same dtype)."""
    pad_h, pad_w = plan.canvas_height - plan.height, plan.canvas_width - plan.width
    if pad_h == 0 and pad_w == 0:
        return image
    # numpy's reflect cannot mirror a 1-pixel axis; symmetric repeats it, which is the same thing.
    mode = "reflect" if min(image.shape[:2]) > 1 else "symmetric"
    return np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode=mode)


def extract_tiles(canvas: np.ndarray, plan: TilePlan, indices: range | list[int]) -> np.ndarray:
    """Tiles ``indices`` of the canvas as a float32 ``N x C x th x tw`` batch in [0, 1]."""
    th, tw = plan.tile_height, plan.tile_width
    batch = np.empty((len(indices), canvas.shape[2], th, tw), dtype=np.float32)
    for slot, index in enumerate(indices):
        y, x = plan.origin(index)
        # HWC -> CHW while converting, one pass over the tile.
        batch[slot] = canvas[y : y + th, x : x + tw].transpose(2, 0, 1)
    batch *= 1.0 / 255.0
    return batch


def axis_weights(starts: tuple[int, ...], tile: int, overlap: int, scale: int) -> list[np.ndarray]:
    """1-D blending weights of each tile along one axis, at the output ``scale``.

    Normalised so that, at every position, the weights of the tiles covering it sum to 1; the
    2-D weight of a tile is the outer product of its row and column weights, so the 2-D weights
    sum to 1 as well and blending needs neither a weight image nor a division.
    """
    dead = (overlap // 4) * scale
    ramp = max((overlap // 2) * scale, 1)
    size = tile * scale
    # Raised cosine from 0 to 1 over the ramp, sampled at pixel centres.
    rise = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp, dtype=np.float64) + 0.5) / ramp)
    # A single tile shares no edge (and may be shorter than the ramp: a one-pixel-high image).
    profile_left = np.concatenate([np.zeros(dead), rise, np.ones(max(size - dead - ramp, 0))])
    profiles = []
    for i in range(len(starts)):
        w = np.ones(size, dtype=np.float64)
        if i > 0:
            w *= profile_left
        if i < len(starts) - 1:
            w *= profile_left[::-1]
        profiles.append(w)
    total = np.zeros(starts[-1] * scale + size)
    for start, w in zip(starts, profiles, strict=True):
        total[start * scale : start * scale + size] += w
    return [
        (w / total[start * scale : start * scale + size]).astype(np.float32)
        for start, w in zip(starts, profiles, strict=True)
    ]


class TileMerger:
    """Accumulates model output tiles into one 8-bit image with the plan's blending weights."""

    def __init__(self, plan: TilePlan, scale: int, channels: int = 3) -> None:
        self.plan = plan
        self.scale = scale
        s = scale
        # Sums of weighted tiles in 8-bit units plus 0.5, so that the final conversion is a
        # clip and a truncation (round half up); float32, never float64.
        self._sum = np.full((channels, plan.canvas_height * s, plan.canvas_width * s), 0.5, np.float32)
        self._wy = [
            w * np.float32(255.0) for w in axis_weights(plan.starts_y, plan.tile_height, plan.overlap, s)
        ]
        self._wx = axis_weights(plan.starts_x, plan.tile_width, plan.overlap, s)

    def add(self, outputs: np.ndarray, indices: range | list[int]) -> None:
        """Add a batch of output tiles (``N x C x s*th x s*tw``, model range) for tiles ``indices``."""
        sh, sw = self.plan.tile_height * self.scale, self.plan.tile_width * self.scale
        if outputs.shape[-2:] != (sh, sw):
            raise TilingError(f"model returned tiles of {tuple(outputs.shape[-2:])}, expected {sh}x{sw}")
        ncol = len(self.plan.starts_x)
        for tile_out, index in zip(outputs, indices, strict=True):
            row, col = divmod(index, ncol)
            y, x = (v * self.scale for v in self.plan.origin(index))
            weight = np.outer(self._wy[row], self._wx[col])
            target = self._sum[:, y : y + sh, x : x + sw]
            # In place, float32 throughout: no temporary bigger than one tile.
            target += np.multiply(tile_out, weight, dtype=np.float32)

    def result(self) -> np.ndarray:
        """The blended image cropped to the original area: ``sH x sW x C`` uint8 (contiguous).

        Consumes the sums (clipped in place): call it once, after the last tile.
        """
        s, p = self.scale, self.plan
        crop = self._sum[:, : p.height * s, : p.width * s]
        np.clip(crop, 0, 255, out=crop)
        # One pass from the channel-first sums to a contiguous HWC image (what encoders want).
        image = np.empty((p.height * s, p.width * s, crop.shape[0]), np.uint8)
        np.copyto(image, crop.transpose(1, 2, 0), casting="unsafe")
        return image


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Model output in [0, 1] to an 8-bit image, rounded and clipped."""
    return np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)


def tile_image(
    image: np.ndarray, tile: int, overlap: int, infer, batch: int = 1, fixed: bool = False
) -> np.ndarray:
    """Run ``infer`` (``N x C x th x tw`` float32 -> output tiles) over an image, tile by tile.

    The one-call convenience used by tests and by callers without a pipeline; the runner
    splits the same steps over threads.
    """
    plan = plan_tiles(image.shape[0], image.shape[1], tile, overlap, fixed)
    canvas = make_canvas(image, plan)
    merger: TileMerger | None = None
    for start in range(0, plan.count, batch):
        indices = range(start, min(start + batch, plan.count))
        outputs = infer(extract_tiles(canvas, plan, indices))
        if merger is None:
            merger = TileMerger(plan, outputs.shape[-1] // plan.tile_width, outputs.shape[1])
        merger.add(outputs, indices)
    assert merger is not None
    return merger.result()


def run_untiled(image: np.ndarray, infer) -> np.ndarray:
    """The reference: ``infer`` on the whole image in one call, as 8-bit."""
    batch = image[None].transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    return to_uint8(infer(batch)[0].transpose(1, 2, 0))
